"""Proposal lines (P1–P6) priced by catalog.pricing and core.tax exactly as invoice lines are, and
the totals they make (P4); edited only while the proposal is a Draft (Q1)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.billing.services.lines import LineCatalog
from dealbook.catalog import pricing
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.models import EventKind
from dealbook.core.tax import LineAmounts, sum_lines
from dealbook.sales.models import Proposal, ProposalLine
from dealbook.sales.services.common import lock_proposal, record, refuse_unless_draft

CENT = Decimal("0.01")  # the amount columns' scale
EDITABLE = ("quantity", "unit", "price", "discount_kind", "discount_value")
COPIED = (
    "product_id name sort quantity unit_id price discount_kind discount_value tax_kind tax_rate "
    "price_includes_tax subtotal discount_amount net tax total"
).split()


def amounts_of(line) -> LineAmounts:
    return LineAmounts(
        subtotal=line.subtotal, discount=line.discount_amount, net=line.net, tax=line.tax, total=line.total
    )


def _price(product, price, currency: str) -> Decimal:
    if (price is None or price == "") and product.currency != currency:
        raise InvalidInput(
            _("The product is priced in %(p)s and the proposal is in %(c)s: give a price.")
            % {"p": product.currency, "c": currency},
            field="price",
        )
    return pricing.line_price(product, price, currency=currency, record="invoice")


def build_line(
    proposal: Proposal,
    *,
    product,
    quantity,
    unit=None,
    price=None,
    discount_kind="",
    discount_value=0,
    catalog: LineCatalog | None = None,
) -> ProposalLine:
    """An unsaved line of a catalog product with its amounts (P1–P6), as billing builds invoice
    lines; `catalog`: the products and rates of a batch of lines, read once."""
    product = catalog.product(product) if catalog else pricing.line_product(product)
    unit = pricing.line_unit(product, unit)
    line = ProposalLine(
        proposal=proposal,
        product=product,
        name=product.name,
        quantity=pricing.line_quantity(quantity, unit),
        unit=unit,
        price=_price(product, price, proposal.currency),
        tax_kind=product.tax_kind,
        tax_rate=catalog.rate(product.tax_kind)
        if catalog
        else pricing.tax_rate(proposal.tax_profile, product.tax_kind, proposal.tax_date),
        price_includes_tax=product.price_includes_tax,
    )
    line.discount_kind, line.discount_value = pricing.clean_discount(
        discount_kind, discount_value, currency=proposal.currency
    )
    pricing.compute_amounts(line, currency=proposal.currency)
    return line


def copy_line(proposal: Proposal, source) -> ProposalLine:
    """A deal's line as it was priced (rate and amounts included): the proposal shows what was agreed."""
    return ProposalLine(proposal=proposal, **{name: getattr(source, name) for name in COPIED})


def recalculate(proposal: Proposal, lines: list[ProposalLine] | None = None) -> None:
    """P4: the proposal's totals are the sums of its lines' own rounded amounts (`lines`: all of
    them, just written, else read)."""
    if lines is None:
        lines = list(ProposalLine.objects.filter(proposal=proposal))
    t = sum_lines((amounts_of(x), x.tax_rate) for x in lines)
    proposal.subtotal, proposal.discount, proposal.net, proposal.tax, proposal.total = (
        x.quantize(CENT)
        for x in (t.subtotal, t.discount, t.net, t.tax, t.total)  # as stored
    )
    proposal.save(update_fields=["subtotal", "discount", "net", "tax", "total", "updated_at"])


def _line_data(line: ProposalLine) -> dict:
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
def proposal_line_add(
    *, actor, proposal: Proposal, product, quantity, unit=None, price=None, discount_kind="", discount_value=0
) -> ProposalLine:
    """Q1 only in Draft; P1–P6; the totals follow (P4)."""
    locked = lock_proposal(actor, proposal)
    refuse_unless_draft(locked)
    line = build_line(
        locked,
        product=product,
        quantity=quantity,
        unit=unit,
        price=price,
        discount_kind=discount_kind,
        discount_value=discount_value,
    )
    last = ProposalLine.objects.filter(proposal=locked).order_by("-sort").values_list("sort", flat=True)
    line.sort = (last.first() or 0) + 10
    line.save()
    recalculate(locked)
    record(
        locked, EventKind.LINE_ADDED, actor=actor, data={**_line_data(line), "proposal_total": locked.total}
    )
    return line


def _locked_line(actor, proposal, line) -> tuple[Proposal, ProposalLine]:
    locked = lock_proposal(actor, proposal)
    pk = getattr(line, "pk", line)
    fresh = (
        ProposalLine.objects.select_related("product__unit", "unit").filter(pk=pk, proposal=locked).first()
        if isinstance(pk, int)
        else None
    )
    if fresh is None:
        raise NotFound(_("Line not found."), field="line_id")
    refuse_unless_draft(locked)
    return locked, fresh


@transaction.atomic
def proposal_line_update(*, actor, proposal: Proposal, line, **fields) -> ProposalLine:
    """Q1 only in Draft: quantity, unit, price and discount of a line; totals follow; R3 from/to."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Field '%(field)s' cannot be changed on a line.") % {"field": name}, field=name)
    locked, fresh = _locked_line(actor, proposal, line)
    old = {name: getattr(fresh, name) for name in EDITABLE} | {"unit": fresh.unit.name}
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
    new = {name: getattr(fresh, name) for name in EDITABLE} | {"unit": fresh.unit.name}
    changes = {n: {"from": old[n], "to": new[n]} for n in EDITABLE if old[n] != new[n]}
    if changes:
        record(locked, EventKind.LINE_CHANGED, actor=actor, data={**_line_data(fresh), "changes": changes})
    return fresh


@transaction.atomic
def proposal_line_remove(*, actor, proposal: Proposal, line) -> None:
    """Q1 only in Draft; the totals follow."""
    locked, fresh = _locked_line(actor, proposal, line)
    data = _line_data(fresh)
    fresh.delete()
    recalculate(locked)
    record(locked, EventKind.LINE_REMOVED, actor=actor, data={**data, "proposal_total": locked.total})
