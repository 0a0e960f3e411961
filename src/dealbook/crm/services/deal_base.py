"""What the deal services share: locking with R2 checks, D8's closed-deal refusal, stage and id
resolution, field cleaning and the timeline entries of D2."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import User
from dealbook.accounts.services import notify
from dealbook.catalog.models import TaxProfile
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.core.money import round_money, to_decimal
from dealbook.crm.models import (
    Company,
    Contact,
    Deal,
    DealType,
    LostReason,
    Pipeline,
    Source,
    Stage,
    StageKind,
)
from dealbook.crm.queries.deals import as_id, deal_visible_to

ASSIGNED = "assigned"
NEW = "new"
MAX_AMOUNT = Decimal(10) ** 16


def lock_deal(actor, deal: Deal, *, capability: str | None = "deal.edit") -> Deal:
    """Lock the deal row and check the actor may see it (404) and act on it (403)."""
    if capability:
        policy.require(actor, capability, _("Your role does not allow changing deals."))
    # of=("self",): lock the deal, not the stage and user rows joined for the checks
    locked = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "responsible", "pipeline")
        .filter(pk=getattr(deal, "pk", deal))
        .first()
    )
    if locked is None or not deal_visible_to(actor, locked):
        raise NotFound(_("Deal not found."), field="id")
    return locked


def sync(target, source: Deal):
    """Copy the saved state onto the caller's instance so it can keep using its object."""
    if isinstance(target, Deal) and target is not source:
        for f in Deal._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))
        target._state.fields_cache = dict(source._state.fields_cache)
        return target
    return source


def refuse_if_closed(deal: Deal, what: str) -> None:
    """D8: a won or lost deal is closed."""
    if deal.stage.kind != StageKind.OPEN:
        raise RuleViolation(
            _("The deal is closed (%(stage)s): %(what)s can no longer change.")
            % {"stage": deal.stage.name, "what": what},
            field="stage",
            code="deal_closed",
        )


def first_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("sort", "id").first()
    if stage is None:
        raise InvalidInput(_("This pipeline has no open stage to start in."), field="pipeline")
    return stage


def resolve_stage(pipeline_id: int, stage) -> Stage:
    """A stage of this pipeline given as a Stage, an id or a code; anything else is refused (D1)."""
    qs = Stage.objects.filter(pipeline_id=pipeline_id)
    if isinstance(stage, Stage):
        found = stage if stage.pipeline_id == pipeline_id else None
    elif isinstance(stage, int) or (isinstance(stage, str) and stage.isdigit()):
        pk = as_id(stage)
        found = qs.filter(pk=pk).first() if pk else None
    elif isinstance(stage, str) and stage:
        found = qs.filter(code=stage).first()
    else:
        found = None
    if found is None:
        raise InvalidInput(_("Unknown stage, or a stage of another pipeline."), field="stage")
    return found


def active_user(user, field: str = "responsible") -> User:
    if isinstance(user, int) and not isinstance(user, bool):
        pk = as_id(user)
        user = User.objects.filter(pk=pk).first() if pk else None
    if not isinstance(user, User) or not user.is_active:
        raise InvalidInput(_("The responsible must be an active user."), field=field)
    return user


def clean_text(value, field: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("%(field)s is required.") % {"field": field}, field=field)
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s is longer than %(n)d characters.") % {"field": field, "n": max_length}, field=field
        )
    return value


def clean_currency(value) -> str:
    value = (value or "").strip().upper()
    if len(value) != 3 or not value.isalpha():
        raise InvalidInput(_("A currency is a three-letter ISO code (RUB, EUR)."), field="currency")
    return value


def clean_date(value, field: str):
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            _("%(field)s: a date is written YYYY-MM-DD.") % {"field": field}, field=field
        ) from None


def clean_amount(value, currency: str) -> Decimal:
    amount = to_decimal(value, field="amount")
    if amount < 0 or amount >= MAX_AMOUNT:
        raise InvalidInput(_("The amount must be zero or more and within range."), field="amount")
    if round_money(amount, currency) != amount:
        raise InvalidInput(_("The amount has more decimals than the currency allows."), field="amount")
    return round_money(amount, currency)


def check_dates(begin, close) -> None:
    if begin and close and close < begin:
        raise InvalidInput(_("The close date cannot be before the start date."), field="close_date")


def resolve_source(source):
    if source is None or isinstance(source, Source):
        return source
    qs = (
        Source.objects.filter(pk=int(source)) if str(source).isdigit() else Source.objects.filter(code=source)
    )
    found = qs.first()
    if found is None:
        raise InvalidInput(_("Unknown source."), field="source")
    return found


def default_tax_profile() -> TaxProfile:
    profile = TaxProfile.objects.filter(is_default=True).order_by("pk").first()
    if profile is None:
        raise InvalidInput(_("No default tax profile is configured; choose one."), field="tax_profile")
    return profile


def user_name(user) -> str | None:
    return user.display_name if user else None


def notify_assigned(deal: Deal, actor) -> None:
    if deal.responsible_id and deal.responsible_id != getattr(actor, "pk", None):
        notify(
            user=deal.responsible,
            kind="deal_assigned",
            text=_("You are responsible for the deal “%(title)s”.") % {"title": deal.title},
            url=f"/deals/{deal.pk}/",
        )


def stage_event(deal: Deal, actor, old: Stage, new: Stage, **extra) -> None:
    timeline.record(
        deal,
        EventKind.STAGE_CHANGED,
        actor=actor,
        data={
            "from": old.pk,
            "from_name": old.name,
            "from_code": old.code,
            "to": new.pk,
            "to_name": new.name,
            "to_code": new.code,
            **extra,
        },
    )


def responsible_event(deal: Deal, actor, old, new, **extra) -> None:
    timeline.record(
        deal,
        EventKind.RESPONSIBLE_CHANGED,
        actor=actor,
        data={
            "from": getattr(old, "pk", None),
            "from_name": user_name(old),
            "to": getattr(new, "pk", None),
            "to_name": user_name(new),
            **extra,
        },
    )


def link_data(deal: Deal, other) -> dict:
    data = {"deal_id": deal.pk, "deal_title": deal.title}
    if isinstance(other, Company):
        data.update(company_id=other.pk, company_name=other.name)
    elif isinstance(other, Contact):
        data.update(contact_id=other.pk, contact_name=other.full_name)
    return data


def resolve_lost_reason(value) -> LostReason:
    if isinstance(value, LostReason):
        reason = value if value.is_active else None
    elif value in (None, ""):
        raise InvalidInput(_("Moving a deal to a lost stage needs a loss reason."), field="lost_reason")
    else:
        qs = LostReason.objects.filter(is_active=True)
        pk = as_id(value)
        reason = (
            (qs.filter(pk=pk).first() if pk else None)
            if str(value).isdigit()
            else qs.filter(name=value).first()
        )
    if reason is None:
        raise InvalidInput(_("Unknown loss reason."), field="lost_reason")
    return reason


# fields deal_update changes, with what D8 freezes once the deal is closed
UPDATABLE = {
    "title",
    "source",
    "deal_type",
    "location",
    "delivery_address",
    "comment",
    "tax_profile",
    "tax_date",
    "begin_date",
    "close_date",
    "is_shared",
    "probability",
    "currency",
    "amount",
    "company",
    "lost_comment",
}
FROZEN_WHEN_CLOSED = {"amount", "tax_profile", "tax_date", "currency"}


def clean_update(deal: Deal, field: str, value):
    if field == "title":
        return clean_text(value, "title", 255, required=True)
    if field in ("location",):
        return clean_text(value, field, 255)
    if field == "delivery_address":
        return clean_text(value, field, 500)
    if field in ("comment", "lost_comment"):
        return (value or "").strip()
    if field == "source":
        return resolve_source(value)
    if field == "deal_type":
        if value not in DealType.values:
            raise InvalidInput(_("Unknown deal type '%(type)s'.") % {"type": value}, field="deal_type")
        return value
    if field == "tax_profile":
        if not isinstance(value, TaxProfile):
            raise InvalidInput(_("Choose a tax profile."), field="tax_profile")
        return value
    if field in ("tax_date", "begin_date", "close_date"):
        cleaned = clean_date(value, field)
        if field == "tax_date" and cleaned is None:
            raise InvalidInput(_("The tax date is required."), field="tax_date")
        return cleaned
    if field == "is_shared":
        return bool(value)
    if field == "probability":
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100
        ):
            raise InvalidInput(_("Probability is a whole number from 0 to 100."), field="probability")
        return value
    if field == "currency":
        return clean_currency(value)
    if field == "amount":
        return clean_amount(value, deal.currency)
    if field == "company":
        if value is not None and not isinstance(value, Company):
            raise InvalidInput(_("Choose a company."), field="company")
        return value
    raise InvalidInput(_("Field '%(field)s' cannot be changed here.") % {"field": field}, field=field)


def value_for_log(value):
    return getattr(value, "pk", value)
