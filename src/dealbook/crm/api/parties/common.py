"""What the party endpoints share: their Router (keeping the operation ids) and turning ids into
records the user may see (R2: what a user may not see is a 404)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Router, Schema

from dealbook.accounts.models import User
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.crm.api.parties.schemas import CompanyIn
from dealbook.crm.models import BankAccount, Company, Segment, Source
from dealbook.crm.queries import parties as queries

OPERATION_PREFIX = "dealbook_crm_api_parties_"


class PartiesRouter(Router):
    """A Router whose operations keep the OpenAPI operation ids they had while all party endpoints
    lived in one module (dealbook.crm.api.parties): "dealbook_crm_api_parties_<handler>", whatever
    module of this package the handler is in, so generated API clients keep working."""

    def add_api_operation(self, path, methods, view_func, **kwargs) -> None:
        kwargs["operation_id"] = kwargs.get("operation_id") or OPERATION_PREFIX + view_func.__name__
        super().add_api_operation(path, methods, view_func, **kwargs)


def _segment(pk: int | None) -> Segment | None:
    if pk is None:
        return None
    segment = Segment.objects.filter(pk=pk).first()
    if segment is None:
        raise InvalidInput(_("Unknown segment."), field="segment_id")
    return segment


def _user(pk: int | None, field: str = "responsible_id") -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise InvalidInput(_("Unknown or inactive user."), field=field)
    return user


def _source(code: str | None) -> Source | None:
    if not code:
        return None
    source = Source.objects.filter(code=code).first()
    if source is None:
        raise InvalidInput(_("Unknown source '%(code)s'.") % {"code": code}, field="source")
    return source


def _points(items) -> list:
    return [i.dict() if isinstance(i, Schema) else i for i in items]


def _company_kwargs(payload: CompanyIn) -> dict:
    data = payload.dict()
    data["segment"] = _segment(data.pop("segment_id"))
    data["responsible"] = _user(data.pop("responsible_id"))
    data["phones"] = _points(payload.phones)
    data["emails"] = _points(payload.emails)
    data["bank_accounts"] = [a.dict() for a in payload.bank_accounts]
    return data


def _company_detail(user, pk: int) -> Company:
    company = queries.company_get(user, pk)
    # one query per relation, whatever their size
    return (
        Company.objects.select_related("segment", "responsible")
        .prefetch_related("points", "bank_accounts", "contacts")
        .get(pk=company.pk)
    )


def _contact_detail(user, pk: int):
    contact = queries.contact_get(user, pk)
    return (
        type(contact)
        .objects.select_related("responsible", "source")
        .prefetch_related("points", "companies")
        .get(pk=contact.pk)
    )


def _bank_account(company: Company, pk: int) -> BankAccount:
    account = BankAccount.objects.select_related("company").filter(pk=pk, company=company).first()
    if account is None:
        raise NotFound(_("Bank account not found."), field="account_id")
    return account
