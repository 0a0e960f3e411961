"""Creating invoices: from a deal (step 43) or blank; numbering (I1), payer and payment form (I2),
currency and rate (I10), R1/R2, and bad input that writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.accounts.models import Role
from dealbook.billing.models import Invoice, InvoiceStatus, PaymentForm, SellerSettings
from dealbook.billing.services import (
    invoice_cancel,
    invoice_create,
    invoice_create_from_deal,
)
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from dealbook.core.models import Sequence
from tests.billing.conftest import SEED_TOTAL, events, make_invoice, snapshot

pytestmark = pytest.mark.django_db


def test_from_deal_copies_lines_amounts_payer_and_currency(w):
    """Step 43–49: the deal's lines 3 × 700.00 and 2 × 950.00 at 18 % included → 4 000.00, VAT 610.17,
    net 3 389.83 (P4); payer ЭЛЕКСИС ООО so bank transfer (I2); a New invoice in RUB at rate 1 (I10)."""
    invoice = invoice_create_from_deal(actor=w.manager, deal=w.deal, date=dt.date(2018, 5, 12))
    assert invoice.status == InvoiceStatus.NEW
    assert (invoice.total, invoice.tax, invoice.net) == (SEED_TOTAL, Decimal("610.17"), Decimal("3389.83"))
    assert [(x.name, x.quantity, x.price, x.tax_rate) for x in invoice.lines.order_by("sort")] == [
        ("Кольцо стеновое КС 10-3", Decimal("3"), Decimal("700.00"), Decimal("18")),
        ("фундаментный блок ФБС 9-5-3т", Decimal("2"), Decimal("950.00"), Decimal("18")),
    ]
    assert invoice.payer_company == w.buyer and invoice.payment_form == PaymentForm.BANK_TRANSFER
    assert (invoice.currency, invoice.rate) == ("RUB", Decimal("1"))
    assert invoice.seller == w.own and invoice.deal == w.deal and invoice.responsible == w.manager
    assert invoice.title == "01/12.05 КС, ФБС тест"
    assert len(invoice.public_token) >= 32  # 24 random bytes, ≥ 128 bits (I8)


def test_i7_creation_is_written_on_the_invoice_and_the_deal_timeline(w):
    """Step 52: the deal's timeline shows the invoice issued with number, amount, status and client."""
    invoice = make_invoice(w, confirmed=False)
    [on_deal] = events(w.deal, "created")
    [on_invoice] = events(invoice, "created")
    assert on_deal.group == on_invoice.group
    assert on_deal.data["number"] == "2018 / 1" and on_deal.data["total"] == "4000.00"
    assert on_deal.data["status"] == "new" and on_deal.data["customer"] == "ЭЛЕКСИС ООО"


def test_i1_numbers_follow_the_seller_pattern_per_seller_and_year(w, f):
    """I1: "{year} / {seq}" by default (the seed's "2018 / 943"), gapless per seller and year."""
    Sequence.objects.create(scope=f"seller:{w.own.pk}", doc_type="invoice", year=2018, last=942)
    first = make_invoice(w, confirmed=False)
    second = make_invoice(w, confirmed=False)
    next_year = make_invoice(w, confirmed=False, date=dt.date(2019, 1, 9))
    other = f.make_company("ВЕСТ ГРУПП СПБ", is_own=True)
    SellerSettings.objects.create(seller=other, number_pattern="СПБ-{seq}/{year}")
    theirs = make_invoice(w, confirmed=False, seller=other)
    assert [first.number, second.number, next_year.number] == ["2018 / 943", "2018 / 944", "2019 / 1"]
    assert theirs.number == "СПБ-1/2018"


def test_i1_cancelled_invoice_keeps_its_number_and_the_next_one_follows(w):
    """I1/I3 (step 50): a wrong invoice is cancelled, keeps its number, and a new one is issued."""
    wrong = make_invoice(w, confirmed=False)
    invoice_cancel(actor=w.manager, invoice=wrong, reason="wrong quantity")
    again = make_invoice(w, confirmed=False)
    wrong.refresh_from_db()
    assert (wrong.number, wrong.status) == ("2018 / 1", InvoiceStatus.CANCELLED)
    assert again.number == "2018 / 2"


def test_i1_bad_number_pattern_is_refused_before_a_number_is_used(w):
    SellerSettings.objects.create(seller=w.own, number_pattern="{year}-{customer}")
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        make_invoice(w, confirmed=False)
    assert err.value.field == "number_pattern"
    assert snapshot() == before


def test_i2_contact_only_means_cash(w):
    """I2 (step 40): a private person without a company pays in cash."""
    invoice = invoice_create_from_deal(
        actor=w.manager, deal=w.deal, payer_company=None, payer_contact=w.roman
    )
    assert invoice.payment_form == PaymentForm.CASH


def test_i2_deal_without_company_bills_its_primary_contact_in_cash(w):
    w.deal.company = None
    w.deal.save()
    invoice = invoice_create_from_deal(actor=w.manager, deal=w.deal)
    assert (invoice.payer_company, invoice.payer_contact) == (None, w.roman)
    assert invoice.payment_form == PaymentForm.CASH


def test_blank_invoice_with_given_lines(w):
    """A blank invoice: catalog lines priced by core.tax at the rate of its tax date (P1–P4)."""
    invoice = invoice_create(
        actor=w.manager,
        payer_company=w.buyer,
        date=dt.date(2026, 3, 2),
        lines=[
            {"product": w.ring.pk, "quantity": 3},
            {"product": w.block, "quantity": "2", "price": "900.00"},
        ],
    )
    assert invoice.number == "2026 / 1" and invoice.deal is None
    assert invoice.total == Decimal("3900.00")
    assert {x.tax_rate for x in invoice.lines.all()} == {Decimal("22")}  # 22 % from 2026 (P3)
    assert invoice.responsible == w.manager


def test_i10_invoice_in_another_currency_keeps_its_rate(w):
    """I10: an invoice in EUR needs its rate to RUB and keeps it."""
    invoice = invoice_create(
        actor=w.manager,
        payer_company=w.buyer,
        currency="EUR",
        rate="98.765432",
        date=dt.date(2026, 3, 2),
        lines=[{"product": w.ring, "quantity": 1, "price": "10.00"}],
    )
    invoice.refresh_from_db()
    assert (invoice.currency, invoice.rate) == ("EUR", Decimal("98.765432"))
    with pytest.raises(InvalidInput) as err:
        invoice_create(actor=w.manager, payer_company=w.buyer, currency="EUR")
    assert err.value.field == "rate"
    with pytest.raises(InvalidInput) as err:
        invoice_create(actor=w.manager, payer_company=w.buyer, currency="RUB", rate="2")
    assert err.value.field == "rate"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"payer_company": None, "payer_contact": None}, "payer_company"),
        ({"seller": "buyer"}, "seller"),
        ({"due_date": dt.date(2018, 5, 1)}, "due_date"),
        ({"date": "12.05.2018"}, "date"),
        ({"rate": "3"}, "rate"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_writes_nothing(w, kwargs, field):
    """Bad input never reaches the database: refused with the field named, nothing written."""
    if kwargs.get("seller") == "buyer":
        kwargs["seller"] = w.buyer
    if "payer_company" in kwargs:
        w.deal.company = None
        w.deal.save()
        kwargs = {}
        from dealbook.crm.models import DealContact

        DealContact.objects.filter(deal=w.deal).delete()
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        kwargs.setdefault("date", dt.date(2018, 5, 12))
        invoice_create_from_deal(actor=w.manager, deal=w.deal, **kwargs)
    assert err.value.field == field
    assert snapshot() == before


def test_r1_operator_cannot_create_invoices(w):
    """R1: billing is not for operators."""
    before = snapshot()
    with pytest.raises(Forbidden):
        invoice_create_from_deal(actor=w.operator, deal=w.deal)
    assert snapshot() == before


def test_r2_another_group_manager_cannot_invoice_a_deal_they_do_not_see(w):
    with pytest.raises(InvalidInput) as err:
        invoice_create_from_deal(actor=w.outsider, deal=w.deal)
    assert err.value.field == "deal"
    assert not Invoice.objects.exists()


def test_closed_deal_gets_no_new_invoice(w, f):
    """D8: a lost deal is closed."""
    w.deal.stage = f.stage(w.pipeline, "lost")
    w.deal.save()
    with pytest.raises(RuleViolation):
        invoice_create_from_deal(actor=w.manager, deal=w.deal)
    assert not Invoice.objects.exists()


def test_accountant_may_invoice_but_sees_as_accounting(w):
    """R1: accountants and financial managers work with invoices."""
    invoice = invoice_create_from_deal(actor=w.accountant, deal=w.deal)
    assert invoice.created_by == w.accountant and invoice.responsible == w.manager
    assert Role.ACCOUNTANT == w.accountant.role


def test_i8_public_token_finds_the_invoice_and_nothing_else(w, invoice):
    """I8: the public link's token (≥ 128 random bits) finds its invoice; an altered one, an empty
    one or a cancelled invoice's is a 404."""
    from dealbook.billing.queries import invoice_by_token
    from dealbook.core.errors import NotFound

    assert invoice_by_token(invoice.public_token) == invoice
    assert make_invoice(w, confirmed=False).public_token != invoice.public_token
    for bad in (invoice.public_token[:-1] + ("A" if invoice.public_token[-1] != "A" else "B"), "", "x" * 200):
        with pytest.raises(NotFound):
            invoice_by_token(bad)
    invoice_cancel(actor=w.manager, invoice=invoice)
    with pytest.raises(NotFound):
        invoice_by_token(invoice.public_token)


def test_deal_with_invoices_cannot_be_deleted(w, invoice):
    """Documents refer to the deal: crm refuses the deletion (409) and the invoice stays."""
    from dealbook.crm.services.deals import deal_delete

    with pytest.raises(RuleViolation) as err:
        deal_delete(actor=w.director, deal=w.deal)
    assert err.value.code == "deal_has_invoices" and "invoice" in str(
        err.value.detail if hasattr(err.value, "detail") else err.value
    )
    assert Invoice.objects.filter(pk=invoice.pk).exists()
