"""The deal card's "Proposals" tab, registered with crm's tab registry at start-up (crm never
imports sales)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def _label() -> str:
    return _("Proposals")


def _context(request, deal) -> dict:
    from dealbook.accounts import policy
    from dealbook.sales.queries import proposal_list

    rows = list(proposal_list(request.user, deal=deal.pk).order_by("-id")[:100])
    return {"proposals": rows, "can_create": policy.can(request.user, "deal.edit") and not deal.is_closed}


def register_deal_tab() -> None:
    from dealbook.crm.cardtabs import DealTab
    from dealbook.crm.cardtabs import register_deal_tab as register

    register(
        DealTab(key="proposals", label=_label, template="sales/_deal_tab.html", context=_context, order=20)
    )
