"""For tests of other apps that need a deal that may be won (D7): give it what billing requires —
an invoice paid exactly and its UPD received signed — through the real services."""

from __future__ import annotations

from dealbook.accounts.models import Role, User
from dealbook.billing import services as billing
from dealbook.catalog.models import Product
from dealbook.crm.models import Company, Deal, DealLine


def make_won_ready(deal: Deal, actor: User | None = None) -> None:
    """Invoice the deal (adding a line and a payer if it has none), send, pay and ship it.

    The invoicing runs as an administrator (billing and deal rights, sees everything) unless an
    actor is given. The deal may advance to "Invoice paid" on the way (I7); reload it afterwards.
    """
    from tests import factories

    actor = actor or User.objects.filter(role=Role.ADMIN, is_active=True).first()
    if actor is None:
        actor = factories.make_user(Role.ADMIN)
    seller = Company.objects.filter(is_own=True).order_by("pk").first() or factories.make_company(
        "Our entity", is_own=True
    )
    if not DealLine.objects.filter(deal=deal).exists():
        from dealbook.crm.services.lines import line_add

        product = Product.objects.filter(is_active=True).first() or factories.make_product()
        line_add(actor=actor, deal=deal, product=product, quantity=1)
    payer = deal.company or factories.make_company("Payer for D7")
    invoice = billing.invoice_create_from_deal(
        actor=actor,
        deal=deal,
        seller=seller,
        payer_company=payer,
        supplier=seller,
        carrier=seller,
    )
    billing.invoice_set_parties(actor=actor, invoice=invoice, confirmed=True)
    invoice.refresh_from_db()
    billing.invoice_pay(actor=actor, invoice=invoice, amount=invoice.total)
    upd = billing.closing_document_create(actor=actor, invoice=invoice, kind="upd")
    billing.closing_document_receive(actor=actor, document=upd)
    deal.refresh_from_db()
