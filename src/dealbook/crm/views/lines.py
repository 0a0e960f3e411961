"""The deal card's Products tab: catalog lines with quantity and discount (P1–P6, D4)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_POST

from dealbook.catalog.queries import products as catalog_products
from dealbook.core.errors import DomainError
from dealbook.crm.models import StageKind
from dealbook.crm.queries import deals as dq
from dealbook.crm.services import lines as line_services
from dealbook.web.pages import page, post_value, render_form


def _lines_context(deal, *, product_q: str = "") -> dict:
    lines = list(dq.deal_lines(deal))
    net = sum((line.net for line in lines), start=deal.amount * 0)
    return {
        "deal": deal,
        "lines": lines,
        "net": net,
        "tax_warning": line_services.deal_tax_warning(deal) if lines else None,
        "products": _product_choices(product_q),
        "is_closed": deal.stage.kind != StageKind.OPEN,
    }


def _lines_response(request, deal, error=None, values=None):
    deal = dq.deal_for(request.user, deal.pk)
    context = {**_lines_context(deal), "values": values or {}}
    response = render_form(request, "crm/_lines.html", context, error)
    if error is None:
        response["HX-Trigger"] = "deal-changed"
    return response


@page
def product_options(request):
    """P1 catalog search for the line editor: the matching active products as <option>s."""
    text = " ".join(request.GET.get("product_q", "").split())[:100]
    return render(request, "crm/_product_options.html", {"products": _product_choices(text)})


def _product_choices(text: str = "") -> list:
    """Active catalog products matching a fragment of the name or article (catalog.queries); 50 at most."""
    return list(catalog_products(q=text or None).order_by("name", "id")[:50])


@require_POST
@page
def deal_line_add(request, pk: int):
    """P1–P6 a catalog product in its own unit, a quantity, a discount; D4 the amount follows."""
    deal = dq.deal_for(request.user, pk)
    discount = post_value(request, "discount_value", "") or "0"
    try:
        line_services.line_add(
            actor=request.user,
            deal=deal,
            product=dq.as_id(request.POST.get("product")),
            quantity=post_value(request, "quantity", ""),
            discount_kind=post_value(request, "discount_kind", ""),
            discount_value=discount,
        )
    except DomainError as exc:
        return _lines_response(request, deal, exc, request.POST)
    return _lines_response(request, deal)


@require_POST
@page
def deal_line_update(request, pk: int, line_id: int):
    deal = dq.deal_for(request.user, pk)
    line = dq.line_for(deal, line_id)
    fields = {}
    for name in ("quantity", "discount_value", "discount_kind"):
        if name in request.POST:
            fields[name] = post_value(request, name)
    if fields.get("discount_value") == "":
        fields["discount_value"] = "0"
    try:
        line_services.line_update(actor=request.user, line=line, deal=deal, **fields)
    except DomainError as exc:
        exc.field = f"line-{line_id}-{exc.field}"
        return _lines_response(request, deal, exc)
    return _lines_response(request, deal)


@require_POST
@page
def deal_line_remove(request, pk: int, line_id: int):
    deal = dq.deal_for(request.user, pk)
    line = dq.line_for(deal, line_id)
    try:
        line_services.line_remove(actor=request.user, line=line, deal=deal)
    except DomainError as exc:
        return _lines_response(request, deal, exc)
    return _lines_response(request, deal)
