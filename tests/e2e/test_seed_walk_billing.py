"""Seed 002, steps 43–61, walked in a real browser over the demo data (issue 4, "Done when").

Picks up where tests/e2e/test_seed_walk.py ends: the demo's seed deal No. 37924 "01/12.05 КС, ФБС
тест" is at "Озвучена цена" with 4 000.00, VAT 18 % included 610.17, bound to ЭЛЕКСИС ООО. The
sales manager grakun makes the invoice from the deal, confirms supplier and carrier, e-mails it,
is refused Won while it is unpaid (D7), records the client's payment, gets the UPD back signed and
only then wins the deal — through the pages only. tests/test_scenario_seed.py walks the same steps
through the API.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from dealbook.activities.models import Task
from dealbook.billing.models import Invoice
from dealbook.crm.models import Deal, DealContact
from tests.e2e.walk import hx_ready, open_tab, sign_in, snap

pytestmark = pytest.mark.e2e

SEED_DEAL = 37924


def test_seed_002_steps_43_to_61_invoice_payment_upd_and_won_through_the_pages(page, demo):  # noqa: PLR0915
    """I2, I4, I5, I6, I7, X1, X3 and D7 in the order seed 002 walks them: the invoice from the deal
    (the company pays by bank transfer) → supplier and carrier confirmed → sent by e-mail (the deal
    follows to "Счёт выставлен") → Won refused, naming the unpaid invoice → paid in full → UPD
    received signed (the list shows it) → Won."""
    from playwright.sync_api import expect

    deal_url = page.base + f"/deals/{SEED_DEAL}/"
    sent_before = len(mail.outbox)  # the demo e-mailed its proposal already
    demo_invoices = set(Invoice.objects.filter(deal_id=SEED_DEAL).values_list("pk", flat=True))
    sign_in(page, "grakun", demo["password"])

    # The start: the demo's seed deal where the first walk ended — "Озвучена цена", 4 000.00.
    page.goto(deal_url)
    expect(page.locator("#deal-head .stage-badge")).to_have_text("Озвучена цена")
    expect(page.locator("#deal-head .amount")).to_have_text(re.compile(r"4,000\.00"))

    # Step 43: the invoice is made from the deal — its Invoices tab ("СЧЕТА"), "New invoice from
    # deal". (The demo already holds the seed's own draft No. 2018 / 943; the manager makes a new
    # one.) The payer is the deal's company, ЭЛЕКСИС ООО — a company pays by bank transfer (I2).
    open_tab(page, "Invoices")
    page.locator("#deal-invoices").get_by_role("link", name="New invoice from deal").click()
    page.wait_for_url(f"**/invoices/new/?deal={SEED_DEAL}")
    form = page.locator("#invoice-new")
    expect(form.locator("#new-seller option:checked")).to_have_text('ООО "ВЕСТ ГРУПП"')
    form.locator("#new-payer-company").select_option(label="ЭЛЕКСИС ООО")
    # Steps 44–45, 48–49: the lines come from the deal (quantities, prices, VAT checked here);
    # the print form is the seller's bank-transfer one, the due date stays open.
    expect(form.locator("table.grid tbody")).to_contain_text("Кольцо стеновое КС 10-3")
    expect(form.locator("table.grid tbody")).to_contain_text("фундаментный блок ФБС 9-5-3т")
    with page.expect_navigation():
        form.get_by_role("button", name="Create invoice").click()
    page.wait_for_url(re.compile(r"/invoices/\d+/$"))
    invoice_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert invoice_id not in demo_invoices

    # Step 50: the invoice is "New", 4 000.00 with the deal's VAT; the payer pays by bank transfer.
    card = page.locator("#invoice")
    expect(card).to_have_attribute("data-status", "new")
    number = page.locator("#invoice-head h1").inner_text().removeprefix("№ ").strip()
    expect(page.locator("#invoice-head .amount")).to_have_text(re.compile(r"4,000\.00"))
    expect(page.locator("#invoice-lines, #invoice").first).to_contain_text("610.17")
    details = page.locator("#invoice-details")
    expect(details).to_contain_text("ЭЛЕКСИС ООО")
    expect(details.locator("[data-payment-form]")).to_have_attribute("data-payment-form", "bank_transfer")
    snap(page, "billing-50-invoice-new")

    # Steps 46–47: the carrier and the supplier. Not known yet at this point, so — as the manual
    # says — ООО "ВЕСТ ГРУПП" for both, and confirmed as the actual ones (I4: required before the
    # invoice is sent or paid; they stay editable until a UPD is requested).
    parties = page.locator("#invoice-parties")
    parties.locator("#inv-supplier").select_option(label='ООО "ВЕСТ ГРУПП"')
    parties.locator("#inv-carrier").select_option(label='ООО "ВЕСТ ГРУПП"')
    parties.locator("#inv-confirmed").check()
    hx_ready(page, parties.get_by_role("button", name="Save")).click()
    # the card comes back with the change on its timeline (the box was ticked before the save)
    expect(page.locator("#invoice-timeline")).to_contain_text("confirmed")
    expect(page.locator("#invoice-parties #inv-confirmed")).to_be_checked()
    expect(page.locator("#invoice-parties #inv-carrier option:checked")).to_have_text('ООО "ВЕСТ ГРУПП"')

    # Step 51: the invoice goes to the contact by e-mail from the card's dialog, prefilled with the
    # company's address; it becomes "Sent" (I5, I8).
    hx_ready(page, page.locator("#invoice-head").get_by_role("button", name="Send by e-mail")).click()
    dialog = page.locator("#email-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#mail-to")).to_have_value(re.compile("elecsys@list.ru"))
    hx_ready(page, dialog.get_by_role("button", name="Send")).click()
    expect(page.locator("#invoice")).to_have_attribute("data-status", "sent")
    expect(page.locator("#invoice-head .invoice-status")).to_have_text("Sent")
    [message] = mail.outbox[sent_before:]
    assert message.to == ["elecsys@list.ru"] and number in message.subject

    # Steps 52–55: the deal's timeline and its Invoices tab show the invoice, and the deal has
    # followed the invoice to "Счёт выставлен" (I7: the pipeline maps "sent" to that stage).
    page.locator("#invoice-head").get_by_role("link", name=f"Deal #{SEED_DEAL}").click()
    page.wait_for_url(f"**/deals/{SEED_DEAL}/?tab=invoices")
    expect(page.locator("#deal-head .stage-badge")).to_have_text("Счёт выставлен")
    row = page.locator("#deal-invoices tbody tr", has=page.locator(f"a[href='/invoices/{invoice_id}/']"))
    expect(row).to_contain_text("Sent")
    open_tab(page, "Timeline")
    expect(page.locator("#timeline")).to_contain_text("Озвучена цена → Счёт выставлен")

    # Step 60's rule, tried too early (D7): the manager clicks "Сделка успешна" — refused, and the
    # message names the invoice and what it lacks; the deal stays where it was.
    won = page.locator("#deal-head .progress button.won")
    hx_ready(page, won).click()
    refusal = page.locator(".toast.error")
    expect(refusal).to_contain_text(number)
    expect(refusal).to_contain_text("not paid")
    expect(page.locator("#deal-head .stage-badge")).to_have_text("Счёт выставлен")
    snap(page, "billing-60-won-refused")

    # Steps 56–57: the client has paid. Back to the invoice: the amount matches what came in, so the
    # manager records the full payment with its payment order and marks the invoice paid (I6: only a
    # payment covering the total exactly makes it Paid); the deal follows to "Счёт оплачен" (I7).
    page.goto(page.base + f"/invoices/{invoice_id}/")
    pay = page.locator("#payment-form")
    expect(pay.locator("#pay-amount")).to_have_value(re.compile(r"^4000(\.00)?$"))
    pay.locator("#pay-ref").fill("п/п 118")
    hx_ready(page, pay.get_by_role("button", name="Record and mark paid")).click()
    expect(page.locator("#invoice")).to_have_attribute("data-status", "paid")
    expect(page.locator("#invoice-head .invoice-status")).to_have_text("Paid")
    expect(page.locator("#invoice-payments")).to_contain_text("п/п 118")
    expect(page.locator("[data-balance]")).to_have_text(re.compile(r"0\.00"))

    # Steps 58–59: shipment; the UPD (status 1) is made from the invoice with its lines (X1) —
    # supplier and carrier are now locked (I4) — and when the client's signed copy is back it is
    # marked received: the invoice is "Paid and shipped".
    closing = page.locator("#invoice-closing")
    closing.locator("#closing-kind").select_option("upd")
    closing.locator("#closing-upd").select_option("1")
    hx_ready(page, closing.get_by_role("button", name="Create act / UPD")).click()
    document = page.locator("#invoice-closing [data-document]")
    expect(document).to_contain_text("UPD")
    expect(page.locator("#invoice-parties #inv-supplier")).to_have_count(0)
    hx_ready(page, document.get_by_role("button", name="Received signed")).click()
    expect(page.locator("#invoice")).to_have_attribute("data-status", "paid_shipped")
    expect(page.locator("#invoice-head .invoice-status")).to_have_text("Paid and shipped")
    snap(page, "billing-59-invoice-paid-shipped")

    # X3: the invoices list shows the closing document is back signed.
    page.goto(page.base + f"/invoices/?deal={SEED_DEAL}")
    listed = page.locator("tr", has=page.locator(f"a[href='/invoices/{invoice_id}/']"))
    expect(listed.locator("[data-closing]")).to_contain_text("Act/UPD received signed")

    # Step 60 (D7): with an invoice paid and shipped, the deal is won ("Сделка успешна"). Its
    # timeline shows it followed the payment to "Счёт оплачен" (I7, step 56).
    page.goto(deal_url)
    expect(page.locator("#timeline")).to_contain_text("Счёт выставлен → Счёт оплачен")
    hx_ready(page, page.locator("#deal-head .progress button.won")).click()
    expect(page.locator("#deal-head .stage-badge")).to_have_text("Сделка успешна")
    snap(page, "billing-60-deal-won")
    deal = Deal.objects.get(pk=SEED_DEAL)
    invoice = Invoice.objects.get(pk=invoice_id)
    assert deal.stage.code == "won" and invoice.status == "paid_shipped"
    assert invoice.paid_amount == invoice.total and str(invoice.total) == "4000.00"

    # Step 61: after the deal, the manager plans a follow-up call with the client's contact — from
    # the contact's card (T3: title and deadline required, kind "call").
    contact_id = DealContact.objects.get(deal_id=SEED_DEAL, is_primary=True).contact_id
    page.goto(page.base + f"/contacts/{contact_id}/")
    tasks = page.locator("#deal-tasks")
    tasks.locator("#task-title").fill("Позвонить: как прошла отгрузка?")
    when = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT10:00")
    tasks.locator("#task-deadline").fill(when)
    tasks.locator("#task-kind").select_option("call")
    hx_ready(page, tasks.get_by_role("button", name="Create task")).click()
    expect(page.locator("#deal-tasks")).to_contain_text("Позвонить: как прошла отгрузка?")
    snap(page, "billing-61-contact-follow-up")
    call = Task.objects.get(title="Позвонить: как прошла отгрузка?")
    assert call.contact_id == contact_id and call.kind == "call"
