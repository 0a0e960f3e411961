"""Deal lines (P1–P6) and the deal amount they make (D4), frozen on closed deals (D8).

Each service locks the deal row first, so two people editing lines of one deal take turns and the
deal's amount and tax are recomputed from the lines in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.catalog import pricing
from dealbook.catalog.lines import amounts_of, line_data
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.models import EventKind
from dealbook.core.tax import sum_lines
from dealbook.crm import totals
from dealbook.crm.models import Deal, DealLine
from dealbook.crm.services.deal_base import lock_deal, refuse_if_closed, sync

EDITABLE = ("quantity", "unit", "price", "discount_kind", "discount_value", "show_discount")


def _rate(deal: Deal, tax_kind: str) -> Decimal | None:
    """P3: the rate of the product's tax kind in the deal's tax profile on the deal's tax date."""
    return pricing.tax_rate(deal.tax_profile, tax_kind, deal.tax_date)


def _recalculate(deal: Deal) -> None:
    """D4: the deal's amount and tax are the sums of its lines' own rounded amounts."""
    lines = list(DealLine.objects.filter(deal=deal))
    result = sum_lines((amounts_of(x), x.tax_rate) for x in lines)
    deal.amount, deal.tax_amount = result.total, result.tax
    deal.save(update_fields=["amount", "tax_amount", "updated_at"])


def reprice_lines(deal: Deal) -> None:
    """P3: after the deal's tax profile or date changed, every line takes the rate now in force.

    Called by deal_update inside its transaction, with the deal row already locked.
    """
    lines = list(DealLine.objects.filter(deal=deal))
    for line in lines:
        line.tax_rate = _rate(deal, line.tax_kind)
        pricing.compute_amounts(line, currency=deal.currency)
    DealLine.objects.bulk_update(lines, ["tax_rate", "subtotal", "discount_amount", "net", "tax", "total"])
    _recalculate(deal)


@transaction.atomic
def line_add(
    *,
    actor,
    deal: Deal,
    product,
    quantity,
    unit=None,
    price=None,
    discount_kind: str = "",
    discount_value=0,
    show_discount: bool = True,
) -> DealLine:
    """P1 a catalog product, P2 its unit and a quantity above zero, P3 the rate in force, P4 exact
    amounts, P6 a discount; D4 the deal amount follows; D8 not on a closed deal."""
    locked = lock_deal(actor, deal)
    refuse_if_closed(locked, _("its lines"))
    product = pricing.line_product(product)
    unit = pricing.line_unit(product, unit)
    line = DealLine(
        deal=locked,
        product=product,
        name=product.name,
        quantity=pricing.line_quantity(quantity, unit),
        unit=unit,
        price=pricing.line_price(product, price, currency=locked.currency, record="deal"),
        show_discount=bool(show_discount),
        tax_kind=product.tax_kind,
        tax_rate=_rate(locked, product.tax_kind),
        price_includes_tax=product.price_includes_tax,
    )
    line.discount_kind, line.discount_value = pricing.clean_discount(
        discount_kind, discount_value, currency=locked.currency
    )
    pricing.compute_amounts(line, currency=locked.currency)
    last = DealLine.objects.filter(deal=locked).order_by("-sort").values_list("sort", flat=True).first()
    line.sort = (last or 0) + 10
    line.save()
    before = totals.share_of(locked)
    _recalculate(locked)
    totals.apply(before, totals.share_of(locked))
    timeline.record(locked, EventKind.LINE_ADDED, actor=actor, data=line_data(line))
    sync(deal, locked)
    return line


def _locked_line(actor, line, deal) -> tuple[Deal, DealLine]:
    deal_id = deal.pk if deal is not None else line.deal_id
    locked = lock_deal(actor, deal_id)
    fresh = DealLine.objects.select_related("product__unit", "unit").filter(pk=line.pk, deal=locked).first()
    if fresh is None:
        raise NotFound(_("Line not found."), field="line_id")
    refuse_if_closed(locked, _("its lines"))
    return locked, fresh


@transaction.atomic
def line_update(*, actor, line: DealLine, deal: Deal | None = None, **fields) -> DealLine:
    """P2 unit and quantity, price, P6 discount of a line; the rate in force is taken again (P3)
    and the deal amount follows (D4); D8 not on a closed deal; R3 from/to on the deal timeline."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput(_("Field '%(field)s' cannot be changed on a line.") % {"field": name}, field=name)
    locked, fresh = _locked_line(actor, line, deal)
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
    if "show_discount" in fields:
        fresh.show_discount = bool(fields["show_discount"])
    fresh.tax_rate = _rate(locked, fresh.tax_kind)
    pricing.compute_amounts(fresh, currency=locked.currency)
    fresh.save()
    before = totals.share_of(locked)
    _recalculate(locked)
    totals.apply(before, totals.share_of(locked))
    new = {name: getattr(fresh, name) for name in EDITABLE}
    new["unit"] = fresh.unit.name
    changes = {n: {"from": old[n], "to": new[n]} for n in EDITABLE if old[n] != new[n]}
    if changes:
        timeline.record(
            locked, EventKind.LINE_CHANGED, actor=actor, data={**line_data(fresh), "changes": changes}
        )
    if deal is not None:
        sync(deal, locked)
    return fresh


@transaction.atomic
def line_remove(*, actor, line: DealLine, deal: Deal | None = None) -> None:
    """Remove a line; the deal amount follows (D4); D8 not on a closed deal."""
    locked, fresh = _locked_line(actor, line, deal)
    data = line_data(fresh)
    fresh.delete()
    before = totals.share_of(locked)
    _recalculate(locked)
    totals.apply(before, totals.share_of(locked))
    timeline.record(locked, EventKind.LINE_REMOVED, actor=actor, data=data)
    if deal is not None:
        sync(deal, locked)


def deal_tax_warning(deal: Deal) -> str | None:
    """P5: a deal with lines whose tax comes out zero while its tax profile expects tax is flagged."""
    profile = deal.tax_profile
    if not profile.expects_tax or Decimal(deal.tax_amount or 0) != 0:
        return None
    if not DealLine.objects.filter(deal_id=deal.pk).exists():
        return None
    return _(
        "The %(tax)s on this deal comes out as zero, but %(profile)s expects it: check the products' tax rates."
    ) % {"tax": profile.tax_name, "profile": profile.name}
