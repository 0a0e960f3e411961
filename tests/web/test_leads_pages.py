"""Lead card and the conversion dialog (L2, L3): duplicates shown before anything is saved."""

import pytest
from django.urls import reverse

from dealbook.crm.models import Contact, Deal, DealContact, Lead, LeadStatus
from dealbook.crm.services.contacts import contact_create
from dealbook.crm.services.leads import lead_create


@pytest.fixture
def dup(board):
    existing = contact_create(
        actor=board["operator"], first_name="Наталья", last_name="Павлова", phones=["+7 921 848-53-83"]
    )
    lead = lead_create(
        actor=board["operator"],
        title="Звонок: кольца КС",
        name="Наталья",
        phone="8 (921) 8485383",
        pipeline=board["pipeline"],
        responsible=board["manager"],
    )
    return {"contact": existing, "lead": lead}


@pytest.mark.django_db
def test_lead_card_shows_duplicates_before_anything_is_saved(board, client_as, dup):
    """L3: the card lists the contact with the same phone (E.164) up front."""
    html = client_as(board["operator"]).get(reverse("lead", args=[dup["lead"].pk])).content.decode()
    assert "Possible duplicates" in html and "Павлова Наталья" in html
    assert 'id="convert-dialog"' in html


@pytest.mark.django_db
def test_conversion_refused_while_duplicates_exist_then_confirmed(board, client_as, dup):
    """L3: converting into deal + contact stops at the duplicates (409, nothing written); confirming
    creates them (L2) and opens the deal."""
    client = client_as(board["operator"])
    url = reverse("lead_convert", args=[dup["lead"].pk])
    deals, contacts = Deal.objects.count(), Contact.objects.count()
    refused = client.post(url, {"mode": "deal_contact", "first_name": "Наталья"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "Possible duplicates" in html and "open" in html.split('id="convert-dialog"')[1][:200]
    assert (Deal.objects.count(), Contact.objects.count()) == (deals, contacts)
    assert Lead.objects.get(pk=dup["lead"].pk).status != LeadStatus.CONVERTED
    ok = client.post(url, {"mode": "deal_contact", "first_name": "Наталья", "confirm_duplicates": "on"})
    assert ok.status_code == 302
    deal = Deal.objects.get(lead=dup["lead"])
    assert ok["Location"] == reverse("deal", args=[deal.pk])
    assert Contact.objects.count() == contacts + 1


@pytest.mark.django_db
def test_attach_to_the_existing_contact(board, client_as, dup):
    """L2: attaching the lead to the matched contact makes a deal with that contact, no new contact."""
    contacts = Contact.objects.count()
    response = client_as(board["operator"]).post(
        reverse("lead_convert", args=[dup["lead"].pk]), {"mode": "attach", "contact": dup["contact"].pk}
    )
    assert response.status_code == 302
    deal = Deal.objects.get(lead=dup["lead"])
    assert DealContact.objects.filter(deal=deal, contact=dup["contact"], is_primary=True).exists()
    assert Contact.objects.count() == contacts


@pytest.mark.django_db
def test_conversion_errors_show_in_the_dialog(board, client_as, dup):
    """Bad input: attach without choosing a contact — the message in the open dialog, nothing written."""
    response = client_as(board["operator"]).post(
        reverse("lead_convert", args=[dup["lead"].pk]), {"mode": "attach"}
    )
    assert response.status_code == 400
    assert "Choose the contact or company" in response.content.decode()
    assert not Deal.objects.filter(lead=dup["lead"]).exists()


@pytest.mark.django_db
def test_converted_lead_has_no_convert_button(board, client_as, dup):
    client = client_as(board["operator"])
    client.post(
        reverse("lead_convert", args=[dup["lead"].pk]), {"mode": "attach", "contact": dup["contact"].pk}
    )
    html = client.get(reverse("lead", args=[dup["lead"].pk])).content.decode()
    assert 'id="convert-dialog"' not in html
    again = client.post(
        reverse("lead_convert", args=[dup["lead"].pk]), {"mode": "attach", "contact": dup["contact"].pk}
    )
    assert again.status_code == 409
