"""Request and response schemas of the pipelines and deals API (crm.api.deals)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import BaseModel


class StageOut(Schema):
    id: int
    name: str
    code: str
    sort: int
    kind: str
    color: str


class PipelineOut(Schema):
    id: int
    name: str
    sort: int
    is_default: bool
    is_active: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj) -> list:
        return sorted(obj.stages.all(), key=lambda s: (s.sort, s.pk))


class StageIn(Schema):
    name: str
    code: str = ""
    kind: str = "open"
    color: str = ""


class PipelineIn(Schema):
    name: str
    stages: list[StageIn] | None = None
    sort: int = 0
    is_default: bool = False


class StageAddIn(StageIn):
    after_id: int | None = None  # the stage the new one follows; last when absent


class StagePatch(Schema):
    name: str | None = None
    color: str | None = None


class StageOrderIn(Schema):
    stage_ids: list[int]


class HeaderOut(Schema):
    stage_id: int
    stage_name: str
    stage_code: str
    stage_kind: str
    count: int
    amount: Decimal
    amounts: dict[str, Decimal]


class HeadersOut(Schema):
    pipeline_id: int
    currency: str
    items: list[HeaderOut]


class LostReasonOut(Schema):
    id: int
    name: str


class DealListItem(BaseModel):
    """A plain pydantic model: list rows are dicts, and ninja's attribute-resolving Schema wrapper
    costs more per row than the benchmarked query itself."""

    id: int
    title: str
    pipeline_id: int
    stage_id: int
    stage_name: str
    stage_code: str
    stage_kind: str
    responsible_id: int | None
    responsible_name: str | None
    company_id: int | None
    company_name: str | None
    amount: Decimal
    tax_amount: Decimal
    currency: str
    is_shared: bool
    source_id: int | None
    created_at: dt.datetime
    close_date: dt.date | None


class DealPage(BaseModel):
    items: list[DealListItem]
    next_cursor: str | None = None


class DealContactOut(Schema):
    contact_id: int
    name: str
    is_primary: bool
    role: str


class DealOut(DealListItem):
    deal_type: str
    location: str
    delivery_address: str
    comment: str
    tax_profile_id: int
    tax_date: dt.date
    begin_date: dt.date | None
    probability: int | None
    lost_reason_id: int | None
    lost_comment: str
    lead_id: int | None
    created_by_id: int | None
    updated_at: dt.datetime
    stage_changed_at: dt.datetime | None
    closed_at: dt.datetime | None
    is_closed: bool
    contacts: list[DealContactOut]
    tax_warning: str | None


class DealIn(Schema):
    title: str
    pipeline_id: int
    company_id: int | None = None
    contact_ids: list[int] = []
    primary_contact_id: int | None = None
    responsible_id: int | None = None
    source: int | str | None = None  # a source id or code
    deal_type: str = "goods"
    location: str = ""
    delivery_address: str = ""
    comment: str = ""
    tax_profile_id: int | None = None
    tax_date: dt.date | None = None
    begin_date: dt.date | None = None
    close_date: dt.date | None = None
    is_shared: bool = False
    currency: str | None = None


class DealPatch(Schema):
    title: str | None = None
    company_id: int | None = None
    source: int | str | None = None  # a source id or code
    deal_type: str | None = None
    location: str | None = None
    delivery_address: str | None = None
    comment: str | None = None
    tax_profile_id: int | None = None
    tax_date: dt.date | None = None
    begin_date: dt.date | None = None
    close_date: dt.date | None = None
    is_shared: bool | None = None
    probability: int | None = None
    currency: str | None = None
    amount: Decimal | None = None
    lost_comment: str | None = None


class MoveIn(Schema):
    # not `stage_id`/`lost_reason_id`: both take an id or a code (stage) / name (reason)
    stage: int | str
    lost_reason: int | str | None = None
    lost_comment: str = ""


class AssignIn(Schema):
    responsible_id: int


class ContactLinkIn(Schema):
    contact_id: int
    is_primary: bool = False
    role: str = ""


class ContactRefIn(Schema):
    contact_id: int


class DealLineIn(Schema):
    product_id: int
    quantity: Decimal
    unit: int | str | None = None  # a unit id, code or name; the product's unit when absent
    price: Decimal | None = None
    discount_kind: str = ""
    discount_value: Decimal = Decimal("0")
    show_discount: bool = True


class DealLinePatch(Schema):
    quantity: Decimal | None = None
    unit: int | str | None = None
    price: Decimal | None = None
    discount_kind: str | None = None
    discount_value: Decimal | None = None
    show_discount: bool | None = None


class DealLineOut(Schema):
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
    show_discount: bool
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


class LinesOut(Schema):
    items: list[DealLineOut]
    amount: Decimal
    tax_amount: Decimal
    currency: str
    tax_warning: str | None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    mime_type: str
    purpose: str
    created_at: dt.datetime
