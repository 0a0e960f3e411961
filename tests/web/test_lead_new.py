"""L1: a lead by hand from the page; wrong input shown at its field and nothing written."""

import pytest
from django.urls import reverse

from dealbook.crm.models import Lead


@pytest.mark.django_db
def test_operator_creates_a_lead(board, client_as):
    client = client_as(board["operator"])
    assert client.get(reverse("lead_new")).status_code == 200
    response = client.post(
        reverse("lead_new"),
        {
            "title": "Звонок: кольца КС",
            "name": "Наталья",
            "phone": "8 (921) 848-53-83",
            "pipeline": board["pipeline"].pk,
            "responsible": board["manager"].pk,
        },
    )
    lead = Lead.objects.get(title="Звонок: кольца КС")
    assert response.status_code == 302 and response["Location"] == reverse("lead", args=[lead.pk])
    assert lead.phone_normalized == "+79218485383" and lead.responsible == board["manager"]


@pytest.mark.django_db
def test_bad_phone_is_shown_under_the_phone_field(board, client_as):
    """L1/L3: an unparsable phone is refused at the phone field; the typed values stay."""
    response = client_as(board["operator"]).post(reverse("lead_new"), {"title": "X", "phone": "call me"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="ld-phone-error"' in html and 'value="call me"' in html
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_title_required(board, client_as):
    response = client_as(board["operator"]).post(reverse("lead_new"), {"title": ""})
    assert response.status_code == 400 and 'id="ld-title-error"' in response.content.decode()
    assert not Lead.objects.exists()
