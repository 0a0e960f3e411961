"""C4: counterparty requests from the pages — filed by a manager with the card, notified to
accountants, completed by accounting with requisites checked at their fields, then taken."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dealbook.accounts.models import Notification
from dealbook.crm.models import Company, CounterpartyRequest
from tests import factories


@pytest.fixture
def accountant(db):
    return factories.make_user("accountant", first_name="Светлана", last_name="Новоселова")


@pytest.mark.django_db
def test_manager_files_a_request_and_accountants_are_notified(board, client_as, accountant):
    card = SimpleUploadedFile("card.pdf", b"%PDF card", content_type="application/pdf")
    client = client_as(board["manager"])
    assert client.get(reverse("request_new"), {"deal": board["mine"].pk}).status_code == 200
    response = client.post(
        reverse("request_new"),
        {"name": "ЭЛЕКСИС ООО", "inn": "7802123458", "card": card, "deal": board["mine"].pk},
    )
    req = CounterpartyRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("request", args=[req.pk])
    assert req.deal == board["mine"] and req.card
    assert Notification.objects.filter(user=accountant, kind="counterparty_request").exists()


@pytest.mark.django_db
def test_request_with_wrong_inn_is_refused_at_the_field(board, client_as, accountant):
    response = client_as(board["manager"]).post(reverse("request_new"), {"name": "X", "inn": "7806210728"})
    assert response.status_code == 400
    assert 'id="rq-inn"' in response.content.decode().split('class="error"')[0][-400:]
    assert not CounterpartyRequest.objects.exists()


@pytest.mark.django_db
def test_accountant_completes_with_errors_at_fields_then_manager_takes(board, client_as, accountant):
    """C2/C4: a wrong KPP is shown under KPP and nothing is created; a valid set creates the company;
    the manager then takes it under responsibility."""
    req = CounterpartyRequest.objects.create(
        name="ЭЛЕКСИС ООО", inn="7802123458", requested_by=board["manager"]
    )
    client = client_as(accountant)
    assert "Register the company" in client.get(reverse("request", args=[req.pk])).content.decode()
    url = reverse("request_complete", args=[req.pk])
    bad = client.post(url, {"name": "ЭЛЕКСИС ООО", "inn": "7802123458", "kpp": "12"})
    assert bad.status_code == 400
    assert 'id="cp-kpp-error"' in bad.content.decode()
    assert not Company.objects.filter(name="ЭЛЕКСИС ООО").exists()
    ok = client.post(url, {"name": "ЭЛЕКСИС ООО", "inn": "7802123458", "kpp": "780201001"})
    assert ok.status_code == 302
    company = Company.objects.get(name="ЭЛЕКСИС ООО")
    req.refresh_from_db()
    assert req.status == "done" and req.company == company
    manager = client_as(board["manager"])
    assert (
        "Take under my responsibility" in manager.get(reverse("company", args=[company.pk])).content.decode()
    )
    manager.post(reverse("company_take", args=[company.pk]))
    company.refresh_from_db()
    assert company.responsible == board["manager"]


@pytest.mark.django_db
def test_manager_cannot_complete_requests(board, client_as, accountant):
    req = CounterpartyRequest.objects.create(name="Y", requested_by=board["manager"])
    client = client_as(board["manager"])
    assert "Register the company" not in client.get(reverse("request", args=[req.pk])).content.decode()
    response = client.post(reverse("request_complete", args=[req.pk]), {"name": "Y"})
    assert response.status_code == 403
    assert not Company.objects.filter(name="Y").exists()


@pytest.mark.django_db
def test_requests_list_scoped(board, client_as, accountant):
    CounterpartyRequest.objects.create(name="Mine", requested_by=board["manager"])
    CounterpartyRequest.objects.create(name="Theirs", requested_by=board["other"])
    html = client_as(board["manager"]).get(reverse("requests")).content.decode()
    assert "Mine" in html and "Theirs" not in html
    html = client_as(accountant).get(reverse("requests")).content.decode()
    assert "Mine" in html and "Theirs" in html


@pytest.mark.django_db
def test_notification_links_open_pages(board, client_as, accountant):
    """The URLs the services put in notifications (requests, tasks, deals) are pages."""
    client = client_as(board["manager"])
    client.post(reverse("request_new"), {"name": "Z"})
    link = Notification.objects.get(user=accountant).url
    assert client_as(accountant).get(link).status_code == 200
