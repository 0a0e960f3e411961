"""Invoice templates (I11): recurring sets of lines; invoices are created from them (then edited as
any New invoice), or created and sent in bulk unchanged. Scheduled issuing comes with the jobs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.billing.models import Invoice, InvoiceTemplate, InvoiceTemplateLine
from dealbook.billing.services import lines as line_rules
from dealbook.billing.services.common import clean_currency_rate, require_billing
from dealbook.billing.services.invoices import _payer, _seller, _text, invoice_create, invoice_set_parties
from dealbook.catalog.models import TaxProfile
from dealbook.core import timeline
from dealbook.core.errors import DomainError, InvalidInput, NotFound
from dealbook.core.models import EventKind
from dealbook.crm.models import Company

FIELDS = {
    "name",
    "seller",
    "payer_company",
    "payer_contact",
    "currency",
    "rate",
    "tax_profile",
    "due_days",
    "title",
    "comment",
    "supplier",
    "carrier",
    "is_active",
}


def _clean_lines(specs, currency: str) -> list[InvoiceTemplateLine]:
    """P1/P2/P6: catalog products, quantities in their unit, optional price and discount."""
    if not specs:
        raise InvalidInput(_("A template needs at least one line."), field="lines")
    rows = []
    for n, spec in enumerate(specs):
        unknown = set(spec) - {"product", "quantity", "price", "discount_kind", "discount_value"}
        if unknown:
            raise InvalidInput(
                _("lines[%(n)d]: unknown field %(f)s.") % {"n": n, "f": sorted(unknown)[0]}, field="lines"
            )
        product = line_rules._product(spec.get("product"))
        price = spec.get("price")
        kind, value = line_rules._discount(spec.get("discount_kind"), spec.get("discount_value"), currency)
        rows.append(
            InvoiceTemplateLine(
                product=product,
                sort=(n + 1) * 10,
                quantity=line_rules._quantity(spec.get("quantity"), product.unit),
                price=None if price in (None, "") else line_rules._money(price, currency, "price"),
                discount_kind=kind,
                discount_value=value,
            )
        )
    return rows


def _apply(template: InvoiceTemplate, fields: dict) -> None:
    unknown = set(fields) - FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Field '%(field)s' cannot be changed here.") % {"field": name}, field=name)
    if "name" in fields:
        template.name = _text(fields["name"], "name", 200)
        if not template.name:
            raise InvalidInput(_("name is required."), field="name")
    if "seller" in fields or not template.seller_id:
        template.seller = _seller(fields.get("seller"))
    if "payer_company" in fields or "payer_contact" in fields:
        company, contact, _form = _payer(
            fields.get("payer_company", template.payer_company),
            fields.get("payer_contact", template.payer_contact),
        )
        template.payer_company, template.payer_contact = company, contact
    if "currency" in fields or "rate" in fields:
        template.currency, template.rate = clean_currency_rate(
            fields.get("currency", template.currency), fields.get("rate", template.rate)
        )
    if "tax_profile" in fields:
        if not isinstance(fields["tax_profile"], TaxProfile):
            raise InvalidInput(_("Choose a tax profile."), field="tax_profile")
        template.tax_profile = fields["tax_profile"]
    if "due_days" in fields:
        days = fields["due_days"]
        if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365):
            raise InvalidInput(_("Days to pay: a whole number from 0 to 365."), field="due_days")
        template.due_days = days
    for name in ("title", "comment"):
        if name in fields:
            setattr(template, name, _text(fields[name], name, 255 if name == "title" else 5000))
    for name in ("supplier", "carrier"):
        if name in fields:
            if fields[name] is not None and not isinstance(fields[name], Company):
                raise InvalidInput(_("Choose a company."), field=name)
            setattr(template, name, fields[name])
    if "is_active" in fields:
        template.is_active = bool(fields["is_active"])


@transaction.atomic
def invoice_template_create(*, actor, name: str, lines, **fields) -> InvoiceTemplate:
    """I11: a named set of lines for a payer (I2), seller, currency and rate (I10)."""
    require_billing(actor)
    template = InvoiceTemplate(responsible=actor, created_by=actor)
    if "tax_profile" not in fields:
        fields["tax_profile"] = TaxProfile.objects.filter(is_default=True).order_by("pk").first()
    fields.setdefault("currency", None)
    fields.setdefault("rate", None)  # another currency needs its rate given (I10)
    _apply(template, {"name": name, **fields})
    rows = _clean_lines(lines, template.currency)
    template.save()
    for row in rows:
        row.template = template
    InvoiceTemplateLine.objects.bulk_create(rows)
    timeline.record(
        template, EventKind.CREATED, actor=actor, data={"name": template.name, "lines": len(rows)}
    )
    return template


def _lock_template(actor, template) -> InvoiceTemplate:
    require_billing(actor)
    qs = policy.filter_visible(InvoiceTemplate.objects.select_for_update(of=("self",)), actor, shared=None)
    found = qs.filter(pk=getattr(template, "pk", template)).first()
    if found is None:
        raise NotFound(_("Invoice template not found."), field="id")
    return found


@transaction.atomic
def invoice_template_update(*, actor, template: InvoiceTemplate, lines=None, **fields) -> InvoiceTemplate:
    """I11: templates are edited at any time (invoices already made keep their own lines); R3."""
    locked = _lock_template(actor, template)
    _apply(locked, fields)
    rows = _clean_lines(lines, locked.currency) if lines is not None else None
    locked.save()
    if rows is not None:
        InvoiceTemplateLine.objects.filter(template=locked).delete()
        for row in rows:
            row.template = locked
        InvoiceTemplateLine.objects.bulk_create(rows)
    changed = sorted(set(fields) | ({"lines"} if rows is not None else set()))
    timeline.record(locked, EventKind.UPDATED, actor=actor, data={"fields": changed})
    return locked


@transaction.atomic
def invoice_create_from_template(
    *, actor, template: InvoiceTemplate, date: dt.date | None = None, batch: str = ""
) -> Invoice:
    """I11: a New invoice with the template's payer and lines, priced on its date (P3); the
    template's supplier and carrier are its actual ones (I4)."""
    locked = _lock_template(actor, template)
    if not locked.is_active:
        raise InvalidInput(_("The template is not active."), field="template")
    date = date or timezone.localdate()
    specs = [
        {
            "product": x.product_id,
            "quantity": x.quantity,
            **({"price": x.price} if x.price is not None else {}),
            "discount_kind": x.discount_kind,
            "discount_value": x.discount_value,
        }
        for x in locked.lines.order_by("sort", "id")
    ]
    invoice = invoice_create(
        actor=actor,
        seller=locked.seller,
        payer_company=locked.payer_company,
        payer_contact=locked.payer_contact,
        date=date,
        due_date=date + dt.timedelta(days=locked.due_days) if locked.due_days is not None else None,
        currency=locked.currency,
        rate=locked.rate,
        tax_profile=locked.tax_profile,
        title=locked.title or locked.name,
        comment=locked.comment,
        lines=specs,
        supplier=locked.supplier,
        carrier=locked.carrier,
        batch=batch,
    )
    if locked.supplier_id and locked.carrier_id:
        invoice_set_parties(actor=actor, invoice=invoice, confirmed=True)
    timeline.record(
        locked, EventKind.LINK_ADDED, actor=actor, data={"invoice_id": invoice.pk, "number": invoice.number}
    )
    return invoice


@dataclass
class BulkResult:
    template_id: int
    invoice: Invoice | None
    error: str | None


def invoice_templates_send(*, actor, templates, date: dt.date | None = None) -> list[BulkResult]:
    """I11: invoices from several templates, sent unchanged. Each template is its own transaction:
    one that cannot be sent (e.g. approval needed, I5; parties missing, I4) leaves nothing behind and
    is reported; the others go on."""
    from dealbook.billing.services.lifecycle import invoice_send

    require_billing(actor)
    # I9: the invoices of one bulk send form a batch, labelled by when and how they were made
    batch = timezone.localtime().strftime("%Y-%m-%d %H:%M") + " " + _("templates")
    results = []
    for template in templates:
        pk = getattr(template, "pk", template)
        try:
            with transaction.atomic():
                invoice = invoice_create_from_template(actor=actor, template=pk, date=date, batch=batch)
                invoice_send(actor=actor, invoice=invoice)
            results.append(BulkResult(template_id=pk, invoice=invoice, error=None))
        except DomainError as exc:
            results.append(BulkResult(template_id=pk, invoice=None, error=exc.message))
    return results
