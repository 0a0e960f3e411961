"""The seed's billing world: our entity ООО "ВЕСТ ГРУПП", buyer ЭЛЕКСИС ООО, deal "01/12.05 КС, ФБС
тест" at "Price announced" with 3 × 700.00 and 2 × 950.00 (18 % VAT included, 4 000.00)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from dealbook.accounts.models import Notification, Role
from dealbook.billing.models import (
    ClosingDocument,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)
from dealbook.billing.services import invoice_create_from_deal, invoice_set_parties
from dealbook.core.models import Event, Sequence
from dealbook.crm.models import Deal, DealContact, StageTotal
from dealbook.crm.services.lines import line_add
from dealbook.crm.setup import lost_reasons_create_default


class World:
    pass


@pytest.fixture
def w(f):
    x = World()
    x.profile = f.russia()
    x.pipeline = f.make_pipeline("ЖБИ")
    x.group = f.make_group("ЖБИ")
    x.manager = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.colleague = f.make_user(Role.SALES_MANAGER, group=x.group)
    x.outsider = f.make_user(Role.SALES_MANAGER, group=f.make_group("Нерудные"))
    x.head = f.make_user(Role.GROUP_MANAGER, group=x.group)
    x.director = f.make_user(Role.DIRECTOR)
    x.finance = f.make_user(Role.FINANCIAL_MANAGER)
    x.accountant = f.make_user(Role.ACCOUNTANT)
    x.operator = f.make_user(Role.OPERATOR)
    x.admin = f.make_user(Role.ADMIN)
    x.own = f.make_company(
        'ООО "ВЕСТ ГРУПП"', is_own=True, inn="7806210729", kpp="780601001", kind="supplier"
    )
    x.buyer = f.make_company("ЭЛЕКСИС ООО", inn="7802345676", responsible=x.manager)
    x.carrier = f.make_company("ТрансЛогистик ООО", kind="carrier")
    x.roman = f.make_contact("Роман", position="прораб", responsible=x.manager)
    x.ring = f.make_product("Кольцо стеновое КС 10-3", price="700.00")
    x.block = f.make_product("фундаментный блок ФБС 9-5-3т", price="950.00")
    lost_reasons_create_default()
    x.deal = f.make_deal(
        pipeline=x.pipeline,
        stage_code="price_announced",
        responsible=x.manager,
        title="01/12.05 КС, ФБС тест",
        company=x.buyer,
        tax_date=dt.date(2018, 5, 12),
    )
    DealContact.objects.create(deal=x.deal, contact=x.roman, is_primary=True)
    line_add(actor=x.manager, deal=x.deal, product=x.ring, quantity=3)
    line_add(actor=x.manager, deal=x.deal, product=x.block, quantity=2)
    x.deal.refresh_from_db()
    return x


def make_invoice(w, *, confirmed=True, **kw):
    """The seed's invoice from the deal, dated 12.05.2018, with supplier and carrier confirmed."""
    kw.setdefault("date", dt.date(2018, 5, 12))
    invoice = invoice_create_from_deal(actor=w.manager, deal=w.deal, **kw)
    if confirmed:
        invoice_set_parties(
            actor=w.manager, invoice=invoice, supplier=w.own, carrier=w.carrier, confirmed=True
        )
    invoice.refresh_from_db()
    return invoice


@pytest.fixture
def invoice(w):
    return make_invoice(w)


def events(subject, kind=None):
    qs = Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def snapshot():
    """Everything a refused action must leave untouched."""
    return (
        list(Invoice.objects.order_by("id").values()),
        list(InvoiceLine.objects.order_by("id").values()),
        list(Payment.objects.order_by("id").values()),
        list(PaymentAllocation.objects.order_by("id").values()),
        list(ClosingDocument.objects.order_by("id").values()),
        list(Deal.objects.order_by("id").values()),
        list(StageTotal.objects.order_by("id").values()),
        list(Sequence.objects.order_by("id").values()),
        Event.objects.count(),
        Notification.objects.count(),
    )


SEED_TOTAL = Decimal("4000.00")
