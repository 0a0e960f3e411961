"""The catalog (P1): every role reads the list; accounting creates and edits products (C4)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.api.pagination import paginate
from dealbook.catalog.queries import products
from dealbook.core.errors import DomainError
from dealbook.web.pages import page, render_form


@page
def products_list(request):
    q = request.GET.get("q", "").strip()
    qs = products(q=q or None, active=None)
    try:
        rows, next_cursor = paginate(
            qs,
            ordering="name",
            allowed={"name": "name"},
            default="name",
            cursor=request.GET.get("cursor"),
            limit=50,
        )
    except DomainError as exc:
        return render(request, "web/error.html", {"title": "", "message": exc.message}, status=400)
    base = request.GET.copy()
    base.pop("cursor", None)
    return render(
        request,
        "catalog/products_list.html",
        {
            "section": "products",
            "rows": rows,
            "next": next_cursor,
            "q": q,
            "query": base.urlencode(),
            "can_edit": policy.can(request.user, "product.edit"),
        },
    )


PRODUCT_FIELDS = ("name", "sku", "unit", "price", "currency", "tax_kind", "price_includes_tax", "is_service")


def _product_form(request, product=None, values=None, error=None):
    from dealbook.catalog.models import TaxKind
    from dealbook.catalog.queries import units

    if values is None:
        values = {
            "name": getattr(product, "name", ""),
            "sku": getattr(product, "sku", ""),
            "unit": str(getattr(product, "unit_id", "") or ""),
            "price": str(getattr(product, "price", "") or ""),
            "currency": getattr(product, "currency", "RUB"),
            "tax_kind": getattr(product, "tax_kind", TaxKind.STANDARD),
            "price_includes_tax": "on" if getattr(product, "price_includes_tax", True) else "",
            "is_service": "on" if getattr(product, "is_service", False) else "",
        }
    context = {
        "section": "products",
        "product": product,
        "values": values,
        "errors": {(error.field or "general"): error.message} if error else {},
        "units": list(units()),
        "tax_kinds": TaxKind.choices,
    }
    return render_form(request, "catalog/product_form.html", context, error)


def _product_values(post) -> dict:
    return {
        "name": post.get("name", ""),
        "sku": post.get("sku", ""),
        "unit": post.get("unit", ""),
        "price": post.get("price", ""),
        "currency": post.get("currency", "RUB"),
        "tax_kind": post.get("tax_kind", ""),
        "price_includes_tax": post.get("price_includes_tax") == "on",
        "is_service": post.get("is_service") == "on",
    }


@page
def product_edit(request, pk: int | None = None):
    """P1/C4: accounting creates and edits catalog products; every other role reads the list only."""
    from dealbook.catalog import services
    from dealbook.catalog.queries import product_get

    policy.require(request.user, "product.edit", _("Only accounting edits the catalog."))
    product = product_get(pk) if pk else None
    if request.method != "POST":
        return _product_form(request, product)
    values = _product_values(request.POST)
    try:
        if product is None:
            services.product_create(actor=request.user, **values)
        else:
            services.product_update(actor=request.user, product=product, **values)
    except DomainError as exc:
        return _product_form(request, product, request.POST, exc)
    return redirect("products")
