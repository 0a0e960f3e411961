"""E-mailing an invoice (I8): the PDF attached, sending sets Sent (I5) and advances the deal (I7);
refusals — guards, no address, a mail server that fails — change nothing and send nothing."""

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from dealbook.billing.models import InvoiceStatus
from dealbook.billing.services import invoice_cancel, invoice_email
from dealbook.billing.services.mail import DeliveryFailed
from dealbook.core.errors import InvalidInput, RuleViolation
from dealbook.crm.models import ContactPoint
from tests.billing.conftest import events, make_invoice, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def addressed(w):
    ContactPoint.objects.create(
        company=w.buyer, kind="email", value="elecsys@list.ru", normalized="elecsys@list.ru"
    )
    return w


def test_i8_email_attaches_the_pdf_and_sets_sent(addressed, invoice):
    w = addressed
    invoice_email(actor=w.manager, invoice=invoice)
    [message] = mail.outbox
    assert message.to == ["elecsys@list.ru"]
    # the document's language (a Russian seller): the date as printed on the invoice
    assert "2018 / 1" in message.subject and "12 мая 2018 г." in message.subject
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("invoice-2018-1.pdf", "application/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Четыре тысячи рублей 00 копеек" in text
    invoice.refresh_from_db()
    w.deal.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and w.deal.stage.code == "invoice_issued"
    [sent] = events(w.deal, "email_sent")
    assert sent.data["to"] == ["elecsys@list.ru"]


def test_email_again_to_a_given_address_keeps_sent(addressed, invoice):
    w = addressed
    invoice_email(actor=w.manager, invoice=invoice)
    invoice_email(actor=w.manager, invoice=invoice, to=["sl-cc@ya.ru"], subject="Повторно", language="en")
    assert [m.to for m in mail.outbox] == [["elecsys@list.ru"], ["sl-cc@ya.ru"]]
    assert mail.outbox[1].subject == "Повторно"
    assert len(events(invoice, "status_changed")) == 1


def test_guards_refuse_before_any_mail(addressed):
    """I4: unconfirmed parties — no mail, nothing changed."""
    invoice = make_invoice(addressed, confirmed=False)
    before = snapshot()
    with pytest.raises(RuleViolation):
        invoice_email(actor=addressed.manager, invoice=invoice)
    assert mail.outbox == [] and snapshot() == before


def test_no_address_or_a_bad_one_is_refused(w, invoice):
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        invoice_email(actor=w.manager, invoice=invoice)
    assert err.value.field == "to"
    with pytest.raises(InvalidInput):
        invoice_email(actor=w.manager, invoice=invoice, to=["not an address"])
    assert mail.outbox == [] and snapshot() == before


def test_cancelled_invoice_is_not_emailed(addressed, invoice):
    invoice_cancel(actor=addressed.manager, invoice=invoice)
    with pytest.raises(InvalidInput):
        invoice_email(actor=addressed.manager, invoice=invoice)
    assert mail.outbox == []


def test_a_failing_mail_server_changes_nothing(addressed, invoice, settings):
    """A real SMTP connection to a closed port: 502 mail_failed, the invoice stays New."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    before = snapshot()
    with pytest.raises(DeliveryFailed) as err:
        invoice_email(actor=addressed.manager, invoice=invoice)
    assert err.value.status == 502
    assert snapshot() == before
