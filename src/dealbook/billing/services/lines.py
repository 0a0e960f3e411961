"""Invoice lines (P1–P6 through core.tax) and the totals they make; edited only while New (I3)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.billing.models import Invoice, InvoiceLine
from dealbook.billing.services.common import lock_invoice, record, refuse_unless_new
from dealbook.catalog import pricing
from dealbook.catalog.models import Product
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.models import EventKind
from dealbook.core.tax import LineAmounts, sum_lines

CENT = Decimal("0.01")  # the amount columns' scale
EDITABLE = ("quantity", "unit", "price", "discount_kind", "discount_value")

# The rules live in catalog.pricing; these names stay for billing's invoice templates, which clean
# their lines with the same rules.
_product = pricing.line_product
_quantity = pricing.line_quantity


def _money(value, currency: str, field: str) -> Decimal:
    return pricing.clean_money(value, currency=currency, field=field)


def _discount(kind, value, currency: str) -> tuple[str, Decimal]:
    return pricing.clean_discount(kind, value, currency=currency)


def _rate(invoice: Invoice, kind: str) -> Decimal | None:
    """P3: the rate of the product's tax kind in force on the invoice's tax date."""
    return pricing.tax_rate(invoice.tax_profile, kind, invoice.tax_date)


def amounts_of(line) -> LineAmounts:
    return LineAmounts(
        subtotal=line.subtotal, discount=line.discount_amount, net=line.net, tax=line.tax, total=line.total
    )


def _product_key(value) -> int | None:
    if isinstance(value, Product):
        value = value.pk
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class LineCatalog:
    """What a batch of new lines needs from the catalog, read once: the active products (P1) in one
    query and each tax kind's rate (P3) on the record's tax date. Anything not found here goes
    through catalog.pricing's own checks, with their messages."""

    def __init__(self, specs, profile, on) -> None:
        keys = {_product_key(spec.get("product")) for spec in specs} - {None}
        found = Product.objects.select_related("unit").filter(pk__in=keys, is_active=True) if keys else ()
        self.products = {p.pk: p for p in found}
        self.profile, self.on, self.rates = profile, on, {}

    def product(self, value) -> Product:
        return self.products.get(_product_key(value)) or pricing.line_product(value)

    def rate(self, kind: str) -> Decimal | None:
        if kind not in self.rates:
            self.rates[kind] = pricing.tax_rate(self.profile, kind, self.on)
        return self.rates[kind]


def build_line(
    invoice: Invoice,
    *,
    product,
    quantity,
    unit=None,
    price=None,
    discount_kind="",
    discount_value=0,
    catalog: LineCatalog | None = None,
):
    """An unsaved line of a catalog product with its amounts (P1–P6); `catalog`: the products and
    rates of a batch of lines, read once."""
    product = catalog.product(product) if catalog else pricing.line_product(product)
    unit = pricing.line_unit(product, unit)
    line = InvoiceLine(
        invoice=invoice,
        product=product,
        name=product.name,
        quantity=pricing.line_quantity(quantity, unit),
        unit=unit,
        price=pricing.line_price(product, price, currency=invoice.currency, record="invoice"),
        tax_kind=product.tax_kind,
        tax_rate=catalog.rate(product.tax_kind) if catalog else _rate(invoice, product.tax_kind),
        price_includes_tax=product.price_includes_tax,
    )
    line.discount_kind, line.discount_value = pricing.clean_discount(
        discount_kind, discount_value, currency=invoice.currency
    )
    pricing.compute_amounts(line, currency=invoice.currency)
    return line


def copy_deal_line(invoice: Invoice, source) -> InvoiceLine:
    """The deal's line as it was priced (rate and amounts included): the invoice shows what was agreed."""
    return InvoiceLine(
        invoice=invoice,
        product_id=source.product_id,
        name=source.name,
        sort=source.sort,
        quantity=source.quantity,
        unit_id=source.unit_id,
        price=source.price,
        discount_kind=source.discount_kind,
        discount_value=source.discount_value,
        tax_kind=source.tax_kind,
        tax_rate=source.tax_rate,
        price_includes_tax=source.price_includes_tax,
        subtotal=source.subtotal,
        discount_amount=source.discount_amount,
        net=source.net,
        tax=source.tax,
        total=source.total,
    )


def recalculate(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> None:
    """P4: the invoice totals are the sums of its lines' own rounded amounts (`lines`: all of
    them, just written, else read)."""
    if lines is None:
        lines = list(InvoiceLine.objects.filter(invoice=invoice))
    t = sum_lines((amounts_of(x), x.tax_rate) for x in lines)
    invoice.subtotal, invoice.discount, invoice.net, invoice.tax, invoice.total = (
        x.quantize(CENT)
        for x in (t.subtotal, t.discount, t.net, t.tax, t.total)  # as stored
    )
    invoice.save(update_fields=["subtotal", "discount", "net", "tax", "total", "updated_at"])


def _line_data(line: InvoiceLine) -> dict:
    return {
        "line_id": line.pk,
        "product_id": line.product_id,
        "name": line.name,
        "quantity": line.quantity,
        "unit": line.unit.name,
        "price": line.price,
        "discount_kind": line.discount_kind,
        "discount_value": line.discount_value,
        "tax_rate": line.tax_rate,
        "total": line.total,
    }


@transaction.atomic
def invoice_line_add(
    *, actor, invoice: Invoice, product, quantity, unit=None, price=None, discount_kind="", discount_value=0
) -> InvoiceLine:
    """I3 only while New; P1–P6; the totals follow (P4)."""
    locked = lock_invoice(actor, invoice)
    refuse_unless_new(locked)
    line = build_line(
        locked,
        product=product,
        quantity=quantity,
        unit=unit,
        price=price,
        discount_kind=discount_kind,
        discount_value=discount_value,
    )
    last = InvoiceLine.objects.filter(invoice=locked).order_by("-sort").values_list("sort", flat=True).first()
    line.sort = (last or 0) + 10
    line.save()
    recalculate(locked)
    record(
        locked, EventKind.LINE_ADDED, actor=actor, data={**_line_data(line), "invoice_total": locked.total}
    )
    return line


def _locked_line(actor, invoice, line) -> tuple[Invoice, InvoiceLine]:
    locked = lock_invoice(actor, invoice)
    pk = getattr(line, "pk", line)
    fresh = (
        InvoiceLine.objects.select_related("product__unit", "unit").filter(pk=pk, invoice=locked).first()
        if isinstance(pk, int)
        else None
    )
    if fresh is None:
        raise NotFound(_("Line not found."), field="line_id")
    refuse_unless_new(locked)
    return locked, fresh


@transaction.atomic
def invoice_line_update(*, actor, invoice: Invoice, line, **fields) -> InvoiceLine:
    """I3 only while New; quantity, unit, price and discount of a line; totals follow; R3 from/to."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Field '%(field)s' cannot be changed on a line.") % {"field": name}, field=name)
    locked, fresh = _locked_line(actor, invoice, line)
    old = {name: getattr(fresh, name) for name in EDITABLE}
    old["unit"] = fresh.unit.name
    if "unit" in fields:
        fresh.unit = pricing.line_unit(fresh.product, fields["unit"])
    if "quantity" in fields:
        fresh.quantity = pricing.line_quantity(fields["quantity"], fresh.unit)
    if "price" in fields:
        fresh.price = pricing.clean_money(fields["price"], currency=locked.currency, field="price")
    if "discount_kind" in fields or "discount_value" in fields:
        fresh.discount_kind, fresh.discount_value = pricing.clean_discount(
            fields.get("discount_kind", fresh.discount_kind),
            fields.get("discount_value", fresh.discount_value),
            currency=locked.currency,
        )
    pricing.compute_amounts(fresh, currency=locked.currency)
    fresh.save()
    recalculate(locked)
    new = {name: getattr(fresh, name) for name in EDITABLE}
    new["unit"] = fresh.unit.name
    changes = {n: {"from": old[n], "to": new[n]} for n in EDITABLE if old[n] != new[n]}
    if changes:
        record(locked, EventKind.LINE_CHANGED, actor=actor, data={**_line_data(fresh), "changes": changes})
    return fresh


@transaction.atomic
def invoice_line_remove(*, actor, invoice: Invoice, line) -> None:
    """I3 only while New; the totals follow."""
    locked, fresh = _locked_line(actor, invoice, line)
    data = _line_data(fresh)
    fresh.delete()
    recalculate(locked)
    record(locked, EventKind.LINE_REMOVED, actor=actor, data={**data, "invoice_total": locked.total})
