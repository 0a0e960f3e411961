"""I8/I5 through a real SMTP server: the invoice is e-mailed over a socket to a local aiosmtpd
server, and the message that arrives is parsed back — PDF attachment, recipient, subject — while
the invoice becomes Sent and the deal's timeline records the e-mail. A server that refuses the
connection gives the 502 DeliveryFailed and changes nothing."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from dealbook.billing.models import InvoiceStatus
from dealbook.billing.services import invoice_email
from dealbook.billing.services.mail import DeliveryFailed
from dealbook.crm.models import ContactPoint
from tests.billing.conftest import events, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CLIENT = "elecsys@list.ru"


class Collector:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 with Django's SMTP backend pointed at it."""
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 10
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "billing@west-group.test"
    yield handler
    controller.stop()


@pytest.fixture
def addressed(w):
    ContactPoint.objects.create(company=w.buyer, kind="email", value=CLIENT, normalized=CLIENT)
    return w


def test_i8_invoice_mail_arrives_over_smtp_with_its_pdf(smtp_server, addressed, invoice):
    """I8: the PDF travels as an application/pdf attachment named after the invoice number; I5 the
    invoice is Sent; I7 the deal's timeline has the e-mail and the deal is at "Invoice issued"."""
    w = addressed
    invoice_email(actor=w.manager, invoice=invoice)

    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "billing@west-group.test"
    assert envelope.rcpt_tos == [CLIENT]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert message["To"] == CLIENT
    subject = str(message["Subject"])
    assert "2018 / 1" in subject and "12 мая 2018 г." in subject  # the document's language (ru)
    [attachment] = [part for part in message.iter_attachments()]
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "invoice-2018-1.pdf"
    assert "2018-1" in attachment.get_filename() and invoice.number == "2018 / 1"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "2018 / 1" in body

    invoice.refresh_from_db()
    w.deal.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT and invoice.sent_at is not None
    assert w.deal.stage.code == "invoice_issued"
    [sent] = events(w.deal, "email_sent")
    assert sent.data["to"] == [CLIENT] and sent.data["attachment"] == "invoice-2018-1.pdf"


def test_i5_unreachable_smtp_server_gives_502_and_changes_nothing(addressed, invoice, settings):
    """I5/I8: a closed port refuses the connection — DeliveryFailed (502, mail_failed); the invoice
    stays New, the deal keeps its stage, no event is written."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 5
    before = snapshot()
    with pytest.raises(DeliveryFailed) as err:
        invoice_email(actor=addressed.manager, invoice=invoice)
    assert (err.value.status, err.value.code, err.value.field) == (502, "mail_failed", "to")
    assert snapshot() == before
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.NEW


def test_i5_smtp_server_refusing_the_recipient_changes_nothing(smtp_server, addressed, invoice):
    """A server that answers but refuses the message (550) is a failed delivery too: 502, nothing
    changed, and the server kept nothing."""

    async def refuse(server, session, envelope):
        return "550 Mailbox unavailable"

    smtp_server.handle_DATA = refuse
    before = snapshot()
    with pytest.raises(DeliveryFailed):
        invoice_email(actor=addressed.manager, invoice=invoice)
    assert snapshot() == before and smtp_server.envelopes == []
