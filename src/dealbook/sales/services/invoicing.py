"""Q3: a proposal becomes an invoice — generated on the client's signature (services.signing) or
by the manager's one action — through billing's services (billing never imports sales)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.core.errors import RuleViolation
from dealbook.core.models import EventKind
from dealbook.sales.models import Proposal, ProposalStatus
from dealbook.sales.queries import proposal_line_list
from dealbook.sales.services.common import lock_proposal, record, sync
from dealbook.sales.services.lifecycle import refuse_empty

S = ProposalStatus


def make_invoice(locked: Proposal, *, actor, rate=None, save: bool = True):
    """The locked proposal's invoice in New: its seller, client, currency, tax and lines, made by
    billing.invoice_create as `actor` and checked to come to the same amounts (Q3). `save=False`:
    the caller saves the proposal (with its status change)."""
    from dealbook.billing import services as billing

    invoice = billing.invoice_create(
        actor=actor,
        deal=locked.deal,
        seller=locked.seller,
        payer_company=locked.payer_company,
        payer_contact=locked.payer_contact,
        currency=locked.currency,
        rate=rate,
        tax_profile=locked.tax_profile,
        tax_date=locked.tax_date,
        title=locked.title,
        comment=_("From proposal No. %(number)s") % {"number": locked.number},
        lines=[
            {
                "product": x.product_id,
                "quantity": x.quantity,
                "unit": x.unit_id,
                "price": x.price,
                "discount_kind": x.discount_kind,
                "discount_value": x.discount_value,
            }
            for x in proposal_line_list(locked)
        ],
    )
    if invoice.total != locked.total or invoice.tax != locked.tax:
        raise RuleViolation(
            _("The invoice would come to %(invoice)s instead of %(proposal)s (tax rates changed).")
            % {"invoice": invoice.total, "proposal": locked.total},
            field="lines",
            code="proposal_amounts_differ",
        )
    locked.invoice = invoice
    if save:
        locked.save(update_fields=["invoice", "updated_at"])
    return invoice


@transaction.atomic
def proposal_to_invoice(*, actor, proposal: Proposal, rate=None):
    """Q3 by hand: the manager turns the proposal into an invoice (New, same lines, client, seller
    and currency) with one action; refused when it already has one or was declined. (Without a
    signature nothing is ever generated automatically: that path is proposal_accept.)"""
    locked = lock_proposal(actor, proposal)
    if locked.invoice_id:
        raise RuleViolation(
            _("Proposal %(number)s already has invoice %(invoice)s.")
            % {"number": locked.number, "invoice": locked.invoice.number},
            field="invoice",
            code="proposal_invoiced",
        )
    if locked.status == S.DECLINED:
        raise RuleViolation(
            _("Proposal %(number)s was declined: it does not become an invoice.") % {"number": locked.number},
            field="status",
            code="proposal_declined",
        )
    refuse_empty(locked)
    invoice = make_invoice(locked, actor=actor, rate=rate)
    record(
        locked,
        EventKind.DOCUMENT_GENERATED,
        actor=actor,
        data={"invoice_id": invoice.pk, "invoice_number": invoice.number, "total": invoice.total},
    )
    sync(proposal, locked)
    return invoice
