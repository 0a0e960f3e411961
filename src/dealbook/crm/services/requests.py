"""Counterparty requests (C4, seed 002 steps 37–39).

A sales manager may not create a company; they file a request with the company card, every active
accountant is notified, accounting registers the company (or links an existing one) and the
requester is told. The manager then takes the company explicitly (companies.company_take).
"""

from __future__ import annotations

import inspect
import os

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role, User
from dealbook.accounts.services import notify
from dealbook.core import timeline
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from dealbook.core.models import Attachment, EventKind
from dealbook.crm import validators
from dealbook.crm.models import Company, CounterpartyRequest, Deal
from dealbook.crm.services.companies import company_create

Status = CounterpartyRequest.Status
NOTIFY_KIND = "counterparty_request"


def _url(req: CounterpartyRequest) -> str:
    return f"/counterparty-requests/{req.pk}/"


def _ensure_deal_visible(actor, deal: Deal) -> None:
    if not policy.filter_visible(Deal.objects.filter(pk=deal.pk), actor).exists():
        raise Forbidden(_("You do not have access to this deal."), field="deal")


@transaction.atomic
def counterparty_request_file(
    *, actor, name: str, inn: str = "", comment: str = "", card=None, deal: Deal | None = None
) -> CounterpartyRequest:
    """C4/step 38: ask accounting to register a company, with its card attached; accountants are
    notified. The card is also attached to the deal, so it is not lost (step 37)."""
    policy.require(actor, "counterparty_request.file", _("You cannot file counterparty requests."))
    name = str(name or "").strip()
    if not name:
        raise InvalidInput(_("Name the company to register."), field="name")
    if len(name) > 255:
        raise InvalidInput(_("The company name is too long (255 characters at most)."), field="name")
    inn = validators.validate_inn(inn) if str(inn or "").strip() else ""
    if deal is not None:
        _ensure_deal_visible(actor, deal)
    req = CounterpartyRequest(
        name=name, inn=inn, comment=str(comment or "").strip(), deal=deal, requested_by=actor
    )
    if card is not None:
        req.card.save(os.path.basename(getattr(card, "name", "") or "card"), card, save=False)
    req.save()
    data = {"request_id": req.pk, "name": name, "inn": inn, "card": os.path.basename(req.card.name or "")}
    timeline.record(req, EventKind.REQUEST_FILED, actor=actor, data=data)
    if deal is not None:
        timeline.record(deal, EventKind.REQUEST_FILED, actor=actor, data=data)
        if card is not None:
            timeline.attach_file(
                subject=deal, actor=actor, uploaded_file=card, purpose=Attachment.Purpose.COMPANY_CARD
            )
    text = _("Counterparty request from %(user)s: %(name)s") % {"user": actor.display_name, "name": name}
    if inn:
        text += _(" (INN %(inn)s)") % {"inn": inn}
    for accountant in User.objects.filter(role=Role.ACCOUNTANT, is_active=True).order_by("pk"):
        notify(user=accountant, kind=NOTIFY_KIND, text=text, url=_url(req))
    return req


def _lock_open(actor, req: CounterpartyRequest) -> CounterpartyRequest:
    policy.require(
        actor, "counterparty_request.complete", _("Only accounting handles counterparty requests.")
    )
    req = CounterpartyRequest.objects.select_for_update().get(pk=req.pk)
    if req.status != Status.OPEN:
        raise RuleViolation(
            _("This request is already handled (%(status)s).") % {"status": req.get_status_display()},
            field="status",
            code="request_closed",
        )
    return req


_COMPANY_ARGS = frozenset(inspect.signature(company_create).parameters) - {"actor"}


@transaction.atomic
def counterparty_request_complete(
    *, actor, request: CounterpartyRequest, company: Company | None = None, company_data: dict | None = None
) -> CounterpartyRequest:
    """C4/step 39: accounting registers the requested company (company_data, validated as in
    company_create) or links an existing one; the card moves to the company's record and the
    requester is notified. The company stays unclaimed until the manager takes it."""
    req = _lock_open(actor, request)
    if (company is None) == (company_data is None):
        raise InvalidInput(_("Give either an existing company or the new company's data."), field="company")
    if company_data is not None:
        unknown = set(company_data) - _COMPANY_ARGS
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(_("Unknown field '%(name)s'.") % {"name": name}, field=f"company.{name}")
        company = company_create(actor=actor, **company_data)
    if req.card:
        with req.card.open("rb") as fh:
            timeline.attach_file(
                subject=company,
                actor=actor,
                uploaded_file=File(fh, name=os.path.basename(req.card.name)),
                purpose=Attachment.Purpose.COMPANY_CARD,
            )
    req.status = Status.DONE
    req.company = company
    req.handled_by = actor
    req.handled_at = timezone.now()
    req.save(update_fields=["status", "company", "handled_by", "handled_at"])
    timeline.record_many(
        [req, company, req.deal],
        EventKind.REQUEST_COMPLETED,
        actor=actor,
        data={"request_id": req.pk, "company_id": company.pk, "company": company.name, "inn": company.inn},
    )
    notify(
        user=req.requested_by,
        kind=NOTIFY_KIND,
        text=_("Company %(name)s is registered: take it under your responsibility.") % {"name": company.name},
        url=f"/companies/{company.pk}/",
    )
    return req


@transaction.atomic
def counterparty_request_reject(*, actor, request: CounterpartyRequest, answer: str) -> CounterpartyRequest:
    """C4: accounting refuses a request with an answer the requester reads (e.g. the card is unreadable)."""
    answer = str(answer or "").strip()
    req = _lock_open(actor, request)
    if not answer:
        raise InvalidInput(_("Say why the request is rejected."), field="answer")
    req.status = Status.REJECTED
    req.answer = answer
    req.handled_by = actor
    req.handled_at = timezone.now()
    req.save(update_fields=["status", "answer", "handled_by", "handled_at"])
    timeline.record_many(
        [req, req.deal],
        EventKind.STATUS_CHANGED,
        actor=actor,
        text=answer,
        data={"request_id": req.pk, "field": "status", "from": Status.OPEN, "to": Status.REJECTED},
    )
    notify(
        user=req.requested_by,
        kind=NOTIFY_KIND,
        text=_("Counterparty request %(name)s was rejected: %(answer)s")
        % {"name": req.name, "answer": answer},
        url=_url(req),
    )
    return req
