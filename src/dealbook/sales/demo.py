"""The demo's proposal (Q1–Q3): the seed deal's lines offered to ЭЛЕКСИС ООО and sent, so the
public link works on a fresh install (the manager's card shows it)."""

from __future__ import annotations

import datetime as dt

from django.core.mail import get_connection
from django.utils import timezone


def seed_proposals(*, deal, manager, seller):
    """One proposal from the seed deal, Sent, valid for two weeks. The demo's client addresses are
    made up, so its e-mail goes to an in-memory outbox and never to a real server."""
    from dealbook.sales.services import proposal_create, proposal_send

    proposal = proposal_create(
        actor=manager,
        deal=deal,
        seller=seller,
        valid_until=timezone.localdate() + dt.timedelta(days=14),
        comment="Цены с НДС 18 %. Доставка в Синявино — по согласованию.",
    )
    proposal_send(
        actor=manager,
        proposal=proposal,
        to=["sl-cc@ya.ru"],
        connection=get_connection("django.core.mail.backends.locmem.EmailBackend"),
    )
    return proposal
