"""I5 status names as the user reads them: an invoice's statuses are translated in the context
"invoice status", so Russian can agree them with "счёт" (Отменён) while the same English word said
of a proposal or a deal (Отменено, Отменена) keeps its own translation."""

from django.utils import translation

from dealbook.billing.models import ClosingStatus, InvoiceStatus

S = InvoiceStatus
ENGLISH = {
    S.NEW: "New",
    S.ON_APPROVAL: "On approval",
    S.APPROVED: "Approved",
    S.SENT: "Sent",
    S.PAID: "Paid",
    S.PAID_SHIPPED: "Paid and shipped",
    S.CANCELLED: "Cancelled",
    S.REFUNDED: "Refunded",
    S.EXPORTED: "Exported",
}


def test_i5_every_invoice_status_has_its_english_name():
    assert set(ENGLISH) == set(InvoiceStatus)
    with translation.override("en"):
        assert {s: str(s.label) for s in InvoiceStatus} == ENGLISH


RUSSIAN = {
    S.NEW: "Новый",
    S.ON_APPROVAL: "На согласовании",
    S.APPROVED: "Согласован",
    S.SENT: "Отправлен",
    S.PAID: "Оплачен",
    S.PAID_SHIPPED: "Оплачен и отгружен",
    S.CANCELLED: "Отменён",
    S.REFUNDED: "Возвращён",
    S.EXPORTED: "Выгружен",
}


def test_i5_invoice_status_labels_agree_with_invoice_in_russian():
    """Looked up in the "invoice status" context: masculine, agreeing with "счёт"."""
    with translation.override("ru"):
        assert {s: str(s.label) for s in InvoiceStatus} == RUSSIAN


def test_i5_cancelled_invoice_is_not_the_plain_cancelled():
    """The context keeps "Отменён" (счёт) apart from an uncontexted "Cancelled"."""
    with translation.override("ru"):
        assert str(InvoiceStatus.CANCELLED.label) == "Отменён"
        assert translation.gettext("Cancelled") != "Отменён"


def test_x1_closing_document_statuses_have_their_own_context():
    with translation.override("ru"):
        assert str(ClosingStatus.RECEIVED_SIGNED.label) == "Получен подписанным"
        assert translation.pgettext("closing document status", "Issued") == str(ClosingStatus.ISSUED.label)
