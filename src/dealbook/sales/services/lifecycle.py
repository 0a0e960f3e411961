"""The proposal's way through Q1 — sent, viewed, declined, expired. (Accepting with the client's
signature is services.signing; the invoice it becomes, services.invoicing.)

Manager actions lock the row through lock_proposal (role and R2 visibility); the client's actions
come through the public link and lock the row by its token. Every change is written on the
proposal's and the deal's timelines.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.accounts.services import notify
from dealbook.core.errors import DomainError, InvalidInput, NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.sales.models import Proposal, ProposalStatus
from dealbook.sales.services import mail
from dealbook.sales.services.common import lock_by_token, lock_proposal, record, set_status, sync

S = ProposalStatus
MAX_REASON = 2000


class LinkExpired(DomainError):
    """The public link is past its expiry or the proposal past its validity (410)."""

    status = 410
    default_code = "link_expired"


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def refuse_empty(proposal: Proposal) -> None:
    from dealbook.sales.queries import has_lines

    if proposal.total <= 0 or not has_lines(proposal):
        raise RuleViolation(
            _("Proposal %(number)s has no lines or a zero total.") % {"number": proposal.number},
            field="lines",
            code="proposal_empty",
        )


@transaction.atomic
def proposal_send(
    *,
    actor,
    proposal: Proposal,
    to: list[str] | None = None,
    subject=None,
    body=None,
    base_url=None,
    connection=None,
) -> Proposal:
    """Q2: e-mail the proposal's PDF with the public link; a Draft becomes Sent (Q1), a sent or
    viewed one is sent again. Leaving Draft, the PDF is rendered once and stored with its SHA-256
    (the proposal cannot change afterwards); sending again attaches the stored bytes. The mail is
    written inside the transaction: if the server refuses it, nothing changes (502).
    `connection`: an e-mail backend other than the configured one."""
    from dealbook.sales.printing import filename, proposal_language, proposal_pdf, store_document

    locked = lock_proposal(actor, proposal)
    _refuse_unsendable(locked)
    addresses = mail.recipients(to, locked)
    first = locked.status == S.DRAFT
    if first:
        locked.sent_at = timezone.now()  # also fixes the PDF's timestamp: the hash stays stable (Q2)
        locked.link_expires_at = end_of_day(locked.valid_until)
    link = mail.public_link(locked, base_url)
    lang = proposal_language(locked)
    subject, text = mail.compose(locked, link=link, lang=lang, subject=subject, body=body)
    data = {"recipients": addresses, "subject": subject, "total": locked.total, "currency": locked.currency}
    if first:
        pdf = store_document(locked)
    else:
        pdf = proposal_pdf(locked)[0]
    try:
        if first:
            set_status(locked, S.SENT, actor=actor, kind=EventKind.PROPOSAL_SENT, data=data)
        else:
            locked.save_changes()
            record(locked, EventKind.PROPOSAL_SENT, actor=actor, data={**data, "again": True})
        mail.deliver(
            actor=actor,
            to=addresses,
            subject=subject,
            body=text,
            attachment=(filename(locked), pdf),
            connection=connection,
        )
    except BaseException:
        if first:  # the transaction rolls back: no stored file without its row
            locked.document.storage.delete(locked.document.name)
        raise
    return sync(proposal, locked)


def _refuse_unsendable(locked: Proposal) -> None:
    if locked.status not in (S.DRAFT, S.SENT, S.VIEWED):
        raise RuleViolation(
            _("Proposal %(number)s is “%(status)s”: it can no longer be sent.")
            % {"number": locked.number, "status": locked.get_status_display()},
            field="status",
            code="proposal_transition",
        )
    refuse_empty(locked)
    if locked.is_past_validity():
        raise InvalidInput(
            _("The proposal was valid until %(date)s: set a new validity date first.")
            % {"date": locked.valid_until.isoformat()},
            field="valid_until",
        )


def _expire(locked: Proposal) -> None:
    set_status(
        locked,
        S.EXPIRED,
        actor=None,
        kind=EventKind.PROPOSAL_EXPIRED,
        data={"valid_until": locked.valid_until},
    )


@transaction.atomic
def proposal_expire(*, proposal, today: dt.date | None = None) -> Proposal:
    """Q1: a sent or viewed proposal past its validity date becomes Expired (a system action, safe
    to run twice). Applied lazily when the client opens the link, and by proposals_expire_due."""
    pk = getattr(proposal, "pk", proposal)
    locked = Proposal.objects.select_for_update(of=("self",)).select_related("deal").filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("Proposal not found."), field="id")
    if locked.status != S.EXPIRED:
        if not locked.is_past_validity(today):
            raise RuleViolation(
                _("Proposal %(number)s is valid until %(date)s.")
                % {"number": locked.number, "date": locked.valid_until.isoformat()},
                field="valid_until",
                code="proposal_still_valid",
            )
        _expire(locked)
    return sync(proposal, locked)


def proposals_expire_due(today: dt.date | None = None) -> int:
    """Expire every open proposal past its validity date (for a periodic job); returns how many."""
    today = today or timezone.localdate()
    due = Proposal.objects.filter(status__in=(S.SENT, S.VIEWED), valid_until__lt=today).values_list(
        "pk", flat=True
    )
    count = 0
    for pk in list(due[:1000]):
        try:
            proposal_expire(proposal=pk, today=today)
            count += 1
        except RuleViolation:
            pass  # answered meanwhile
    return count


def proposal_public_open(*, token: str, ip: str | None = None, user_agent: str = "") -> Proposal:
    """The client opens the public link: Q1 the first open sets Viewed; a proposal past its
    validity expires (and that is kept) before the link answers 410; an unknown, altered or draft
    token is a 404 and changes nothing."""
    with transaction.atomic():
        locked = lock_by_token(token)
        if locked is None:
            raise NotFound(_("This link is not valid."), field="token")
        gone = locked.status == S.EXPIRED or (locked.is_open and locked.is_past_validity())
        if locked.is_open and locked.is_past_validity():
            _expire(locked)
        elif locked.status == S.SENT and not locked.link_expired():
            locked.viewed_at = timezone.now()
            set_status(
                locked,
                S.VIEWED,
                actor=None,
                kind=EventKind.PROPOSAL_VIEWED,
                data={"ip": ip, "user_agent": (user_agent or "")[:200]},
            )
    if gone or locked.link_expired():
        raise LinkExpired(_("This link has expired."), field="token")
    return locked


def open_for_answer(token: str) -> Proposal:
    """The locked proposal the client answers; refused without any change otherwise."""
    locked = lock_by_token(token)
    if locked is None:
        raise NotFound(_("This link is not valid."), field="token")
    if locked.link_expired() or locked.status == S.EXPIRED or (locked.is_open and locked.is_past_validity()):
        raise LinkExpired(_("This link has expired."), field="token")
    if locked.status == S.ACCEPTED:
        raise RuleViolation(
            _("This proposal has already been signed."), field="status", code="proposal_signed"
        )
    if not locked.is_open:
        raise RuleViolation(
            _("This proposal is “%(status)s”: it can no longer be answered.")
            % {"status": locked.get_status_display()},
            field="status",
            code="proposal_transition",
        )
    return locked


def _open_for_manager(actor, proposal) -> Proposal:
    locked = lock_proposal(actor, proposal)
    if not locked.is_open:
        raise RuleViolation(
            _("Proposal %(number)s is “%(status)s”: it can no longer be answered.")
            % {"number": locked.number, "status": locked.get_status_display()},
            field="status",
            code="proposal_transition",
        )
    return locked


@transaction.atomic
def proposal_decline(
    *,
    reason,
    token: str | None = None,
    actor=None,
    proposal=None,
    ip: str | None = None,
    user_agent: str = "",
) -> Proposal:
    """Q1: the client declines with a reason — through the public link (`token`), or a manager
    records the client's answer (`actor`, `proposal`: e.g. told by phone). The responsible
    manager is notified."""
    locked = open_for_answer(token) if actor is None else _open_for_manager(actor, proposal)
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput(_("Tell us why you decline the proposal."), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            _("The reason is longer than %(n)d characters.") % {"n": MAX_REASON}, field="reason"
        )
    locked.decline_reason = reason
    locked.answered_at = timezone.now()
    data = {"reason": reason, "ip": ip, "user_agent": (user_agent or "")[:200]}
    set_status(locked, S.DECLINED, actor=actor, kind=EventKind.PROPOSAL_DECLINED, data=data)
    if actor is None or actor.pk != locked.responsible_id:
        notify(
            user=locked.responsible,
            kind="proposal_declined",
            text=_("Proposal %(number)s was declined: %(reason)s")
            % {"number": locked.number, "reason": reason},
            url=reverse("proposal", args=[locked.pk]),
        )
    return sync(proposal, locked) if proposal is not None else locked
