"""The deal card's Invoices tab (step 53), registered with crm.cardtabs at start-up."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.billing import queries as bq


def label() -> str:
    return _("Invoices")


def context(request, deal) -> dict:
    """The deal's invoices (number, date, status, total, paid, X3 marker) and its paid total; a
    role without billing (R1) sees a note instead."""
    if not policy.can(request.user, "billing.use"):
        return {"billing_forbidden": True}
    items, paid = bq.deal_invoices(request.user, deal)
    for item in items:
        item.overdue = item.is_overdue()
    return {"deal_invoices": items, "deal_paid_total": paid, "billing_forbidden": False}
