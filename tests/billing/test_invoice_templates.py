"""Invoice templates (I11): recurring lines; invoices created from them and edited, or sent in bulk
unchanged — a template that cannot be sent leaves nothing behind and the others go on."""

import datetime as dt
from decimal import Decimal

import pytest

from dealbook.billing.models import Invoice, InvoiceStatus, SellerSettings
from dealbook.billing.services import (
    invoice_create_from_template,
    invoice_line_update,
    invoice_template_create,
    invoice_template_update,
    invoice_templates_send,
)
from dealbook.core.errors import Forbidden, InvalidInput, NotFound
from tests.billing.conftest import snapshot

pytestmark = pytest.mark.django_db


def _template(w, **kw):
    kw.setdefault("name", "Ежемесячная поставка колец")
    kw.setdefault("payer_company", w.buyer)
    kw.setdefault("supplier", w.own)
    kw.setdefault("carrier", w.carrier)
    kw.setdefault("due_days", 5)
    kw.setdefault("lines", [{"product": w.ring.pk, "quantity": 3}, {"product": w.block.pk, "quantity": "2"}])
    return invoice_template_create(actor=w.manager, **kw)


def test_i11_invoice_from_template_is_new_priced_on_its_date_and_editable(w):
    """I11: the template's lines priced at the rate in force (P3), payer and due date; still New, so
    it can be edited (I3)."""
    template = _template(w)
    invoice = invoice_create_from_template(actor=w.manager, template=template, date=dt.date(2018, 5, 12))
    assert invoice.status == InvoiceStatus.NEW and invoice.number == "2018 / 1"
    assert invoice.total == Decimal("4000.00") and invoice.tax == Decimal("610.17")  # 18 % in 2018
    assert invoice.due_date == dt.date(2018, 5, 17) and invoice.title == "Ежемесячная поставка колец"
    assert invoice.parties_confirmed is True
    later = invoice_create_from_template(actor=w.manager, template=template, date=dt.date(2026, 2, 1))
    assert {x.tax_rate for x in later.lines.all()} == {Decimal("22")}
    invoice_line_update(actor=w.manager, invoice=invoice, line=invoice.lines.first(), quantity=4)
    invoice.refresh_from_db()
    assert invoice.total == Decimal("4700.00")


def test_i11_bulk_send_unchanged_and_a_refusal_leaves_nothing(w, f):
    """I11: several templates sent at once; one whose seller needs approval (I5) is reported, creates
    no invoice and uses no number (I1); the others are Sent."""
    first = _template(w, seller=w.own)
    other_seller = f.make_company("ВЕСТ ГРУПП СПБ", is_own=True)
    SellerSettings.objects.create(seller=other_seller, approval_required=True)
    blocked = _template(w, name="Нужна виза", seller=other_seller)
    third = _template(w, name="Песок", seller=w.own, payer_company=None, payer_contact=w.roman)
    results = invoice_templates_send(
        actor=w.manager, templates=[first, blocked, third], date=dt.date(2018, 6, 1)
    )
    assert [r.template_id for r in results] == [first.pk, blocked.pk, third.pk]
    assert results[1].invoice is None and "needs approval" in results[1].error
    assert [r.invoice.number for r in (results[0], results[2])] == ["2018 / 1", "2018 / 2"]
    assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.SENT}
    assert not Invoice.objects.filter(seller=other_seller).exists()


def test_i11_template_edit_does_not_touch_invoices_already_made(w):
    template = _template(w)
    invoice = invoice_create_from_template(actor=w.manager, template=template, date=dt.date(2018, 5, 12))
    invoice_template_update(actor=w.manager, template=template, lines=[{"product": w.ring.pk, "quantity": 1}])
    assert template.lines.count() == 1
    invoice.refresh_from_db()
    assert invoice.total == Decimal("4000.00") and invoice.lines.count() == 2


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product": 999999, "quantity": 1}]}, "product"),
        ({"lines": [{"product": "ring", "quantity": "1.5"}]}, "quantity"),  # шт are whole
        ({"payer_company": None}, "payer_company"),
        ({"currency": "EUR"}, "rate"),
        ({"due_days": 1000}, "due_days"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_template_input_is_refused_and_writes_nothing(w, kw, field):
    if kw.get("lines") and kw["lines"][0]["product"] == "ring":
        kw["lines"][0]["product"] = w.ring.pk
    before = snapshot()
    with pytest.raises(InvalidInput) as err:
        _template(w, **kw)
    assert err.value.field == field
    assert snapshot() == before


def test_r1_r2_templates(w):
    template = _template(w)
    with pytest.raises(Forbidden):
        invoice_template_create(actor=w.operator, name="x", payer_company=w.buyer, lines=[])
    with pytest.raises(NotFound):
        invoice_create_from_template(actor=w.outsider, template=template)
    assert invoice_create_from_template(actor=w.head, template=template).responsible == w.head
