"""Creating and editing invoices: numbering (I1), payer and payment form (I2), edits only while
New (I3), supplier and carrier (I4), currency and rate (I10), deleting drafts (I9)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PaymentForm,
    SellerSettings,
)
from dealbook.billing.services import lines as line_rules
from dealbook.billing.services.common import (
    clean_currency_rate,
    clean_date,
    lock_invoice,
    record,
    refuse_unless_new,
    render_number,
    require_billing,
    sync,
)
from dealbook.billing.services.parties import (  # noqa: F401  (their home before the split)
    invoice_set_parties,
    refuse_unconfirmed_parties,
)
from dealbook.catalog.models import TaxProfile
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.core.models import EventKind
from dealbook.core.numbering import next_number, release_number
from dealbook.core.sqlcache import ShapeCache
from dealbook.crm.models import Company, Contact, Deal, DealContact, DealLine

MAX_TEXT = 255


def seller_settings(seller: Company) -> SellerSettings:
    found = PLANS.one("seller_settings", _settings_of, {"seller": seller.pk}) if seller.pk else None
    return found or SellerSettings(seller=seller)


def _settings_of(a):
    return SellerSettings.objects.filter(seller_id=a["seller"]).order_by()[:1]


PLANS = ShapeCache()


def _seller(seller) -> Company:
    """I2: the seller is one of our own legal entities; with only one, it is the default."""
    if seller is None:
        own = list(Company.objects.filter(is_own=True).order_by("pk")[:2])
        if len(own) != 1:
            raise InvalidInput(_("Choose which of our legal entities issues the invoice."), field="seller")
        return own[0]
    if isinstance(seller, Company) and seller.pk and seller.is_own:
        return seller  # loaded by the caller as one of ours
    pk = getattr(seller, "pk", seller)
    found = Company.objects.filter(pk=pk, is_own=True).first() if isinstance(pk, int) else None
    if found is None:
        raise InvalidInput(_("The seller must be one of our own legal entities."), field="seller")
    return found


def _payer(company, contact) -> tuple[Company | None, Contact | None, str]:
    """I2: a payer company means bank transfer; a contact only means cash."""
    if company is not None and not isinstance(company, Company):
        raise InvalidInput(_("Choose a company as payer."), field="payer_company")
    if contact is not None and not isinstance(contact, Contact):
        raise InvalidInput(_("Choose a contact as payer."), field="payer_contact")
    if company is None and contact is None:
        raise InvalidInput(_("An invoice needs a payer: a company or a contact."), field="payer_company")
    if company is not None and company.is_own:
        raise InvalidInput(_("Our own legal entity cannot be the payer."), field="payer_company")
    form = PaymentForm.BANK_TRANSFER if company is not None else PaymentForm.CASH
    return company, contact, form


def _text(value, field: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(n)d characters.") % {"field": field, "n": limit}, field=field
        )
    return value


def _dates(date, due_date) -> tuple[dt.date, dt.date | None]:
    date = clean_date(date, "date") or timezone.localdate()
    due_date = clean_date(due_date, "due_date")
    if due_date and due_date < date:
        raise InvalidInput(_("The due date cannot be before the invoice date."), field="due_date")
    return date, due_date


def _number(seller: Company, date: dt.date) -> tuple[int, int, str]:
    """I1: the next number of this seller and year, taken under the sequence's row lock so the
    number and the invoice commit together — no gaps, no duplicates."""
    pattern = seller_settings(seller).number_pattern
    render_number(pattern, year=date.year, seq=1)  # a bad pattern is refused before a number is used
    seq = next_number(scope=f"seller:{seller.pk}", doc_type="invoice", year=date.year)
    return date.year, seq, render_number(pattern, year=date.year, seq=seq)


def _created_events(invoice: Invoice, actor) -> None:
    data = {
        "total": invoice.total,
        "currency": invoice.currency,
        "status": invoice.status,
        "customer": invoice.customer_name,
        "deal_id": invoice.deal_id,
    }
    record(invoice, EventKind.CREATED, actor=actor, data=data)


def _new_invoice(
    *,
    actor,
    seller,
    deal,
    payer_company,
    payer_contact,
    date,
    due_date,
    currency,
    rate,
    tax_profile,
    tax_date,
    title,
    comment,
    supplier,
    carrier,
    responsible,
    batch="",
) -> Invoice:
    seller = _seller(seller)
    company, contact, form = _payer(payer_company, payer_contact)
    date, due_date = _dates(date, due_date)
    currency, rate = clean_currency_rate(currency, rate)
    for party, field in ((supplier, "supplier"), (carrier, "carrier")):
        if party is not None and not isinstance(party, Company):
            raise InvalidInput(_("Choose a company."), field=field)
    year, seq, number = _number(seller, date)
    return Invoice.objects.create(
        seller=seller,
        number=number,
        year=year,
        seq=seq,
        date=date,
        due_date=due_date,
        title=_text(title, "title"),
        deal=deal,
        payer_company=company,
        payer_contact=contact,
        payment_form=form,
        currency=currency,
        rate=rate,
        tax_profile=tax_profile,
        tax_date=tax_date or date,
        comment=(comment or "").strip(),
        supplier=supplier,
        carrier=carrier,
        responsible=responsible,
        batch=_text(batch, "batch", 64),  # I9: invoices made together share a label
        created_by=actor,
    )


@transaction.atomic
def invoice_create(
    *,
    actor,
    payer_company: Company | None = None,
    payer_contact: Contact | None = None,
    seller=None,
    date=None,
    due_date=None,
    currency: str | None = None,
    rate=None,
    tax_profile: TaxProfile | None = None,
    tax_date=None,
    title: str = "",
    comment: str = "",
    lines: list[dict] = (),
    supplier: Company | None = None,
    carrier: Company | None = None,
    batch: str = "",
    deal: Deal | None = None,
) -> Invoice:
    """A blank invoice in New: I1 its number, I2 payment form from the payer, I10 currency and rate,
    lines (P1–P6) given as dicts of product, quantity, price, discount. `deal` files it under a
    deal (a proposal's invoice, Q3) with the deal's timeline entry (I7); the caller has checked
    that the actor sees the deal."""
    require_billing(actor)
    if tax_profile is None:
        tax_profile = TaxProfile.objects.filter(is_default=True).order_by("pk").first()
        if tax_profile is None:
            raise InvalidInput(_("No default tax profile is configured; choose one."), field="tax_profile")
    invoice = _new_invoice(
        actor=actor,
        seller=seller,
        deal=deal,
        payer_company=payer_company,
        payer_contact=payer_contact,
        date=date,
        due_date=due_date,
        currency=currency,
        rate=rate,
        tax_profile=tax_profile,
        tax_date=clean_date(tax_date, "tax_date"),
        title=title,
        comment=comment,
        supplier=supplier,
        carrier=carrier,
        responsible=actor,
        batch=batch,
    )
    specs = [_line_spec(spec, n) for n, spec in enumerate(lines or ())]
    catalog = line_rules.LineCatalog(specs, invoice.tax_profile, invoice.tax_date)
    built = [line_rules.build_line(invoice, **spec, catalog=catalog) for spec in specs]
    for n, line in enumerate(built):
        line.sort = (n + 1) * 10
    InvoiceLine.objects.bulk_create(built)
    line_rules.recalculate(invoice, built)
    _created_events(invoice, actor)
    return invoice


def _line_spec(spec: dict, n: int) -> dict:
    allowed = {"product", "quantity", "unit", "price", "discount_kind", "discount_value"}
    unknown = set(spec) - allowed
    if unknown:
        raise InvalidInput(
            _("lines[%(n)d]: unknown field %(f)s.") % {"n": n, "f": sorted(unknown)[0]}, field="lines"
        )
    return spec


@transaction.atomic
def invoice_create_from_deal(
    *,
    actor,
    deal: Deal,
    seller=None,
    payer_company: Company | None = None,
    payer_contact: Contact | None = None,
    date=None,
    due_date=None,
    rate=None,
    title: str | None = None,
    comment: str = "",
    supplier: Company | None = None,
    carrier: Company | None = None,
    batch: str = "",
) -> Invoice:
    """Step 43 "create on the basis of: invoice": the deal's lines copied with their rates and
    amounts, payer the deal's company or else its primary contact (I2), currency the deal's (I10);
    written to the deal's timeline (I7, step 52). A closed deal gets no new invoice (D8)."""
    from dealbook.crm.queries.deals import deal_visible_to

    require_billing(actor)
    # the deal row is locked while its lines are copied, so a concurrent line edit waits (crm.lines
    # locks the same row) and the invoice shows one consistent set of lines
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "company", "tax_profile", "responsible")
        .filter(pk=getattr(deal, "pk", deal))
        .first()
    )
    if deal is None or not deal_visible_to(actor, deal):
        raise InvalidInput(_("Unknown deal."), field="deal")
    if deal.stage.is_closed:
        raise RuleViolation(
            _("The deal is closed (%(stage)s): it gets no new invoice.") % {"stage": deal.stage.name},
            field="deal",
            code="deal_closed",
        )
    source = list(DealLine.objects.filter(deal=deal).select_related("unit").order_by("sort", "id"))
    if not source:
        raise InvalidInput(_("The deal has no lines to invoice."), field="deal")
    if payer_company is None and payer_contact is None:
        payer_company = deal.company
        if payer_company is None:
            link = (
                DealContact.objects.filter(deal=deal).select_related("contact").order_by("-is_primary", "id")
            )
            payer_contact = link.first().contact if link.exists() else None
    invoice = _new_invoice(
        actor=actor,
        seller=seller,
        deal=deal,
        payer_company=payer_company,
        payer_contact=payer_contact,
        date=date,
        due_date=due_date,
        currency=deal.currency,
        rate=rate,
        tax_profile=deal.tax_profile,
        tax_date=deal.tax_date,
        title=deal.title if title is None else title,
        comment=comment,
        supplier=supplier,
        carrier=carrier,
        responsible=deal.responsible or actor,
        batch=batch,
    )
    copied = InvoiceLine.objects.bulk_create([line_rules.copy_deal_line(invoice, x) for x in source])
    line_rules.recalculate(invoice, copied)
    _created_events(invoice, actor)
    return invoice


EDITABLE = {"date", "due_date", "title", "comment", "payer_company", "payer_contact", "rate"}


@transaction.atomic
def invoice_update(*, actor, invoice: Invoice, **fields) -> Invoice:
    """I3: date, due date, subject, comment, payer (I2 re-derives the payment form) and rate (I10)
    change only while the invoice is New; the numbering year cannot change (I1). R3 from/to."""
    unknown = set(fields) - EDITABLE
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Field '%(field)s' cannot be changed here.") % {"field": name}, field=name)
    locked = lock_invoice(actor, invoice)
    refuse_unless_new(locked)
    old = {name: getattr(locked, name) for name in (*EDITABLE, "payment_form")}
    if "date" in fields or "due_date" in fields:
        date, due = _dates(fields.get("date", locked.date), fields.get("due_date", locked.due_date))
        if date.year != locked.year:
            raise InvalidInput(
                _("The date must stay in %(year)d: the number %(number)s belongs to that year.")
                % {"year": locked.year, "number": locked.number},
                field="date",
            )
        locked.date, locked.due_date = date, due
    if "title" in fields:
        locked.title = _text(fields["title"], "title")
    if "comment" in fields:
        locked.comment = (fields["comment"] or "").strip()
    if "payer_company" in fields or "payer_contact" in fields:
        company, contact, form = _payer(
            fields.get("payer_company", locked.payer_company),
            fields.get("payer_contact", locked.payer_contact),
        )
        locked.payer_company, locked.payer_contact, locked.payment_form = company, contact, form
    if "rate" in fields:
        locked.currency, locked.rate = clean_currency_rate(locked.currency, fields["rate"])
    locked.save()
    for name, before in old.items():
        after = getattr(locked, name)
        before, after = getattr(before, "pk", before), getattr(after, "pk", after)
        if before != after:
            timeline.change(locked, name, before, after, actor=actor)
    return sync(invoice, locked)


@transaction.atomic
def invoice_delete(*, actor, invoice: Invoice, confirmed: bool = False) -> None:
    """I9: a New invoice (a draft) is deleted after confirmation; an issued one is cancelled instead.
    I1 stays gapless and unique: the number is given back (core.numbering.release_number) so the
    next invoice reuses it — which is only possible for the seller's latest number of the year. A
    draft with an older number is refused with the advice to cancel it (it keeps its number), as a
    deleted middle number would leave a gap, and reusing it out of order would mean two sequences."""
    locked = lock_invoice(actor, invoice)
    if locked.status != InvoiceStatus.NEW:
        raise RuleViolation(
            _("Invoice %(number)s has been issued: cancel it instead of deleting it.")
            % {"number": locked.number},
            field="status",
            code="invoice_not_draft",
        )
    if not confirmed:
        raise InvalidInput(_("Confirm that the draft invoice is to be deleted."), field="confirmed")
    if locked.allocations.exists():
        raise RuleViolation(
            _("Payments are recorded on invoice %(number)s: it cannot be deleted.")
            % {"number": locked.number},
            field="id",
            code="invoice_has_payments",
        )
    released = release_number(
        scope=f"seller:{locked.seller_id}", doc_type="invoice", year=locked.year, value=locked.seq
    )
    if not released:
        raise RuleViolation(
            _(
                "Invoice %(number)s is not the latest number of %(year)d: deleting it would leave a gap. "
                "Cancel it instead; it keeps its number."
            )
            % {"number": locked.number, "year": locked.year},
            field="id",
            code="invoice_number_gap",
        )
    data = {"field": "deleted", "from": False, "to": True, "invoice_id": locked.pk, "number": locked.number}
    if locked.deal_id:
        timeline.record(locked.deal, EventKind.LINK_REMOVED, actor=actor, data=data)
    timeline.record(locked, EventKind.UPDATED, actor=actor, data=data)
    locked.delete()


__all__ = [
    "invoice_create",
    "invoice_create_from_deal",
    "invoice_delete",
    "invoice_set_parties",
    "invoice_update",
    "refuse_unconfirmed_parties",
    "seller_settings",
]
