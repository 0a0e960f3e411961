"""Step 3/C2: a contact from the page; an unparsable phone is refused under the phone field."""

import pytest
from django.urls import reverse

from dealbook.crm.models import Contact


@pytest.mark.django_db
def test_operator_creates_a_contact(board, client_as):
    client = client_as(board["operator"])
    assert client.get(reverse("contact_new")).status_code == 200
    response = client.post(
        reverse("contact_new"), {"first_name": "Наталья", "last_name": "Павлова", "phone": "+7 921 848-53-83"}
    )
    contact = Contact.objects.get(first_name="Наталья")
    assert response.status_code == 302 and response["Location"] == reverse("contact", args=[contact.pk])


@pytest.mark.django_db
def test_bad_phone_under_the_phone_field(board, client_as):
    response = client_as(board["operator"]).post(
        reverse("contact_new"), {"first_name": "A", "phone": "call me"}
    )
    assert response.status_code == 400
    assert 'id="ct-phone-error"' in response.content.decode()
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_new_menu_and_board_dialog(board, client_as):
    client = client_as(board["operator"])
    html = client.get(reverse("deals"), {"new": "1"}).content.decode()
    assert 'id="quick-create" aria-labelledby="qc-title" open' in html
    assert reverse("lead_new") in html and reverse("contact_new") in html
