"""API schemas of a priced document's lines (P1–P6), shared by proposals (sales) and invoices (billing).

One definition, so both APIs and the OpenAPI components LineIn, LinePatch and LineOut agree.
"""

from __future__ import annotations

from decimal import Decimal

from ninja import Schema


class LineIn(Schema):
    product: int
    quantity: Decimal
    unit: int | str | None = None
    price: Decimal | None = None
    discount_kind: str = ""
    discount_value: Decimal = Decimal("0")


class LinePatch(Schema):
    quantity: Decimal | None = None
    unit: int | str | None = None
    price: Decimal | None = None
    discount_kind: str | None = None
    discount_value: Decimal | None = None


class LineOut(Schema):
    id: int
    product_id: int
    name: str
    sort: int
    quantity: Decimal
    unit_id: int
    unit_name: str
    price: Decimal
    discount_kind: str
    discount_value: Decimal
    tax_kind: str
    tax_rate: Decimal | None
    price_includes_tax: bool
    subtotal: Decimal
    discount_amount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name
