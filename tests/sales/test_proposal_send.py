"""Q2: the client gets an e-mail with the proposal's PDF attached and a link to view and sign it;
the link's token holds at least 128 random bits and expires; sending writes both timelines."""

import datetime as dt
import math

import pytest
from django.core import mail
from django.utils import timezone

from dealbook.billing.models import EmailTemplate
from dealbook.core.errors import InvalidInput
from dealbook.core.models import EventKind
from dealbook.sales import services as svc
from dealbook.sales.models import ProposalStatus, new_token
from dealbook.sales.printing import proposal_pdf
from tests.sales.conftest import events, make_proposal, make_sent, snapshot


def test_q2_token_has_at_least_128_random_bits():
    token = new_token()
    alphabet = 64  # url-safe base64
    assert len(token) * math.log2(alphabet) >= 128
    assert len({new_token() for _ in range(200)}) == 200


def test_q2_email_carries_the_pdf_and_the_public_link(w):
    proposal = make_sent(w)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sl-cc@ya.ru"]
    link = f"http://testserver/p/{proposal.public_token}/"
    assert link in message.body
    ((name, content, mimetype),) = message.attachments
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    assert content == proposal_pdf(proposal)[0]  # exactly the document the client's page shows


def test_q1_sending_sets_sent_link_expiry_and_both_timelines(w):
    proposal = make_sent(w)
    assert proposal.status == ProposalStatus.SENT and proposal.sent_at is not None
    end = timezone.localtime(proposal.link_expires_at)
    assert end.date() == proposal.valid_until + dt.timedelta(days=1) and end.hour == 0
    sent = events(proposal, EventKind.PROPOSAL_SENT)
    assert len(sent) == 1 and sent[0].data["recipients"] == ["sl-cc@ya.ru"]
    assert (sent[0].data["from"], sent[0].data["to"]) == ("draft", "sent")
    assert len(events(w.deal, EventKind.PROPOSAL_SENT)) == 1


def test_q2_email_template_of_kind_proposal_fills_placeholders(w):
    EmailTemplate.objects.create(
        kind="proposal",
        language="ru",
        subject="КП {number} для {client}",
        body="Сумма {total}, до {valid_until}. Ссылка: {link} — {seller}. {unknown}",
    )
    proposal = make_sent(w)
    message = mail.outbox[0]
    assert message.subject == f"КП {proposal.number} для ЭЛЕКСИС ООО"
    assert "4\xa0000,00 RUB" in message.body or "4 000,00 RUB" in message.body
    assert f"/p/{proposal.public_token}/" in message.body
    assert "{unknown}" in message.body  # only the fixed placeholders are filled, nothing is evaluated


def test_q2_without_an_address_nothing_is_sent_or_changed(w):
    w.buyer.points.all().delete()
    w.roman.points.all().delete()
    proposal = make_proposal(w)
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        svc.proposal_send(actor=w.manager, proposal=proposal)
    assert err.value.field == "to"
    assert snapshot() == before and mail.outbox == []


def test_q2_a_refused_delivery_changes_nothing(w, settings):
    settings.EMAIL_BACKEND = "tests.sales.test_proposal_send.BrokenBackend"
    proposal = make_proposal(w)
    before = snapshot()
    with pytest.raises(Exception) as err:
        svc.proposal_send(actor=w.manager, proposal=proposal)
    assert getattr(err.value, "status", None) == 502
    assert snapshot() == before


def test_q1_an_empty_draft_is_not_sent(w):
    proposal = svc.proposal_create(actor=w.manager, payer_company=w.buyer)
    with pytest.raises(Exception) as err:
        svc.proposal_send(actor=w.manager, proposal=proposal)
    assert getattr(err.value, "code", None) == "proposal_empty"


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no server")
