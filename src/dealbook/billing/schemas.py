"""API schemas of invoices, payments and closing documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema

from dealbook.catalog.schemas import LineIn, LineOut, LinePatch  # noqa: F401  (shared with proposals)


class InvoiceIn(Schema):
    """With `deal`: created from the deal (its lines, currency, payer); without: a blank invoice."""

    deal: int | None = None
    seller: int | None = None
    payer_company: int | None = None
    payer_contact: int | None = None
    date: dt.date | None = None
    due_date: dt.date | None = None
    currency: str | None = None
    rate: Decimal | None = None
    tax_date: dt.date | None = None
    title: str | None = None
    comment: str = ""
    lines: list[LineIn] = []
    supplier: int | None = None
    carrier: int | None = None


class InvoicePatch(Schema):
    date: dt.date | None = None
    due_date: dt.date | None = None
    title: str | None = None
    comment: str | None = None
    payer_company: int | None = None
    payer_contact: int | None = None
    rate: Decimal | None = None


class PartiesIn(Schema):
    supplier: int | None = None
    carrier: int | None = None
    confirmed: bool | None = None


class PayIn(Schema):
    amount: Decimal | None = None
    date: dt.date | None = None
    method: str | None = None
    reference: str = ""


class EmailIn(Schema):
    to: list[str] | None = None
    subject: str | None = None
    body: str | None = None
    lang: str | None = None


class ReasonIn(Schema):
    reason: str = ""


class InvoiceRow(Schema):
    id: int
    number: str
    date: dt.date
    due_date: dt.date | None
    title: str
    status: str
    status_name: str
    is_overdue: bool
    seller_id: int
    seller_name: str
    payer_company_id: int | None
    payer_contact_id: int | None
    customer_name: str
    payment_form: str
    deal_id: int | None
    currency: str
    rate: Decimal
    total: Decimal
    tax: Decimal
    paid_amount: Decimal
    responsible_id: int | None
    has_closing_document: bool  # X3
    closing_received: bool


class InvoiceOut(InvoiceRow):
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    balance: Decimal
    comment: str
    tax_profile_id: int
    tax_date: dt.date
    supplier_id: int | None
    supplier_name: str | None
    carrier_id: int | None
    carrier_name: str | None
    parties_confirmed: bool
    upd_requested_at: dt.datetime | None
    approval_required: bool
    approved_by_id: int | None
    approved_at: dt.datetime | None
    public_token: str
    created_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    sent_at: dt.datetime | None
    paid_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    exported_at: dt.datetime | None
    lines: list[LineOut]


class InvoicePage(Schema):
    items: list[InvoiceRow]
    next_cursor: str | None = None


class DealInvoicesOut(Schema):
    items: list[InvoiceRow]
    paid_total: Decimal


class AllocationIn(Schema):
    invoice: int
    amount: Decimal


class PaymentIn(Schema):
    amount: Decimal
    date: dt.date | None = None
    method: str = "bank_transfer"
    reference: str = ""
    comment: str = ""
    allocations: list[AllocationIn]


class AllocationOut(Schema):
    invoice_id: int
    invoice_number: str
    amount: Decimal

    @staticmethod
    def resolve_invoice_number(obj) -> str:
        return obj.invoice.number


class PaymentOut(Schema):
    id: int
    amount: Decimal
    currency: str
    date: dt.date
    method: str
    reference: str
    comment: str
    created_by_id: int | None
    created_at: dt.datetime
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj) -> list:
        return list(obj.allocations.all())


class PaymentPage(Schema):
    items: list[PaymentOut]
    next_cursor: str | None = None


class ClosingIn(Schema):
    kind: str
    date: dt.date | None = None
    upd_status: int = 1


class ClosingLineOut(Schema):
    name: str
    quantity: Decimal
    unit_name: str
    price: Decimal
    tax_rate: Decimal | None
    net: Decimal
    tax: Decimal
    total: Decimal


class ClosingOut(Schema):
    id: int
    invoice_id: int
    kind: str
    number: str
    date: dt.date
    status: str
    upd_status: int
    net: Decimal
    tax: Decimal
    total: Decimal
    created_at: dt.datetime
    received_at: dt.datetime | None
    lines: list[ClosingLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class TemplateLineIn(Schema):
    product: int
    quantity: Decimal
    price: Decimal | None = None
    discount_kind: str = ""
    discount_value: Decimal = Decimal("0")


class TemplateIn(Schema):
    name: str
    seller: int | None = None
    payer_company: int | None = None
    payer_contact: int | None = None
    currency: str | None = None
    rate: Decimal | None = None
    due_days: int | None = None
    title: str = ""
    comment: str = ""
    supplier: int | None = None
    carrier: int | None = None
    lines: list[TemplateLineIn]


class TemplatePatch(Schema):
    name: str | None = None
    payer_company: int | None = None
    payer_contact: int | None = None
    due_days: int | None = None
    title: str | None = None
    comment: str | None = None
    supplier: int | None = None
    carrier: int | None = None
    is_active: bool | None = None
    lines: list[TemplateLineIn] | None = None


class TemplateLineOut(Schema):
    product_id: int
    quantity: Decimal
    price: Decimal | None
    discount_kind: str
    discount_value: Decimal


class TemplateOut(Schema):
    id: int
    name: str
    seller_id: int
    payer_company_id: int | None
    payer_contact_id: int | None
    currency: str
    rate: Decimal
    due_days: int | None
    title: str
    comment: str
    supplier_id: int | None
    carrier_id: int | None
    is_active: bool
    lines: list[TemplateLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class TemplateCreateIn(Schema):
    date: dt.date | None = None


class BulkSendIn(Schema):
    templates: list[int]
    date: dt.date | None = None


class BulkResultOut(Schema):
    template_id: int
    invoice_id: int | None
    number: str | None
    error: str | None
