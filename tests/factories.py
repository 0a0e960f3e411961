"""Test data factories: plain functions that create rows with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from dealbook.accounts.models import ApiToken, Role, SalesGroup, User
from dealbook.catalog.models import Product, TaxKind, TaxProfile, Unit
from dealbook.catalog.setup import tax_profile_russia, units_create_default
from dealbook.crm.models import Company, Contact, Deal, Pipeline, Segment, Stage
from dealbook.crm.setup import pipeline_create_default

_seq = itertools.count(1)


def make_group(name: str | None = None) -> SalesGroup:
    return SalesGroup.objects.create(name=name or f"Group {next(_seq)}")


def make_user(
    role: str = Role.SALES_MANAGER, *, group: SalesGroup | None = None, username: str | None = None, **kw
) -> User:
    n = next(_seq)
    user = User(
        username=username or f"{role}{n}",
        role=role,
        group=group,
        first_name=kw.pop("first_name", f"User{n}"),
        last_name=kw.pop("last_name", role.title()),
        language=kw.pop("language", ""),  # empty: the browser's language, as for a new user
        **kw,
    )
    user.set_password("secret-pass-1")
    user.save()
    return user


def token_for(user: User) -> str:
    return ApiToken.issue(user)[1]


def russia() -> TaxProfile:
    return tax_profile_russia()


def unit(name: str = "шт") -> Unit:
    units_create_default()
    return Unit.objects.get(name=name)


def make_product(
    name: str | None = None,
    *,
    price: str = "700.00",
    unit_name: str = "шт",
    tax_kind: str = TaxKind.STANDARD,
    includes_tax: bool = True,
) -> Product:
    return Product.objects.create(
        name=name or f"Product {next(_seq)}",
        unit=unit(unit_name),
        price=Decimal(price),
        tax_kind=tax_kind,
        price_includes_tax=includes_tax,
    )


def make_pipeline(name: str | None = None) -> Pipeline:
    return pipeline_create_default(name=name or f"Pipeline {next(_seq)}")


def stage(pipeline: Pipeline, code: str) -> Stage:
    return pipeline.stages.get(code=code)


def make_segment(name: str | None = None) -> Segment:
    return Segment.objects.create(name=name or f"Segment {next(_seq)}")


def make_company(name: str | None = None, **kw) -> Company:
    return Company.objects.create(name=name or f"Company {next(_seq)}", **kw)


def make_contact(first_name: str | None = None, **kw) -> Contact:
    return Contact.objects.create(first_name=first_name or f"Contact{next(_seq)}", **kw)


def make_deal(
    *,
    pipeline: Pipeline | None = None,
    stage_code: str = "new",
    responsible: User | None = None,
    tax_date: dt.date | None = None,
    **kw,
) -> Deal:
    """A deal row written directly (no services): for setting up state, not for testing creation."""
    pipeline = pipeline or make_pipeline()
    return Deal.objects.create(
        title=kw.pop("title", f"Deal {next(_seq)}"),
        pipeline=pipeline,
        stage=stage(pipeline, stage_code),
        responsible=responsible,
        tax_profile=kw.pop("tax_profile", None) or russia(),
        tax_date=tax_date or dt.date(2026, 5, 12),
        **kw,
    )
