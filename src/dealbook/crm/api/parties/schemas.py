"""The request and response schemas of the party endpoints (companies, contacts, requests, search)."""

from __future__ import annotations

import datetime as dt
import os

from ninja import Schema

from dealbook.crm.models import ContactPoint


class PointIn(Schema):
    value: str
    label: str = ""


class PointOut(Schema):
    id: int
    kind: str
    label: str
    value: str
    normalized: str


class BankAccountIn(Schema):
    bank_name: str = ""
    bik: str = ""
    corr_account: str = ""
    account: str = ""
    iban: str = ""
    bic: str = ""
    currency: str = ""
    is_primary: bool = False


class BankAccountPatch(Schema):
    bank_name: str | None = None
    bik: str | None = None
    corr_account: str | None = None
    account: str | None = None
    iban: str | None = None
    bic: str | None = None
    currency: str | None = None
    is_primary: bool | None = None


class BankAccountOut(Schema):
    id: int
    bank_name: str
    bik: str
    corr_account: str
    account: str
    iban: str
    bic: str
    currency: str
    is_primary: bool


class CompanyIn(Schema):
    name: str
    kind: str = "buyer"
    segment_id: int | None = None
    is_own: bool = False
    responsible_id: int | None = None
    is_shared: bool = False
    legal_name: str = ""
    country: str = "RU"
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    vat_id: str = ""
    legal_address: str = ""
    postal_address: str = ""
    director_name: str = ""
    accountant_name: str = ""
    website: str = ""
    comment: str = ""
    phones: list[str | PointIn] = []
    emails: list[str | PointIn] = []
    bank_accounts: list[BankAccountIn] = []


class ProfilePatch(Schema):
    kind: str | None = None
    segment_id: int | None = None
    responsible_id: int | None = None
    is_shared: bool | None = None
    website: str | None = None
    comment: str | None = None
    phones: list[str | PointIn] | None = None
    emails: list[str | PointIn] | None = None
    contact_ids: list[int] | None = None


class RequisitesPatch(Schema):
    name: str | None = None
    legal_name: str | None = None
    country: str | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    vat_id: str | None = None
    legal_address: str | None = None
    postal_address: str | None = None
    director_name: str | None = None
    accountant_name: str | None = None


def _name_of(user) -> str | None:
    return user.display_name if user is not None else None


class CompanyListOut(Schema):
    id: int
    name: str
    kind: str
    segment_id: int | None
    segment_name: str | None
    responsible_id: int | None
    responsible_name: str | None
    is_own: bool
    is_shared: bool
    country: str
    inn: str
    kpp: str
    vat_id: str
    phones: list[str]
    created_at: dt.datetime

    @staticmethod
    def resolve_segment_name(obj) -> str | None:
        return obj.segment.name if obj.segment_id else None

    @staticmethod
    def resolve_responsible_name(obj) -> str | None:
        return _name_of(obj.responsible) if obj.responsible_id else None

    @staticmethod
    def resolve_phones(obj) -> list[str]:
        return [p.value for p in obj.points.all() if p.kind == ContactPoint.Kind.PHONE]


class ContactBriefOut(Schema):
    id: int
    full_name: str
    position: str


class CompanyOut(CompanyListOut):
    legal_name: str
    ogrn: str
    legal_address: str
    postal_address: str
    director_name: str
    accountant_name: str
    website: str
    comment: str
    created_by_id: int | None
    updated_at: dt.datetime
    points: list[PointOut]
    bank_accounts: list[BankAccountOut]
    contacts: list[ContactBriefOut]

    @staticmethod
    def resolve_points(obj) -> list:
        return list(obj.points.all())

    @staticmethod
    def resolve_bank_accounts(obj) -> list:
        return list(obj.bank_accounts.all())

    @staticmethod
    def resolve_contacts(obj) -> list:
        return list(obj.contacts.all()[:200])


class CompanyPage(Schema):
    items: list[CompanyListOut]
    next_cursor: str | None = None


class ContactIn(Schema):
    first_name: str = ""
    last_name: str = ""
    middle_name: str = ""
    position: str = ""
    phones: list[str | PointIn] = []
    emails: list[str | PointIn] = []
    messengers: list[str | PointIn] = []
    company_id: int | None = None
    responsible_id: int | None = None
    source: str | None = None  # a source code: call, web_form, referral …
    comment: str = ""
    is_shared: bool = False


class ContactPatch(Schema):
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    position: str | None = None
    phones: list[str | PointIn] | None = None
    emails: list[str | PointIn] | None = None
    messengers: list[str | PointIn] | None = None
    responsible_id: int | None = None
    source: str | None = None
    comment: str | None = None
    is_shared: bool | None = None


class CompanyBriefOut(Schema):
    id: int
    name: str
    inn: str


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    middle_name: str
    full_name: str
    position: str
    responsible_id: int | None
    responsible_name: str | None
    is_shared: bool
    source: str | None
    comment: str
    points: list[PointOut]
    companies: list[CompanyBriefOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_responsible_name(obj) -> str | None:
        return _name_of(obj.responsible) if obj.responsible_id else None

    @staticmethod
    def resolve_source(obj) -> str | None:
        return obj.source.code if obj.source_id else None

    @staticmethod
    def resolve_points(obj) -> list:
        return list(obj.points.all())

    @staticmethod
    def resolve_companies(obj) -> list:
        return list(obj.companies.all())


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None = None


class LinkIn(Schema):
    company_id: int


class ContactPointIn(Schema):
    kind: str  # phone | email | messenger
    value: str
    label: str = ""


class RequestOut(Schema):
    id: int
    name: str
    inn: str
    comment: str
    status: str
    deal_id: int | None
    requested_by_id: int
    requested_by_name: str
    handled_by_id: int | None
    handled_by_name: str | None
    company_id: int | None
    company_name: str | None
    answer: str
    card_name: str | None
    created_at: dt.datetime
    handled_at: dt.datetime | None

    @staticmethod
    def resolve_requested_by_name(obj) -> str:
        return obj.requested_by.display_name

    @staticmethod
    def resolve_handled_by_name(obj) -> str | None:
        return _name_of(obj.handled_by) if obj.handled_by_id else None

    @staticmethod
    def resolve_company_name(obj) -> str | None:
        return obj.company.name if obj.company_id else None

    @staticmethod
    def resolve_card_name(obj) -> str | None:
        return os.path.basename(obj.card.name) if obj.card else None


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None = None


class CompleteIn(Schema):
    company_id: int | None = None
    company: CompanyIn | None = None


class RejectIn(Schema):
    answer: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    mime_type: str
    purpose: str
    created_at: dt.datetime


class SearchHitOut(Schema):
    id: int
    name: str
    kind: str
    inn: str
    vat_id: str
    is_own: bool
    responsible_id: int | None
    responsible_name: str | None
    match: str

    @staticmethod
    def resolve_responsible_name(obj) -> str | None:
        return _name_of(obj.responsible) if obj.responsible_id else None


class SearchOut(Schema):
    items: list[SearchHitOut]
