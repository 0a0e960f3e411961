"""The demo world has the seed deal's proposal, sent, with a public link that opens (Q1–Q2)."""

import pytest
from django.test import Client, override_settings

from dealbook import demo
from dealbook.sales.models import Proposal, ProposalStatus


@pytest.mark.django_db
def test_demo_has_a_sent_proposal_with_a_working_public_link(monkeypatch):
    monkeypatch.setenv("DEALBOOK_ADMIN_PASSWORD", "chosen-admin-pass")
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        demo.load()
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.SENT and proposal.deal.title == "01/12.05 КС, ФБС тест"
    assert proposal.total == proposal.deal.amount
    r = Client().get(f"/p/{proposal.public_token}/")
    assert r.status_code == 200
