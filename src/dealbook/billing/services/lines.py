"""Invoice lines (P1–P6 through core.tax) and the totals they make; edited only while New (I3)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.billing.models import Invoice, InvoiceLine
from dealbook.billing.services.common import lock_invoice, record, refuse_unless_new
from dealbook.catalog.models import Product, Unit
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.models import EventKind
from dealbook.core.money import ZERO, minor_unit, to_decimal
from dealbook.core.tax import DISCOUNT_AMOUNT, DISCOUNT_PERCENT, LineAmounts, line_amounts, sum_lines

MAX_QUANTITY = Decimal(10) ** 15
MAX_PRICE = Decimal(10) ** 16
EDITABLE = ("quantity", "unit", "price", "discount_kind", "discount_value")


def _product(value) -> Product:
    """P1: lines come from the catalog."""
    pk = getattr(value, "pk", value)
    found = None
    if isinstance(pk, int) and not isinstance(pk, bool):
        found = Product.objects.select_related("unit").filter(pk=pk, is_active=True).first()
    if found is None:
        raise InvalidInput(_("Choose a product from the catalog."), field="product")
    return found


def _unit(product: Product, unit) -> Unit:
    """P2: the line's unit is the product's unit."""
    if unit in (None, ""):
        return product.unit
    ok = (
        unit.pk == product.unit_id
        if isinstance(unit, Unit)
        else str(unit).strip() in (product.unit.code, product.unit.name, str(product.unit_id))
    )
    if not ok:
        raise InvalidInput(
            _("The unit of “%(product)s” is %(unit)s.")
            % {"product": product.name, "unit": product.unit.name},
            field="unit",
        )
    return product.unit


def _quantity(value, unit: Unit) -> Decimal:
    qty = to_decimal(value, field="quantity")
    if qty <= 0:
        raise InvalidInput(_("Quantity must be greater than zero."), field="quantity")
    if qty >= MAX_QUANTITY or qty != qty.quantize(Decimal("0.001")):
        raise InvalidInput(_("Quantity: at most three decimals and within range."), field="quantity")
    if not unit.allows_fraction and qty != qty.to_integral_value():
        raise InvalidInput(
            _("Quantity in %(unit)s must be a whole number.") % {"unit": unit.name}, field="quantity"
        )
    return qty.quantize(Decimal("0.001"))


def _money(value, currency: str, field: str) -> Decimal:
    amount = to_decimal(value, field=field)
    if amount < 0 or amount >= MAX_PRICE:
        raise InvalidInput(
            _("%(field)s must be zero or more and within range.") % {"field": field}, field=field
        )
    if amount != amount.quantize(Decimal(1).scaleb(-minor_unit(currency))):
        raise InvalidInput(
            _("%(field)s has more decimals than the currency allows.") % {"field": field}, field=field
        )
    return amount.quantize(Decimal("0.01"))


def _discount(kind, value, currency: str) -> tuple[str, Decimal]:
    kind = kind or ""
    if kind not in ("", DISCOUNT_PERCENT, DISCOUNT_AMOUNT):
        raise InvalidInput(_("A discount is a percent or an amount."), field="discount_kind")
    value = _money(value or 0, currency, "discount_value")
    return kind, (value if kind else ZERO)


def _rate(invoice: Invoice, kind: str) -> Decimal | None:
    """P3: the rate of the product's tax kind in force on the invoice's tax date."""
    try:
        return invoice.tax_profile.rate_for(kind, invoice.tax_date)
    except LookupError:
        raise InvalidInput(
            _("%(profile)s has no %(kind)s rate on %(date)s.")
            % {"profile": invoice.tax_profile.name, "kind": kind, "date": invoice.tax_date.isoformat()},
            field="tax_date",
        ) from None


def _compute(line: InvoiceLine, currency: str) -> None:
    a = line_amounts(
        price=line.price,
        quantity=line.quantity,
        currency=currency,
        tax_rate=line.tax_rate,
        price_includes_tax=line.price_includes_tax,
        discount_kind=line.discount_kind,
        discount_value=line.discount_value,
    )
    line.subtotal, line.discount_amount, line.net, line.tax, line.total = (
        a.subtotal,
        a.discount,
        a.net,
        a.tax,
        a.total,
    )


def amounts_of(line) -> LineAmounts:
    return LineAmounts(
        subtotal=line.subtotal, discount=line.discount_amount, net=line.net, tax=line.tax, total=line.total
    )


def build_line(
    invoice: Invoice, *, product, quantity, unit=None, price=None, discount_kind="", discount_value=0
):
    """An unsaved line of a catalog product with its amounts (P1–P6)."""
    product = _product(product)
    unit = _unit(product, unit)
    if price in (None, ""):
        if product.currency != invoice.currency:
            raise InvalidInput(
                _("The product is priced in %(p)s and the invoice is in %(i)s: give a price.")
                % {"p": product.currency, "i": invoice.currency},
                field="price",
            )
        price = product.price
    line = InvoiceLine(
        invoice=invoice,
        product=product,
        name=product.name,
        quantity=_quantity(quantity, unit),
        unit=unit,
        price=_money(price, invoice.currency, "price"),
        tax_kind=product.tax_kind,
        tax_rate=_rate(invoice, product.tax_kind),
        price_includes_tax=product.price_includes_tax,
    )
    line.discount_kind, line.discount_value = _discount(discount_kind, discount_value, invoice.currency)
    _compute(line, invoice.currency)
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


def recalculate(invoice: Invoice) -> None:
    """P4: the invoice totals are the sums of its lines' own rounded amounts."""
    lines = list(InvoiceLine.objects.filter(invoice=invoice))
    t = sum_lines((amounts_of(x), x.tax_rate) for x in lines)
    invoice.subtotal, invoice.discount, invoice.net, invoice.tax, invoice.total = (
        t.subtotal,
        t.discount,
        t.net,
        t.tax,
        t.total,
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
        fresh.unit = _unit(fresh.product, fields["unit"])
    if "quantity" in fields:
        fresh.quantity = _quantity(fields["quantity"], fresh.unit)
    if "price" in fields:
        fresh.price = _money(fields["price"], locked.currency, "price")
    if "discount_kind" in fields or "discount_value" in fields:
        fresh.discount_kind, fresh.discount_value = _discount(
            fields.get("discount_kind", fresh.discount_kind),
            fields.get("discount_value", fresh.discount_value),
            locked.currency,
        )
    _compute(fresh, locked.currency)
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
