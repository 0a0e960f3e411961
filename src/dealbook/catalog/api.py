"""products, units, tax-profiles: the catalog everyone picks lines from; accounting edits it (C4, P1, P3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema
from ninja.responses import Status

from dealbook.api.pagination import paginate
from dealbook.api.schemas import TimelinePage, timeline_page
from dealbook.catalog import queries, services
from dealbook.catalog.models import TaxKind

router = Router(tags=["products"])

PRODUCT_ORDERING = {"name": "name", "price": "price", "id": "id", "updated": "updated_at"}


class UnitOut(Schema):
    id: int
    code: str
    name: str
    allows_fraction: bool


class ProductOut(Schema):
    id: int
    name: str
    sku: str
    unit: UnitOut
    price: Decimal
    currency: str
    tax_kind: str
    price_includes_tax: bool
    is_service: bool
    is_active: bool
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None = None


class ProductIn(Schema):
    name: str
    unit: int | str  # unit id, code or name
    price: Decimal
    currency: str = "RUB"
    tax_kind: str = TaxKind.STANDARD
    price_includes_tax: bool = True
    sku: str = ""
    is_service: bool = False
    description: str = ""


class ProductPatch(Schema):
    name: str | None = None
    unit: int | str | None = None
    price: Decimal | None = None
    currency: str | None = None
    tax_kind: str | None = None
    price_includes_tax: bool | None = None
    sku: str | None = None
    is_service: bool | None = None
    description: str | None = None


class TaxRateOut(Schema):
    id: int
    kind: str
    rate: Decimal
    valid_from: dt.date
    valid_to: dt.date | None


class TaxProfileOut(Schema):
    id: int
    code: str
    name: str
    country: str
    tax_name: str
    expects_tax: bool
    prices_include_tax: bool
    is_default: bool
    rates: list[TaxRateOut]

    @staticmethod
    def resolve_rates(obj):
        return list(obj.rates.all())


class TaxProfileIn(Schema):
    code: str
    name: str
    country: str = ""
    tax_name: str = "VAT"
    expects_tax: bool = True
    prices_include_tax: bool = True
    is_default: bool = False


class TaxRateIn(Schema):
    kind: str
    rate: Decimal
    valid_from: dt.date
    valid_to: dt.date | None = None


class TaxRateEndIn(Schema):
    valid_to: dt.date


class RateAnswer(Schema):
    profile_id: int
    kind: str
    date: dt.date
    rate: Decimal | None
    exempt: bool


@router.get("products", response=ProductPage)
def product_list(
    request,
    q: str | None = None,
    active: bool | None = True,
    unit_id: int | None = None,
    ordering: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
):
    """The catalog: every role reads it (P1). `active` defaults to the products lines can use."""
    qs = queries.products(q=q, active=active, unit_id=unit_id)
    items, next_cursor = paginate(
        qs, ordering=ordering, allowed=PRODUCT_ORDERING, default="name", cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("products", response={201: ProductOut})
def product_create(request, payload: ProductIn):
    """C4: accounting and administrators only."""
    return Status(201, services.product_create(actor=request.auth, **payload.dict()))


@router.get("products/{int:product_id}", response=ProductOut)
def product_detail(request, product_id: int):
    return queries.product_get(product_id)


@router.patch("products/{int:product_id}", response=ProductOut)
def product_update(request, product_id: int, payload: ProductPatch):
    """C4: change the given fields; each change lands on the product's timeline (R3)."""
    product = queries.product_get(product_id)
    changes = payload.dict(exclude_unset=True)
    return services.product_update(actor=request.auth, product=product, **changes)


@router.post("products/{int:product_id}/archive", response=ProductOut)
def product_archive(request, product_id: int):
    product = queries.product_get(product_id)
    return services.product_archive(actor=request.auth, product=product)


@router.post("products/{int:product_id}/restore", response=ProductOut)
def product_restore(request, product_id: int):
    product = queries.product_get(product_id)
    return services.product_restore(actor=request.auth, product=product)


@router.get("products/{int:product_id}/timeline", response=TimelinePage)
def product_timeline(
    request, product_id: int, kinds: str | None = None, cursor: str | None = None, limit: int = 50
):
    product = queries.product_get(product_id)
    return timeline_page(product, kinds=kinds, cursor=cursor, limit=limit)


@router.get("units", response=list[UnitOut], tags=["catalog"])
def unit_list(request):
    """Units of measure: a handful of rows (шт, т, м3, рейс …)."""
    return list(queries.units())


@router.get("tax-profiles", response=list[TaxProfileOut], tags=["catalog"])
def tax_profile_list(request):
    """Tax profiles with their dated rates (P3); a short reference list."""
    return list(queries.tax_profiles())


@router.post("tax-profiles", response={201: TaxProfileOut}, tags=["catalog"])
def tax_profile_create(request, payload: TaxProfileIn):
    profile = services.tax_profile_create(actor=request.auth, **payload.dict())
    return Status(201, profile)


@router.post("tax-profiles/{int:profile_id}/rates", response={201: TaxRateOut}, tags=["catalog"])
def tax_rate_add(request, profile_id: int, payload: TaxRateIn):
    """P3: a rate with its validity dates; periods of one kind never overlap."""
    profile = queries.tax_profile_get(profile_id)
    return Status(201, services.tax_rate_add(actor=request.auth, profile=profile, **payload.dict()))


@router.post("tax-profiles/{int:profile_id}/rates/{int:rate_id}/end", response=TaxRateOut, tags=["catalog"])
def tax_rate_end(request, profile_id: int, rate_id: int, payload: TaxRateEndIn):
    rate = queries.tax_rate_get(profile_id, rate_id)
    return services.tax_rate_end(actor=request.auth, rate=rate, valid_to=payload.valid_to)


@router.get("tax-profiles/{int:profile_id}/rate", response=RateAnswer, tags=["catalog"])
def tax_rate_on(request, profile_id: int, kind: str, date: dt.date):
    """P3: which rate of `kind` applies on `date` (e.g. 18 % in 2018, 22 % in 2026)."""
    profile = queries.tax_profile_get(profile_id)
    rate = queries.tax_rate_on(profile, kind=kind, on=date)
    return {"profile_id": profile.pk, "kind": kind, "date": date, "rate": rate, "exempt": rate is None}
