"""The seed's proposal world: our entity ООО "ВЕСТ ГРУПП", client ЭЛЕКСИС ООО (with an e-mail),
deal "01/12.05 КС, ФБС тест" at "Price announced" with 3 × 700.00 and 2 × 950.00 (18 % VAT
included, 4 000.00), and helpers to send a proposal and read what the client's page shows."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache

from dealbook.accounts.models import Notification, Role
from dealbook.billing.models import Invoice, InvoiceLine
from dealbook.core.models import Event, Sequence
from dealbook.crm.models import ContactPoint, DealContact
from dealbook.crm.services.lines import line_add
from dealbook.sales.models import Proposal, ProposalLine, ProposalSignature

SEED_TOTAL = Decimal("4000.00")
SEED_TAX = Decimal("610.17")


class World:
    pass


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The public pages count requests per IP in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w(db, f):
    x = World()
    x.profile = f.russia()
    x.pipeline = f.make_pipeline("ЖБИ")
    x.group = f.make_group("ЖБИ")
    x.manager = f.make_user(Role.SALES_MANAGER, group=x.group, email="grakun@example.com")
    x.outsider = f.make_user(Role.SALES_MANAGER, group=f.make_group("Нерудные"))
    x.head = f.make_user(Role.GROUP_MANAGER, group=x.group)
    x.director = f.make_user(Role.DIRECTOR)
    x.accountant = f.make_user(Role.ACCOUNTANT)
    x.own = f.make_company(
        'ООО "ВЕСТ ГРУПП"', is_own=True, inn="7806210729", kpp="780601001", kind="supplier"
    )
    x.buyer = f.make_company("ЭЛЕКСИС ООО", inn="7802345676", responsible=x.manager)
    ContactPoint.objects.create(
        company=x.buyer, kind=ContactPoint.Kind.EMAIL, value="sl-cc@ya.ru", normalized="sl-cc@ya.ru"
    )
    x.roman = f.make_contact("Роман", position="прораб", responsible=x.manager)
    x.ring = f.make_product("Кольцо стеновое КС 10-3", price="700.00")
    x.block = f.make_product("фундаментный блок ФБС 9-5-3т", price="950.00")
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


def make_proposal(w, **kw):
    from dealbook.sales.services import proposal_create

    kw.setdefault("valid_until", (kw.get("date") or dt.date.today()) + dt.timedelta(days=10))
    return proposal_create(actor=w.manager, deal=w.deal, **kw)


def make_sent(w, **kw):
    from dealbook.sales.services import proposal_send

    proposal = make_proposal(w, **kw)
    proposal_send(actor=w.manager, proposal=proposal, base_url="http://testserver")
    proposal.refresh_from_db()
    return proposal


def shown_hash(proposal) -> str:
    """The SHA-256 the client's page shows: the hash of the PDF it embeds."""
    from dealbook.sales.printing import pdf_sha256, proposal_pdf

    proposal.refresh_from_db()
    return pdf_sha256(proposal_pdf(proposal)[0])


def events(subject, kind=None):
    qs = Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def snapshot():
    """Everything a refused action must leave untouched."""
    return (
        list(Proposal.objects.order_by("id").values()),
        list(ProposalLine.objects.order_by("id").values()),
        list(ProposalSignature.objects.order_by("id").values()),
        list(Invoice.objects.order_by("id").values()),
        list(InvoiceLine.objects.order_by("id").values()),
        list(Sequence.objects.order_by("id").values()),
        Event.objects.count(),
        Notification.objects.count(),
    )
