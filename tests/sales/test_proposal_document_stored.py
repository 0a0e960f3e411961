"""Q1/Q2: the proposal PDF is rendered once, when the proposal leaves Draft, and stored with its
SHA-256; the e-mail, the client's page, the downloads and the signature use the stored bytes.
Drafts are rendered on demand (the preview); the signed copy is made on its first download."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from dealbook.sales import printing
from dealbook.sales import services as svc
from dealbook.sales.models import Proposal
from tests.sales.conftest import make_proposal, make_sent, snapshot


@pytest.fixture
def renders(monkeypatch):
    """Every Typst render of the sales print forms, by form name."""
    seen = []
    real = printing.render_pdf

    def counting(form, *args, **kwargs):
        seen.append(form)
        return real(form, *args, **kwargs)

    monkeypatch.setattr(printing, "render_pdf", counting)
    return seen


def test_q2_sending_stores_the_document_and_its_hash_and_mails_those_bytes(w):
    proposal = make_sent(w)
    with proposal.document.open("rb") as fh:
        stored = fh.read()
    assert stored.startswith(b"%PDF") and proposal.document_sha256 == printing.pdf_sha256(stored)
    ((_name, attached, _mime),) = mail.outbox[0].attachments
    assert attached == stored


def test_q2_the_whole_answer_renders_the_proposal_once(w, renders):
    proposal = make_proposal(w)
    svc.proposal_send(actor=w.manager, proposal=proposal, base_url="http://testserver")
    assert renders == ["proposal_ru"]
    proposal.refresh_from_db()
    c = Client(REMOTE_ADDR="198.51.100.20")
    page = c.get(reverse("proposal_public", args=[proposal.public_token])).content.decode()
    digest = re.search(r'name="document_sha256" value="([0-9a-f]{64})"', page).group(1)
    pdf = c.get(reverse("proposal_public_pdf", args=[proposal.public_token]))
    assert printing.pdf_sha256(pdf.content) == digest == proposal.document_sha256
    svc.proposal_send(actor=w.manager, proposal=proposal, base_url="http://testserver")  # again
    r = c.post(
        reverse("proposal_public_accept", args=[proposal.public_token]),
        {"signer_name": "Роман Сидоров", "consent": "on", "document_sha256": digest},
    )
    assert r.status_code == 302
    assert renders == ["proposal_ru"]  # sent, viewed, downloaded, sent again, signed: one render
    signed = c.get(reverse("proposal_public_signed", args=[proposal.public_token]))
    assert signed.status_code == 200 and b"".join(signed.streaming_content).startswith(b"%PDF")
    c.get(reverse("proposal_public_signed", args=[proposal.public_token]))
    assert renders == ["proposal_ru", "proposal_certificate"]  # the certificate, once


def test_q1_a_draft_is_rendered_on_demand_and_stores_nothing(w, renders):
    proposal = make_proposal(w)
    first = printing.proposal_pdf(proposal)[0]
    assert first.startswith(b"%PDF") and renders == ["proposal_ru"]
    printing.proposal_pdf(proposal)
    assert len(renders) == 2
    proposal.refresh_from_db()
    assert not proposal.document and proposal.document_sha256 == ""


def test_q2_the_manager_download_serves_the_stored_document(w):
    proposal = make_sent(w)
    c = Client()
    c.force_login(w.manager)
    r = c.get(reverse("proposal_pdf", args=[proposal.pk]))
    with proposal.document.open("rb") as fh:
        assert r.status_code == 200 and r.content == fh.read()


def test_q2_a_refused_delivery_leaves_no_stored_document(w, settings, tmp_path):
    settings.EMAIL_BACKEND = "tests.sales.test_proposal_send.BrokenBackend"
    proposal = make_proposal(w)
    before = snapshot()
    with pytest.raises(Exception) as err:
        svc.proposal_send(actor=w.manager, proposal=proposal)
    assert getattr(err.value, "status", None) == 502
    assert snapshot() == before and not Proposal.objects.get(pk=proposal.pk).document
    stored = tmp_path / "media" / "proposals" / "documents" / str(proposal.pk)
    assert not stored.exists() or not any(stored.iterdir())


def test_q2_a_proposal_sent_before_documents_were_stored_is_stored_at_signing(w):
    """Sent before this change: no stored bytes; the page's hash is that of the render, and
    signing checks it, then keeps the document for the signed copy."""
    proposal = make_sent(w)
    proposal.document.delete(save=False)
    Proposal.objects.filter(pk=proposal.pk).update(document="", document_sha256="")
    proposal = Proposal.objects.get(pk=proposal.pk)
    digest = printing.document_sha256(proposal)
    svc.proposal_accept(
        token=proposal.public_token, signer_name="Роман Сидоров", consent=True, document_sha256=digest
    )
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.document_sha256 == digest == proposal.signature.document_sha256
    assert svc.proposal_signed_copy(proposal=proposal).signed_pdf


def test_q2_a_signature_recorded_before_the_certificate_fields_still_gets_its_certificate(w):
    import io

    from pypdf import PdfReader

    from dealbook.sales.models import ProposalSignature

    proposal = make_sent(w)
    svc.proposal_accept(
        token=proposal.public_token,
        signer_name="Роман Сидоров",
        consent=True,
        document_sha256=proposal.document_sha256,
        ip="203.0.113.7",
    )
    ProposalSignature.objects.filter(proposal=proposal).update(language="", document_label="", seller_name="")
    signature = svc.proposal_signed_copy(proposal=Proposal.objects.get(pk=proposal.pk))
    with signature.signed_pdf.open("rb") as fh:
        certificate = PdfReader(io.BytesIO(fh.read())).pages[-1].extract_text()
    assert proposal.number in certificate and "ВЕСТ ГРУПП" in certificate
