"""API schemas of proposals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema

from dealbook.catalog.schemas import LineIn, LineOut, LinePatch  # noqa: F401  (shared with invoices)


class ProposalIn(Schema):
    """With `deal_id`: from the deal (its lines, currency, client); without: blank (client and lines)."""

    deal_id: int | None = None
    seller_id: int | None = None
    payer_company_id: int | None = None
    payer_contact_id: int | None = None
    date: dt.date | None = None
    valid_until: dt.date | None = None
    currency: str | None = None
    tax_date: dt.date | None = None
    title: str | None = None
    comment: str = ""
    lines: list[LineIn] = []


class ProposalPatch(Schema):
    title: str | None = None
    comment: str | None = None
    valid_until: dt.date | None = None
    payer_company_id: int | None = None
    payer_contact_id: int | None = None


class SendIn(Schema):
    to: list[str] | None = None
    subject: str | None = None
    body: str | None = None


class DeclineIn(Schema):
    reason: str = ""


class ToInvoiceIn(Schema):
    rate: Decimal | None = None


class SignatureOut(Schema):
    signer_name: str
    consent: bool
    signed_at: dt.datetime
    ip: str | None
    user_agent: str
    document_sha256: str


class ProposalRow(Schema):
    id: int
    number: str
    date: dt.date
    valid_until: dt.date
    title: str
    status: str
    status_name: str
    seller_id: int
    payer_company_id: int | None
    payer_contact_id: int | None
    client_name: str
    deal_id: int | None
    currency: str
    total: Decimal
    tax: Decimal
    invoice_id: int | None
    responsible_id: int | None


class ProposalOut(ProposalRow):
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    comment: str
    tax_profile_id: int
    tax_date: dt.date
    public_url: str
    link_expires_at: dt.datetime | None
    decline_reason: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    viewed_at: dt.datetime | None
    answered_at: dt.datetime | None
    signature: SignatureOut | None
    lines: list[LineOut]


class ProposalPage(Schema):
    items: list[ProposalRow]
    next_cursor: str | None = None


class AcceptIn(Schema):
    signer_name: str
    consent: bool
    document_sha256: str
