"""E-mail templates (I8): placeholder validation at the field, seller's → default → lazily created
default, plain-text rendering, the settings pages for administrators and accountants."""

import pytest
from django.core import mail

from dealbook.billing.models import EmailTemplate
from dealbook.billing.services import invoice_email
from dealbook.billing.services.email_templates import (
    email_template_for,
    email_template_save,
    email_templates_create_default,
    render,
)
from dealbook.core.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_unknown_placeholders_are_refused_naming_them_at_the_field(w):
    with pytest.raises(InvalidInput) as exc:
        email_template_save(
            actor=w.admin, kind="invoice", language="en", subject="Invoice {number} {colour}", body="Hi"
        )
    assert exc.value.field == "subject" and "{colour}" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        email_template_save(
            actor=w.admin,
            kind="invoice",
            language="en",
            subject="Invoice",
            body="Pay {amount} by {valid_until}",
        )
    assert (
        exc.value.field == "body" and "{amount}" in exc.value.message and "{valid_until}" in exc.value.message
    )
    for body in ("Pay {total", "{number.__class__}", "{number!r}", "{0}"):
        with pytest.raises(InvalidInput) as exc:
            email_template_save(actor=w.admin, kind="invoice", language="en", subject="s", body=body)
        assert exc.value.field == "body"
    assert not EmailTemplate.objects.exists()


def test_only_administrators_and_accountants_edit(w):
    with pytest.raises(Forbidden):
        email_template_save(actor=w.manager, kind="invoice", language="en", subject="s", body="b")
    saved = email_template_save(
        actor=w.accountant, kind="proposal", language="en", subject="Proposal {number}", body="See {link}"
    )
    assert saved.pk and saved.updated_by == w.accountant


def test_template_for_prefers_the_sellers_then_the_default_created_on_first_use(w):
    default = email_template_for("invoice", "ru")
    assert default.seller is None and default.subject.startswith("Счёт № {number}")
    assert email_template_for("invoice", "ru", w.own) == default
    own = email_template_save(
        actor=w.admin,
        kind="invoice",
        language="ru",
        seller=w.own,
        subject="Счёт {number} от ВЕСТ",
        body="Тело",
    )
    assert email_template_for("invoice", "ru", w.own) == own
    assert email_template_for("invoice", "de") is None
    assert len(email_templates_create_default()) == 6
    assert EmailTemplate.objects.filter(seller__isnull=True).count() == 6


def test_render_is_plain_text_and_escapes_nothing(w):
    template = EmailTemplate(
        kind="invoice", language="en", subject="{number}", body="<b>{customer}</b> {due_date}"
    )
    subject, body = render(template, {"number": "2018 / 943", "customer": 'ООО "Рога & Копыта"'})
    assert subject == "2018 / 943" and body == '<b>ООО "Рога & Копыта"</b> '


def test_invoice_email_uses_the_sellers_template(w, invoice):
    """I8: without an explicit subject and body the mail takes the seller's template, filled in."""
    email_template_save(
        actor=w.admin,
        kind="invoice",
        language="ru",
        seller=w.own,
        subject="Счёт {number} для {customer}",
        body="Оплатите {total} до {due_date}. {link}",
    )
    invoice_email(actor=w.manager, invoice=invoice, to=["sl-cc@ya.ru"])
    message = mail.outbox[-1]
    assert message.subject == f"Счёт {invoice.number} для ЭЛЕКСИС ООО"
    assert "4 000.00 RUB" in message.body and f"/i/{invoice.public_token}/" in message.body


def test_settings_pages_for_the_right_roles(w, client_as):
    for user in (w.admin, w.accountant):
        html = client_as(user).get("/settings/email-templates/").content.decode()
        assert "Счёт № {number} от {date}" in html
    assert client_as(w.manager).get("/settings/email-templates/").status_code == 403
    assert client_as(w.manager).get("/settings/email-templates/invoice/ru/").status_code == 403


def test_edit_page_shows_placeholders_and_errors_at_the_field(w, client_as):
    client = client_as(w.admin)
    page = client.get("/settings/email-templates/invoice/en/").content.decode()
    assert "{due_date}" in page and "{link}" in page
    refused = client.post("/settings/email-templates/invoice/en/", {"subject": "Hi {nope}", "body": "ok"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="et-subject-error"' in html and "{nope}" in html and 'value="Hi {nope}"' in html
    saved = client.post(
        f"/settings/email-templates/invoice/en/?seller={w.own.pk}", {"subject": "Inv {number}", "body": "B"}
    )
    assert saved.status_code == 302
    assert EmailTemplate.objects.get(seller=w.own).subject == "Inv {number}"
    assert client.get("/settings/email-templates/letter/en/").status_code == 400
