"""C4, seed 002 steps 37–39: a sales manager files a counterparty request with the company card,
accounting is notified and registers the company, the manager is told and takes it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dealbook.accounts.models import Notification, Role
from dealbook.core.errors import Forbidden, InvalidInput, RuleViolation
from dealbook.core.models import Attachment, Event, EventKind
from dealbook.crm.models import Company, CounterpartyRequest
from dealbook.crm.services import companies as company_svc
from dealbook.crm.services import requests as svc

pytestmark = pytest.mark.django_db


def card(name="КАРТОЧКА КЛИЕНТА (реквизиты).docx"):
    return SimpleUploadedFile(name, b"PK\x03\x04 company card", content_type="application/octet-stream")


def deal_events(deal, kind):
    return Event.objects.filter(subject_type__model="deal", subject_id=deal.pk, kind=kind)


def test_c4_manager_files_a_request_and_every_active_accountant_is_notified(f):
    manager = f.make_user(Role.SALES_MANAGER)
    acc1, acc2 = f.make_user(Role.ACCOUNTANT), f.make_user(Role.ACCOUNTANT)
    f.make_user(Role.ACCOUNTANT, is_active=False)
    deal = f.make_deal(responsible=manager)
    req = svc.counterparty_request_file(
        actor=manager, name="ЭЛЕКСИС ООО", inn="7806210729", comment="покупатель", card=card(), deal=deal
    )
    assert req.status == CounterpartyRequest.Status.OPEN and req.requested_by == manager
    assert req.card.read().startswith(b"PK")
    notified = Notification.objects.filter(kind="counterparty_request")
    assert sorted(n.user_id for n in notified) == sorted([acc1.pk, acc2.pk])
    assert "ЭЛЕКСИС ООО" in notified[0].text
    # step 37: the card is attached to the deal too, so it is not lost
    assert deal_events(deal, EventKind.REQUEST_FILED).count() == 1
    assert Attachment.objects.filter(subject_id=deal.pk, purpose="company_card").count() == 1


def test_c2_request_with_a_wrong_inn_is_refused_and_nothing_is_written(f):
    manager = f.make_user(Role.SALES_MANAGER)
    f.make_user(Role.ACCOUNTANT)
    with pytest.raises(InvalidInput) as exc:
        svc.counterparty_request_file(actor=manager, name="ЭЛЕКСИС ООО", inn="7806210728", card=card())
    assert exc.value.field == "inn"
    assert not CounterpartyRequest.objects.exists() and not Notification.objects.exists()


def test_request_needs_a_name(f):
    with pytest.raises(InvalidInput) as exc:
        svc.counterparty_request_file(actor=f.make_user(Role.SALES_MANAGER), name=" ")
    assert exc.value.field == "name"


def test_r2_request_on_another_managers_private_deal_is_refused(f):
    manager = f.make_user(Role.SALES_MANAGER)
    deal = f.make_deal(responsible=f.make_user(Role.SALES_MANAGER))
    with pytest.raises(Forbidden):
        svc.counterparty_request_file(actor=manager, name="X", deal=deal)
    assert not CounterpartyRequest.objects.exists()


def test_c4_seed_steps_38_39_request_completed_then_taken(f):
    manager = f.make_user(Role.SALES_MANAGER)
    accountant = f.make_user(Role.ACCOUNTANT)
    deal = f.make_deal(responsible=manager)
    req = svc.counterparty_request_file(actor=manager, name="ЭЛЕКСИС ООО", card=card(), deal=deal)
    svc.counterparty_request_complete(
        actor=accountant,
        request=req,
        company_data={"name": "ЭЛЕКСИС ООО", "inn": "7806210729", "kpp": "780601001", "kind": "buyer"},
    )
    req.refresh_from_db()
    company = req.company
    assert req.status == CounterpartyRequest.Status.DONE and req.handled_by == accountant
    assert company.inn == "7806210729" and company.responsible is None
    # the card now sits on the company's record
    assert Attachment.objects.filter(subject_type__model="company", subject_id=company.pk).count() == 1
    told = Notification.objects.get(user=manager)
    assert "ЭЛЕКСИС ООО" in told.text
    assert deal_events(deal, EventKind.REQUEST_COMPLETED).count() == 1
    assert Event.objects.filter(
        subject_type__model="company", subject_id=company.pk, kind="request_completed"
    ).exists()
    company_svc.company_take(actor=manager, company=company)
    company.refresh_from_db()
    assert company.responsible == manager


def test_c4_accountant_links_an_existing_company(f):
    manager = f.make_user(Role.SALES_MANAGER)
    accountant = f.make_user(Role.ACCOUNTANT)
    existing = company_svc.company_create(actor=accountant, name="ЭЛЕКСИС ООО", inn="7806210729")
    req = svc.counterparty_request_file(actor=manager, name="Elexis", inn="7806210729")
    svc.counterparty_request_complete(actor=accountant, request=req, company=existing)
    req.refresh_from_db()
    assert req.company == existing and Company.objects.count() == 1


def test_c4_sales_manager_cannot_complete_a_request(f):
    manager = f.make_user(Role.SALES_MANAGER)
    req = svc.counterparty_request_file(actor=manager, name="ЭЛЕКСИС ООО")
    with pytest.raises(Forbidden):
        svc.counterparty_request_complete(actor=manager, request=req, company_data={"name": "ЭЛЕКСИС ООО"})
    req.refresh_from_db()
    assert req.status == "open" and not Company.objects.exists()


def test_c2_completing_with_invalid_requisites_writes_nothing(f):
    manager = f.make_user(Role.SALES_MANAGER)
    accountant = f.make_user(Role.ACCOUNTANT)
    req = svc.counterparty_request_file(actor=manager, name="ЭЛЕКСИС ООО", card=card())
    before = Notification.objects.count()
    with pytest.raises(InvalidInput) as exc:
        svc.counterparty_request_complete(
            actor=accountant, request=req, company_data={"name": "ЭЛЕКСИС ООО", "inn": "7806210728"}
        )
    assert exc.value.field == "inn"
    req.refresh_from_db()
    assert req.status == "open" and not Company.objects.exists()
    assert Notification.objects.count() == before and not Attachment.objects.exists()


def test_c4_complete_needs_exactly_one_company_source(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    req = svc.counterparty_request_file(actor=f.make_user(Role.SALES_MANAGER), name="X")
    with pytest.raises(InvalidInput):
        svc.counterparty_request_complete(actor=accountant, request=req)
    with pytest.raises(InvalidInput) as exc:
        svc.counterparty_request_complete(
            actor=accountant, request=req, company_data={"name": "X", "colour": 1}
        )
    assert exc.value.field == "company.colour"


def test_c4_handled_request_cannot_be_handled_again(f):
    accountant = f.make_user(Role.ACCOUNTANT)
    req = svc.counterparty_request_file(actor=f.make_user(Role.SALES_MANAGER), name="X")
    svc.counterparty_request_reject(actor=accountant, request=req, answer="Карточка не читается")
    with pytest.raises(RuleViolation):
        svc.counterparty_request_complete(actor=accountant, request=req, company_data={"name": "X"})
    assert not Company.objects.exists()


def test_c4_reject_with_an_answer_notifies_the_requester(f):
    manager = f.make_user(Role.SALES_MANAGER)
    accountant = f.make_user(Role.ACCOUNTANT)
    req = svc.counterparty_request_file(actor=manager, name="X")
    with pytest.raises(InvalidInput) as exc:
        svc.counterparty_request_reject(actor=accountant, request=req, answer="  ")
    assert exc.value.field == "answer"
    svc.counterparty_request_reject(actor=accountant, request=req, answer="Пришлите карточку")
    req.refresh_from_db()
    assert req.status == "rejected" and req.answer == "Пришлите карточку"
    assert "Пришлите карточку" in Notification.objects.get(user=manager).text
