"""The client's public page (Q1–Q3): no login, a phone-sized page with the PDF, the accept form
carrying the hash of the PDF shown, decline with a reason; 404 for unknown or altered tokens, 410
for expired links, 429 past the per-IP rate limit — and nothing changes on any of those."""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from dealbook.billing.models import Invoice
from dealbook.core.models import EventKind
from dealbook.sales.models import Proposal, ProposalStatus
from dealbook.sales.printing import pdf_sha256, proposal_pdf, store_document
from dealbook.sales.ratelimit import LIMITS
from tests.sales.conftest import events, make_proposal, make_sent, snapshot

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


def client() -> Client:
    return Client(HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR="198.51.100.20")


def page_hash(html: str) -> str:
    return re.search(r'name="document_sha256" value="([0-9a-f]{64})"', html).group(1)


def test_q2_page_needs_no_login_shows_lines_pdf_and_the_hash_of_that_pdf(w):
    proposal = make_sent(w)
    c = client()
    r = c.get(reverse("proposal_public", args=[proposal.public_token]))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="viewport"' in html and "Кольцо стеновое КС 10-3" in html
    pdf = c.get(reverse("proposal_public_pdf", args=[proposal.public_token]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert page_hash(html) == pdf_sha256(pdf.content)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.VIEWED


def test_q2_accept_through_the_page_then_thank_you_with_the_signed_pdf(w):
    proposal = make_sent(w)
    c = client()
    url = reverse("proposal_public", args=[proposal.public_token])
    digest = page_hash(c.get(url).content.decode())
    r = c.post(
        reverse("proposal_public_accept", args=[proposal.public_token]),
        {"signer_name": "Роман Сидоров", "consent": "on", "document_sha256": digest},
    )
    assert r.status_code == 302 and r["Location"] == url
    proposal = Proposal.objects.get(pk=proposal.pk)
    sig = proposal.signature
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.invoice is not None
    assert (sig.ip, sig.user_agent, sig.document_sha256) == ("198.51.100.20", PHONE_UA, digest)
    thanks = c.get(url).content.decode()
    assert (
        'id="thanks"' in thanks and reverse("proposal_public_signed", args=[proposal.public_token]) in thanks
    )
    assert not proposal.signature.signed_pdf  # made on the first download
    signed = c.get(reverse("proposal_public_signed", args=[proposal.public_token]))
    assert signed.status_code == 200
    content = b"".join(signed.streaming_content)
    assert content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(content)).pages
    assert len(pages) == len(PdfReader(io.BytesIO(proposal_pdf(proposal)[0])).pages) + 1
    assert digest in pages[-1].extract_text().replace("\n", "").replace(" ", "")


@pytest.mark.parametrize(
    "data,field",
    [
        ({"signer_name": "", "consent": "on"}, "signer_name"),
        ({"signer_name": "Роман Сидоров"}, "consent"),
    ],
)
def test_q2_refused_signatures_show_the_message_at_the_field_and_change_nothing(w, data, field):
    proposal = make_sent(w)
    c = client()
    digest = page_hash(c.get(reverse("proposal_public", args=[proposal.public_token])).content.decode())
    before = snapshot()
    r = c.post(
        reverse("proposal_public_accept", args=[proposal.public_token]), {**data, "document_sha256": digest}
    )
    assert r.status_code == 400
    assert 'role="alert"' in r.content.decode()
    assert snapshot() == before


def test_q2_changed_document_is_refused_on_the_page(w):
    proposal = make_sent(w)
    c = client()
    digest = page_hash(c.get(reverse("proposal_public", args=[proposal.public_token])).content.decode())
    w.own.legal_name = "Другое название"
    w.own.save()
    replaced = Proposal.objects.get(pk=proposal.pk)
    store_document(replaced)  # another document stored since the page was opened
    replaced.save()
    before = snapshot()
    r = c.post(
        reverse("proposal_public_accept", args=[proposal.public_token]),
        {"signer_name": "Роман Сидоров", "consent": "on", "document_sha256": digest},
    )
    assert r.status_code == 409 and snapshot() == before
    assert page_hash(r.content.decode()) != digest  # the page now shows the current document


def test_q2_altered_or_unknown_token_is_404_and_changes_nothing(w):
    proposal = make_sent(w)
    altered = proposal.public_token[:-2] + ("xx" if not proposal.public_token.endswith("xx") else "yy")
    c = client()
    before = snapshot()
    for token in (altered, "nope", "a" * 32):
        assert c.get(reverse("proposal_public", args=[token])).status_code == 404
        assert c.get(reverse("proposal_public_pdf", args=[token])).status_code == 404
        r = c.post(
            reverse("proposal_public_accept", args=[token]),
            {"signer_name": "X Y", "consent": "on", "document_sha256": "0" * 64},
        )
        assert r.status_code == 404
    assert snapshot() == before


def test_q2_a_draft_has_no_public_page(w):
    proposal = make_proposal(w)
    assert client().get(reverse("proposal_public", args=[proposal.public_token])).status_code == 404


def test_q2_expired_link_is_410_and_signing_changes_nothing(w):
    proposal = make_sent(w)
    c = client()
    digest = page_hash(c.get(reverse("proposal_public", args=[proposal.public_token])).content.decode())
    Proposal.objects.filter(pk=proposal.pk).update(link_expires_at=proposal.sent_at)
    before = snapshot()
    r = c.post(
        reverse("proposal_public_accept", args=[proposal.public_token]),
        {"signer_name": "Роман Сидоров", "consent": "on", "document_sha256": digest},
    )
    assert r.status_code == 410 and "expired" in r.content.decode()
    assert c.get(reverse("proposal_public_pdf", args=[proposal.public_token])).status_code == 410
    assert snapshot() == before and not Invoice.objects.exists()


def test_q1_page_opened_after_validity_expires_the_proposal_and_answers_410(w):
    proposal = make_sent(w)
    Proposal.objects.filter(pk=proposal.pk).update(valid_until=dt.date.today() - dt.timedelta(days=1))
    r = client().get(reverse("proposal_public", args=[proposal.public_token]))
    assert r.status_code == 410
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.EXPIRED
    assert events(w.deal, EventKind.PROPOSAL_EXPIRED)


def test_decline_through_the_page_needs_a_reason(w):
    proposal = make_sent(w)
    c = client()
    url = reverse("proposal_public_decline", args=[proposal.public_token])
    before = snapshot()
    assert c.post(url, {"reason": ""}).status_code == 400
    assert snapshot() == before
    assert c.post(url, {"reason": "Нашли дешевле"}).status_code == 302
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.DECLINED
    assert 'id="declined"' in c.get(reverse("proposal_public", args=[proposal.public_token])).content.decode()


@pytest.fixture
def one_window(monkeypatch):
    """The limiter counts in fixed windows of wall-clock time; a window boundary falling between a
    test's requests would reset the count. Hold the limiter's clock in the middle of one window."""
    import dealbook.sales.ratelimit as rl

    now = 1_800_000_000 + 30.0  # 30 s into a 60 s window, well inside a 600 s one
    monkeypatch.setattr(rl, "_now", lambda: now)


def test_rate_limit_answers_429_per_ip(w, one_window):
    proposal = make_sent(w)
    views, _window = LIMITS["view"]
    c = client()
    url = reverse("proposal_public_pdf", args=[proposal.public_token])
    codes = [c.get(url).status_code for _ in range(views + 1)]
    assert codes[:views] == [200] * views and codes[-1] == 429
    other_ip = Client(REMOTE_ADDR="198.51.100.99")
    assert other_ip.get(url).status_code == 200


def test_rate_limit_on_sign_attempts_answers_429_and_changes_nothing(w, one_window):
    proposal = make_sent(w)
    answers, _window = LIMITS["answer"]
    c = client()
    url = reverse("proposal_public_accept", args=[proposal.public_token])
    before = snapshot()
    codes = [
        c.post(url, {"signer_name": "", "document_sha256": "0" * 64}).status_code for _ in range(answers + 1)
    ]
    assert codes[:answers] == [400] * answers and codes[-1] == 429
    digest = pdf_sha256(proposal_pdf(Proposal.objects.get(pk=proposal.pk))[0])
    r = c.post(url, {"signer_name": "Роман Сидоров", "consent": "on", "document_sha256": digest})
    assert r.status_code == 429
    assert snapshot() == before


def test_rate_limit_counts_in_redis_when_configured_so_all_workers_share_it(w, settings, one_window):
    """Q2 public pages: with REDIS_URL the counters live in Redis, where every server process
    (and every server) sees the same count — a second process opening a connection reads it."""
    import uuid

    import redis
    from django.core.cache import caches

    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": prefix,
        }
    }
    proposal = make_sent(w)
    views, _window = LIMITS["view"]
    url = reverse("proposal_public_pdf", args=[proposal.public_token])
    c = client()
    try:
        codes = [c.get(url).status_code for _ in range(views + 1)]
        assert codes[:views] == [200] * views and codes[-1] == 429
        other = redis.Redis.from_url("redis://127.0.0.1:6379/15")  # another worker's connection
        keys = other.keys(f"{prefix}:*")
        assert keys and max(int(other.get(k)) for k in keys) >= views
    finally:
        caches["default"].clear()
