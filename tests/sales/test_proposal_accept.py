"""Q2 the client's simple electronic signature and Q3 the invoice it generates.

Every refused attempt — empty name, no consent, a changed document, an expired or altered link,
signing twice — leaves everything as it was."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from dealbook.accounts.models import Notification
from dealbook.billing.models import Invoice, InvoiceLine, InvoiceStatus
from dealbook.core.errors import InvalidInput, NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.sales import services as svc
from dealbook.sales.models import Proposal, ProposalLine, ProposalSignature, ProposalStatus
from dealbook.sales.printing import pdf_sha256, proposal_pdf
from dealbook.sales.services.lifecycle import LinkExpired
from tests.sales.conftest import SEED_TOTAL, events, make_proposal, make_sent, shown_hash, snapshot

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


def accept(proposal, **kw):
    args = {
        "token": proposal.public_token,
        "signer_name": "Роман Петрович Сидоров",
        "consent": True,
        "document_sha256": shown_hash(proposal),
        "ip": "203.0.113.7",
        "user_agent": UA,
    }
    args.update(kw)
    return svc.proposal_accept(**args)


def test_q2_signature_stores_name_consent_time_ip_agent_and_hash(w):
    proposal = make_sent(w)
    digest = shown_hash(proposal)
    accept(proposal)
    proposal = Proposal.objects.get(pk=proposal.pk)
    sig = proposal.signature
    assert proposal.status == ProposalStatus.ACCEPTED
    assert (sig.signer_name, sig.consent, sig.ip, sig.user_agent) == (
        "Роман Петрович Сидоров",
        True,
        "203.0.113.7",
        UA,
    )
    assert sig.document_sha256 == digest == pdf_sha256(proposal_pdf(proposal)[0])
    assert abs(timezone.now() - sig.signed_at) < dt.timedelta(minutes=5)


def test_q2_signed_pdf_is_the_document_plus_a_certificate_page(w):
    proposal = make_sent(w)
    document = PdfReader(io.BytesIO(proposal_pdf(proposal)[0]))
    accept(proposal)
    assert not Proposal.objects.get(pk=proposal.pk).signature.signed_pdf  # accepting renders nothing
    sig = svc.proposal_signed_copy(proposal=Proposal.objects.get(pk=proposal.pk))  # the first download
    with sig.signed_pdf.open("rb") as fh:
        signed = PdfReader(io.BytesIO(fh.read()))
    assert len(signed.pages) == len(document.pages) + 1
    certificate = signed.pages[-1].extract_text().replace("\n", " ")
    assert sig.document_sha256 in certificate.replace(" ", "") or sig.document_sha256 in certificate
    assert "203.0.113.7" in certificate and proposal.number in certificate
    assert 'ООО "ВЕСТ ГРУПП"' in certificate and "Роман Петрович Сидоров" in certificate


def test_q2_the_signed_copy_is_made_once_from_the_signature_record_and_kept(w):
    proposal = make_sent(w)
    accept(proposal)
    w.own.legal_name = "Другое название"  # the certificate states what was fixed at signing
    w.own.save()
    proposal = Proposal.objects.get(pk=proposal.pk)
    first = svc.proposal_signed_copy(proposal=proposal)
    with first.signed_pdf.open("rb") as fh:
        copy = fh.read()
    again = svc.proposal_signed_copy(proposal=Proposal.objects.get(pk=proposal.pk))
    assert again.signed_pdf.name == first.signed_pdf.name
    with again.signed_pdf.open("rb") as fh:
        assert fh.read() == copy
    certificate = PdfReader(io.BytesIO(copy)).pages[-1].extract_text()
    assert "ВЕСТ ГРУПП" in certificate and "Другое название" not in certificate


def test_q2_the_certificate_page_is_deterministic(w):
    from dealbook.sales.printing import certificate_pdf

    proposal = make_sent(w)
    accept(proposal)
    sig = Proposal.objects.get(pk=proposal.pk).signature
    assert certificate_pdf(sig) == certificate_pdf(ProposalSignature.objects.get(pk=sig.pk))


def test_q2_no_signed_copy_of_a_document_changed_after_signing(w):
    proposal = make_sent(w)
    accept(proposal)
    proposal = Proposal.objects.get(pk=proposal.pk)
    with open(proposal.document.path, "ab") as fh:
        fh.write(b"%% appended")
    with pytest.raises(RuleViolation) as err:
        svc.proposal_signed_copy(proposal=proposal)
    assert err.value.code == "document_changed"
    assert not ProposalSignature.objects.get(proposal=proposal).signed_pdf


def test_q2_an_unsigned_proposal_has_no_signed_copy(w):
    with pytest.raises(NotFound):
        svc.proposal_signed_copy(proposal=make_sent(w))


def test_q3_acceptance_generates_the_invoice_in_new_with_the_same_lines(w):
    proposal = make_sent(w)
    accept(proposal)
    proposal = Proposal.objects.get(pk=proposal.pk)
    invoice = proposal.invoice
    assert invoice is not None and invoice.status == InvoiceStatus.NEW
    assert (
        (invoice.total, invoice.tax, invoice.net)
        == (proposal.total, proposal.tax, proposal.net)
        == (SEED_TOTAL, proposal.tax, proposal.net)
    )
    assert (invoice.seller, invoice.payer_company, invoice.currency, invoice.deal) == (
        proposal.seller,
        proposal.payer_company,
        proposal.currency,
        w.deal,
    )
    fields = ("name", "quantity", "unit_id", "price", "discount_kind", "discount_value", "tax_rate", "total")
    ours = list(ProposalLine.objects.filter(proposal=proposal).order_by("sort", "id").values_list(*fields))
    theirs = list(InvoiceLine.objects.filter(invoice=invoice).order_by("sort", "id").values_list(*fields))
    assert ours == theirs


def test_q3_the_manager_is_notified_and_both_timelines_are_written(w):
    proposal = make_sent(w)
    accept(proposal)
    proposal.refresh_from_db()
    note = Notification.objects.get(user=w.manager, kind="proposal_accepted")
    assert proposal.number in note.text and proposal.invoice.number in note.text
    for subject in (proposal, w.deal):
        (event,) = events(subject, EventKind.PROPOSAL_ACCEPTED)
        assert event.data["invoice_number"] == proposal.invoice.number
        assert event.data["signer"] == "Роман Петрович Сидоров"


def refused(proposal, exc_type, **kw):
    before = snapshot()
    with pytest.raises(exc_type) as err:
        accept(proposal, **kw)
    assert snapshot() == before
    assert not Invoice.objects.exists()
    return err.value


@pytest.mark.parametrize("name", ["", "   ", "Я"])
def test_q2_empty_name_is_refused_and_nothing_changes(w, name):
    error = refused(make_sent(w), InvalidInput, signer_name=name)
    assert error.field == "signer_name"


@pytest.mark.parametrize("consent", [False, None, "yes"])
def test_q2_no_consent_is_refused_and_nothing_changes(w, consent):
    error = refused(make_sent(w), InvalidInput, consent=consent)
    assert error.field == "consent"


def test_q2_a_stored_document_altered_on_disk_is_refused_and_nothing_changes(w):
    proposal = make_sent(w)
    shown = shown_hash(proposal)
    with open(proposal.document.path, "r+b") as fh:  # the bytes behind the recorded hash changed
        fh.seek(-8, 2)
        fh.write(b"tampered")
    error = refused(proposal, RuleViolation, document_sha256=shown)
    assert error.code == "document_changed"


def test_q2_a_replaced_document_is_refused_and_nothing_changes(w):
    from dealbook.sales.printing import store_document

    proposal = make_sent(w)
    shown = shown_hash(proposal)
    w.own.legal_name = 'ООО "ВЕСТ ГРУПП" (новое название)'
    w.own.save()
    replaced = Proposal.objects.get(pk=proposal.pk)
    store_document(replaced)  # another document stored since the page was opened
    replaced.save()
    assert replaced.document_sha256 != shown
    error = refused(proposal, RuleViolation, document_sha256=shown)
    assert error.code == "document_changed"
    error = refused(proposal, RuleViolation, document_sha256="0" * 64)
    assert error.code == "document_changed"


def test_q1_after_sending_the_document_no_longer_changes(w):
    """The PDF is rendered once when sent: later edits elsewhere (the seller's name) do not alter
    what the client sees and signs."""
    proposal = make_sent(w)
    stored, digest = proposal_pdf(proposal)[0], proposal.document_sha256
    assert digest == pdf_sha256(stored)
    w.own.legal_name = 'ООО "ВЕСТ ГРУПП" (новое название)'
    w.own.save()
    again = Proposal.objects.get(pk=proposal.pk)
    assert proposal_pdf(again)[0] == stored and shown_hash(again) == digest
    accept(again, document_sha256=digest)
    assert Proposal.objects.get(pk=proposal.pk).signature.document_sha256 == digest


def test_q2_expired_link_is_refused_and_nothing_changes(w):
    proposal = make_sent(w)
    Proposal.objects.filter(pk=proposal.pk).update(link_expires_at=timezone.now() - dt.timedelta(seconds=1))
    proposal.refresh_from_db()
    refused(proposal, LinkExpired)


def test_q2_past_validity_is_refused_and_nothing_changes(w):
    proposal = make_sent(w)
    Proposal.objects.filter(pk=proposal.pk).update(valid_until=dt.date.today() - dt.timedelta(days=1))
    refused(proposal, LinkExpired)


def test_q2_altered_token_is_not_found_and_nothing_changes(w):
    proposal = make_sent(w)
    token = proposal.public_token
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    error = refused(proposal, NotFound, token=altered)
    assert error.status == 404
    refused(proposal, NotFound, token="")


def test_q2_a_draft_cannot_be_signed(w):
    proposal = make_proposal(w)
    refused(proposal, NotFound)


def test_q2_signing_twice_is_refused_and_nothing_changes(w):
    proposal = make_sent(w)
    accept(proposal)
    before = snapshot()
    with pytest.raises(RuleViolation) as err:
        accept(proposal, signer_name="Someone Else")
    assert err.value.code == "proposal_signed"
    assert snapshot() == before
    assert Invoice.objects.count() == 1


def test_q3_an_unsigned_proposal_never_generates_an_invoice(w):
    proposal = make_sent(w)
    svc.proposal_public_open(token=proposal.public_token, ip="203.0.113.7")  # viewed, not signed
    svc.proposal_expire(proposal=proposal, today=proposal.valid_until + dt.timedelta(days=1))
    declined = make_sent(w)
    svc.proposal_decline(token=declined.public_token, reason="Дорого")
    assert not Invoice.objects.exists()
    assert Proposal.objects.get(pk=proposal.pk).invoice is None


def test_q3_if_billing_refuses_the_signature_stands_and_the_manager_is_told(w):
    proposal = make_sent(w)
    w.ring.is_active = False  # withdrawn from the catalog after the proposal was sent
    w.ring.save()
    accept(proposal)
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.invoice is None
    assert not Invoice.objects.exists()
    note = Notification.objects.get(user=w.manager, kind="proposal_accepted")
    assert "could not" in note.text
    (event,) = events(proposal, EventKind.PROPOSAL_ACCEPTED)
    assert event.data["invoice_error"]


def test_q1_decline_needs_a_reason_and_notifies_the_manager(w):
    proposal = make_sent(w)
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        svc.proposal_decline(token=proposal.public_token, reason="  ")
    assert err.value.field == "reason" and snapshot() == before
    svc.proposal_decline(token=proposal.public_token, reason="Нашли дешевле", ip="203.0.113.7")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DECLINED and proposal.decline_reason == "Нашли дешевле"
    assert Notification.objects.filter(user=w.manager, kind="proposal_declined").exists()
    assert events(w.deal, EventKind.PROPOSAL_DECLINED)
    with pytest.raises(RuleViolation):
        accept(proposal)


def test_q1_first_open_sets_viewed_once(w):
    proposal = make_sent(w)
    svc.proposal_public_open(token=proposal.public_token, ip="203.0.113.7", user_agent=UA)
    svc.proposal_public_open(token=proposal.public_token, ip="203.0.113.7", user_agent=UA)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VIEWED and proposal.viewed_at is not None
    assert len(events(proposal, EventKind.PROPOSAL_VIEWED)) == 1
    assert len(events(w.deal, EventKind.PROPOSAL_VIEWED)) == 1
    accept(proposal)  # Viewed → Accepted
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.ACCEPTED


def test_q1_opening_after_validity_expires_lazily(w):
    proposal = make_sent(w)
    Proposal.objects.filter(pk=proposal.pk).update(valid_until=dt.date.today() - dt.timedelta(days=1))
    with pytest.raises(LinkExpired):
        svc.proposal_public_open(token=proposal.public_token)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED
    assert len(events(proposal, EventKind.PROPOSAL_EXPIRED)) == 1
