"""Priced lines of a document (a proposal or an invoice): built, copied, changed and summed in one place.

The rules of a single line live in catalog.pricing: P1 a catalog product and its price, P2 its unit
and quantity, P3 the tax rate in force on the document's tax date, P4 exact amounts per line through
core.tax, P5 the tax kind and price-includes-tax taken from the product, P6 a percent or amount
discount. This module applies them to a document's line model (sales.ProposalLine,
billing.InvoiceLine), which share the same line fields, and sums the lines into the document's
totals (P4). Catalog sits below sales and billing in DESIGN.md's dependency order, so it never
imports them: callers pass their line model and their document. Nothing here locks rows, checks
permissions or writes the timeline; the callers' services do, inside their own transactions.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from dealbook.catalog import pricing
from dealbook.catalog.models import Product
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.sqlcache import ShapeCache
from dealbook.core.tax import LineAmounts, sum_lines

CENT = Decimal("0.01")  # the amount columns' scale
# What a user may change on a line of a document still being edited.
EDITABLE = ("quantity", "unit", "price", "discount_kind", "discount_value")
# What a document's line keeps of the deal line it is copied from: the line as it was priced.
COPIED = (
    "product_id name sort quantity unit_id price discount_kind discount_value tax_kind tax_rate "
    "price_includes_tax subtotal discount_amount net tax total"
).split()
TOTALS = ("subtotal", "discount", "net", "tax", "total")


def amounts_of(line) -> LineAmounts:
    """A stored line's rounded amounts, as core.tax sums and prints them (P4)."""
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
    model,
    document,
    *,
    owner: str,
    product,
    quantity,
    unit=None,
    price=None,
    discount_kind="",
    discount_value=0,
    catalog: LineCatalog | None = None,
):
    """An unsaved `model` line of `document` (its foreign key named `owner`) for a catalog product,
    with its amounts (P1–P6); `catalog`: the products and rates of a batch of lines, read once.
    The other-currency message names the document by `owner`."""
    product = catalog.product(product) if catalog else pricing.line_product(product)
    unit = pricing.line_unit(product, unit)
    currency = document.currency
    line = model(
        **{owner: document},
        product=product,
        name=product.name,
        quantity=pricing.line_quantity(quantity, unit),
        unit=unit,
        price=pricing.line_price(product, price, currency=currency, record=owner),
        tax_kind=product.tax_kind,
        tax_rate=catalog.rate(product.tax_kind)
        if catalog
        else pricing.tax_rate(document.tax_profile, product.tax_kind, document.tax_date),
        price_includes_tax=product.price_includes_tax,
    )
    line.discount_kind, line.discount_value = pricing.clean_discount(
        discount_kind, discount_value, currency=currency
    )
    pricing.compute_amounts(line, currency=currency)
    return line


def copy_line(model, document, source, *, owner: str):
    """A deal's line as it was priced (rate and amounts included): the document shows what was agreed."""
    return model(**{owner: document}, **{name: getattr(source, name) for name in COPIED})


def recalculate(document, lines) -> None:
    """P4: the document's totals are the sums of its lines' own rounded amounts, saved."""
    t = sum_lines((amounts_of(x), x.tax_rate) for x in lines)
    for name, value in zip(TOTALS, (t.subtotal, t.discount, t.net, t.tax, t.total), strict=True):
        setattr(document, name, value.quantize(CENT))  # as stored
    document.save(update_fields=[*TOTALS, "updated_at"])


def next_sort(lines) -> int:
    """Where a new line goes: after the last of `lines` (a queryset of the document's lines)."""
    last = lines.order_by("-sort").values_list("sort", flat=True).first()
    return (last or 0) + 10


def find_line(model, document, line, *, owner: str):
    """The document's own line (a line or its id) with its product and unit, read fresh."""
    pk = getattr(line, "pk", line)
    found = (
        model.objects.select_related("product__unit", "unit").filter(pk=pk, **{owner: document}).first()
        if isinstance(pk, int)
        else None
    )
    if found is None:
        raise NotFound(_("Line not found."), field="line_id")
    return found


def line_data(line) -> dict:
    """What the timeline records of a line (R3)."""
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


def refuse_unknown(fields) -> None:
    """Only EDITABLE fields change on a line."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Field '%(field)s' cannot be changed on a line.") % {"field": name}, field=name)


def _editable(line) -> dict:
    return {name: getattr(line, name) for name in EDITABLE} | {"unit": line.unit.name}


def change_line(line, fields: dict, *, currency: str) -> dict:
    """P2 unit and quantity, P4 price, P6 discount of a line, its amounts computed again; unsaved.

    Returns the R3 changes, {field: {"from": old, "to": new}}, of what really changed.
    """
    old = _editable(line)
    if "unit" in fields:
        line.unit = pricing.line_unit(line.product, fields["unit"])
    if "quantity" in fields:
        line.quantity = pricing.line_quantity(fields["quantity"], line.unit)
    if "price" in fields:
        line.price = pricing.clean_money(fields["price"], currency=currency, field="price")
    if "discount_kind" in fields or "discount_value" in fields:
        line.discount_kind, line.discount_value = pricing.clean_discount(
            fields.get("discount_kind", line.discount_kind),
            fields.get("discount_value", line.discount_value),
            currency=currency,
        )
    pricing.compute_amounts(line, currency=currency)
    new = _editable(line)
    return {n: {"from": old[n], "to": new[n]} for n in EDITABLE if old[n] != new[n]}


# --- reading a document's lines (compiled once per line model and shape, core.sqlcache) ---------

PLANS = ShapeCache()


def has_lines(model, owner: str, document) -> bool:
    """Whether the document has a line: one indexed probe on the line table."""
    probe = PLANS.one(
        (model, "probe"),
        lambda a: model.objects.filter(**{f"{owner}_id": a["pk"]}).only("pk")[:1],
        {"pk": document.pk},
    )
    return probe is not None


def ordered_lines(model, owner: str, document, related=("unit",)) -> list:
    """The document's lines in their order, with the related rows joined."""
    related = tuple(related)
    return PLANS.objects(
        (model, "lines", related),
        lambda a: (
            model.objects.filter(**{f"{owner}_id": a["pk"]}).select_related(*related).order_by("sort", "id")
        ),
        {"pk": document.pk},
    )
