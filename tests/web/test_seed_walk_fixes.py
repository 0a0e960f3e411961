"""What walking seed 002 (steps 1–42) in the pages needed: the deal's tax date in place (P3, steps
4 and 31–33), the contact's position in the conversion dialog (L2, step 3), the company's profile
and its contacts on the company card (C1/C5, steps 39–40), and the contacts of a deal handed to a
manager (R2/D3, steps 20–21 and 40)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dealbook.core.models import Event, EventKind
from dealbook.crm.models import Company, CompanyKind, Contact, DealContact
from dealbook.crm.services import lines as line_services
from dealbook.crm.services.deals import deal_assign
from dealbook.crm.services.leads import lead_create
from tests import factories


def field_url(deal, name):
    return reverse("deal_field", args=[deal.pk, name])


# ---------------------------------------------------------------- P3: the tax date in place


@pytest.mark.django_db
def test_tax_date_edited_in_place_reprices_the_lines_at_the_seeds_18_percent(board, client_as):
    """P3/P4 (steps 31–33): the seed's 2018 date gives VAT 18 %: 3 × 700 + 2 × 950 = 4 000.00 with
    610.17 included; the header is told to refresh (its amount and tax changed)."""
    deal, manager = board["mine"], board["manager"]
    line_services.line_add(actor=manager, deal=deal, product=factories.make_product("КС 10-3"), quantity="3")
    block = factories.make_product("ФБС 9-5-3т", price="950.00")
    line_services.line_add(actor=manager, deal=deal, product=block, quantity="2")
    client = client_as(manager)
    assert 'aria-label="Edit: Tax date"' in client.get(reverse("deal", args=[deal.pk])).content.decode()
    response = client.post(field_url(deal, "tax_date"), {"tax_date": "2018-05-12"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "12.05.2018" in response.content.decode()
    assert response["HX-Trigger"] == "deal-changed"
    deal.refresh_from_db()
    assert deal.tax_date == dt.date(2018, 5, 12)
    assert (deal.amount, deal.tax_amount) == (Decimal("4000.00"), Decimal("610.17"))
    assert Event.objects.filter(kind=EventKind.UPDATED, data__field="tax_date").exists()


@pytest.mark.django_db
def test_tax_date_change_on_the_timeline_shows_dates_as_the_pages_do(board, client_as):
    """T4/P3 (step 31): "Tax date: 12.05.2018 → 01.06.2018" on the deal's timeline, the way the card
    shows dates, not the ISO text the event keeps; an empty side shows "—"."""
    deal, client = board["mine"], client_as(board["manager"])
    client.post(field_url(deal, "tax_date"), {"tax_date": "2018-05-12"}, HTTP_HX_REQUEST="true")
    client.post(field_url(deal, "tax_date"), {"tax_date": "2018-06-01"}, HTTP_HX_REQUEST="true")
    client.post(field_url(deal, "close_date"), {"close_date": "2031-03-15"}, HTTP_HX_REQUEST="true")
    html = client.get(reverse("deal_timeline", args=[deal.pk]), {"kind": "all"}).content.decode()
    text = " ".join(html.split())
    assert "12.05.2018" in text and "01.06.2018" in text and "15.03.2031" in text
    assert "2018-05-12" not in text and "2018-06-01" not in text and "2031-03-15" not in text
    assert '<span class="muted">12.05.2018</span> → 01.06.2018' in text


@pytest.mark.django_db
def test_empty_tax_date_is_refused_at_the_field(board, client_as):
    """P3: the tax date is required; the service's message is under the field, nothing changes."""
    deal = board["mine"]
    before = deal.tax_date
    response = client_as(board["manager"]).post(field_url(deal, "tax_date"), {"tax_date": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error"' in html and "tax date is required" in html
    deal.refresh_from_db()
    assert deal.tax_date == before


# ---------------------------------------------------------------- L2: the contact's position


@pytest.mark.django_db
def test_conversion_dialog_sets_the_new_contacts_position(board, client_as):
    """L2 (step 3): "Роман, прораб" — the dialog has the position and the contact keeps it."""
    lead = lead_create(
        actor=board["operator"], title="Входящий звонок", phone="+7 921 000-11-22", pipeline=board["pipeline"]
    )
    client = client_as(board["operator"])
    assert 'name="position"' in client.get(reverse("lead", args=[lead.pk])).content.decode()
    response = client.post(
        reverse("lead_convert", args=[lead.pk]),
        {"mode": "deal_contact", "deal_title": "01/12.05 КС", "first_name": "Роман", "position": "прораб"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(first_name="Роман")
    assert contact.position == "прораб"
    assert DealContact.objects.filter(contact=contact, is_primary=True).exists()


# ---------------------------------------------------------------- C1/C5: the company's profile


@pytest.fixture
def taken(board):
    """ЭЛЕКСИС ООО registered by accounting and taken by the manager (step 39)."""
    company = factories.make_company("ЭЛЕКСИС ООО", inn="7802123452", responsible=board["manager"])
    return company


@pytest.mark.django_db
def test_responsible_manager_fills_type_and_segment(board, client_as, taken):
    """C1 (step 39): the company's responsible sets its type and segment from the card; D2/R3 the
    change is on the company's timeline."""
    segment = factories.make_segment("Строительные бригады")
    client = client_as(board["manager"])
    html = client.get(reverse("company", args=[taken.pk])).content.decode()
    assert 'id="cp-kind"' in html and "Строительные бригады" in html
    response = client.post(
        reverse("company_profile", args=[taken.pk]), {"kind": CompanyKind.BOTH, "segment": segment.pk}
    )
    assert response.status_code == 302
    taken.refresh_from_db()
    assert (taken.kind, taken.segment) == (CompanyKind.BOTH, segment)
    assert Event.objects.filter(kind=EventKind.UPDATED, subject_id=taken.pk, data__field="kind").exists()


@pytest.mark.django_db
def test_unknown_type_or_segment_is_shown_at_the_field(board, client_as, taken):
    """C1: a wrong value is refused with the service's message under its field; nothing is saved."""
    client = client_as(board["manager"])
    response = client.post(reverse("company_profile", args=[taken.pk]), {"kind": "friend"})
    assert response.status_code == 400
    assert 'id="cp-kind"' in response.content.decode() and "Unknown company type" in response.content.decode()
    response = client.post(
        reverse("company_profile", args=[taken.pk]), {"kind": "buyer", "segment": "999999"}
    )
    assert response.status_code == 400 and "Choose a segment from the list." in response.content.decode()
    taken.refresh_from_db()
    assert taken.kind == CompanyKind.BUYER and taken.segment is None


@pytest.mark.django_db
def test_another_manager_is_not_offered_the_profile_and_is_refused(board, client_as, taken):
    """Step 39/R1: only the company's responsible (or those above) fill its profile; operators never."""
    taken.is_shared = True
    taken.save()
    other = client_as(board["other"])
    assert 'id="cp-kind"' not in other.get(reverse("company", args=[taken.pk])).content.decode()
    response = other.post(reverse("company_profile", args=[taken.pk]), {"kind": CompanyKind.SUPPLIER})
    assert response.status_code == 403
    operator = client_as(board["operator"])
    assert 'id="cp-kind"' not in operator.get(reverse("company", args=[taken.pk])).content.decode()
    assert Company.objects.get(pk=taken.pk).kind == CompanyKind.BUYER


@pytest.mark.django_db
def test_contact_linked_to_the_company_from_its_card(board, client_as, taken):
    """C5 (step 40): "first the contact to the company": linked from the company card, on both
    timelines; a contact the user cannot see is refused at the field."""
    roman = factories.make_contact("Роман", position="прораб", responsible=board["manager"])
    hidden = factories.make_contact("Чужой", responsible=board["other"])
    client = client_as(board["manager"])
    url = reverse("company_profile", args=[taken.pk])
    assert client.post(url, {"action": "contact", "contact": roman.pk}).status_code == 302
    assert list(roman.companies.all()) == [taken]
    assert Event.objects.filter(kind=EventKind.LINK_ADDED, subject_id=roman.pk).exists()
    assert "Роман" in client.get(reverse("company", args=[taken.pk])).content.decode()
    response = client.post(url, {"action": "contact", "contact": hidden.pk})
    assert response.status_code == 400 and "Choose a contact." in response.content.decode()
    assert not hidden.companies.exists()


# ---------------------------------------------------------------- R2/D3: the deal's contacts


@pytest.mark.django_db
def test_manager_sees_the_contacts_of_a_deal_handed_to_her(board, client_as):
    """R2/D3 (steps 8, 20–21): the operator's contact comes with the deal she assigns — the manager
    opens it from the deal card; another manager still cannot."""
    roman = factories.make_contact("Роман", responsible=board["operator"])
    deal = factories.make_deal(pipeline=board["pipeline"], responsible=board["operator"], title="02/12.05")
    DealContact.objects.create(deal=deal, contact=roman, is_primary=True)
    manager, other = client_as(board["manager"]), client_as(board["other"])
    assert manager.get(reverse("contact", args=[roman.pk])).status_code == 404
    deal_assign(actor=board["operator"], deal=deal, responsible=board["manager"])
    assert manager.get(reverse("contact", args=[roman.pk])).status_code == 200
    assert other.get(reverse("contact", args=[roman.pk])).status_code == 404
    options = manager.get(reverse("client_options"), {"kind": "contact", "q": "Роман"}).content.decode()
    assert f'value="{roman.pk}"' in options


# ---------------------------------------------------------------- the card's live parts


@pytest.mark.django_db
def test_timeline_names_the_source_not_its_id(board, client_as):
    """D2/R3 (step 4): "Source: — → Запрос по рекомендации", not the sources' ids."""
    from dealbook.crm.models import Source
    from dealbook.crm.services.deals import deal_update

    referral = Source.objects.create(code="referral", name="Запрос по рекомендации")
    deal = board["mine"]
    deal_update(actor=board["manager"], deal=deal, source=referral)
    html = client_as(board["manager"]).get(reverse("deal_timeline", args=[deal.pk])).content.decode()
    assert "→ Запрос по рекомендации" in html
    assert f"→ {referral.pk}<" not in html


@pytest.mark.django_db
def test_timeline_events_follow_changes_made_elsewhere_on_the_card(board, client_as):
    """D2 (steps 24–25, 42): the events list re-reads itself on "deal-changed" (a stage move, a bound
    company), keeping the comment box; the re-read carries the new stage change."""
    from dealbook.crm.services.deals import deal_move

    deal, client = board["mine"], client_as(board["manager"])
    html = client.get(reverse("deal", args=[deal.pk])).content.decode()
    assert 'id="timeline-events"' in html
    events_tag = html[html.index('id="timeline-events"') - 30 : html.index('id="timeline-events"') + 300]
    assert (
        'hx-trigger="deal-changed from:body"' in events_tag and 'hx-select="#timeline-events"' in events_tag
    )
    deal_move(actor=board["manager"], deal=deal, stage="price_announced")
    again = client.get(reverse("deal_timeline", args=[deal.pk]), {"kind": "all"}).content.decode()
    assert 'id="timeline-events"' in again and "Price announced" in again


@pytest.mark.django_db
def test_as_you_type_boxes_refill_their_select_instead_of_replacing_it(board, client_as):
    """C5/P1 (steps 30, 40): the company, contact and product search boxes sit in forms that swap
    themselves whole; each box must fill its <select> (innerHTML), or the select is lost."""
    import re

    deal, client = board["private"], client_as(board["other"])
    html = client.get(reverse("deal", args=[deal.pk])).content.decode()
    html += client.get(reverse("deal", args=[deal.pk]), {"tab": "products"}).content.decode()
    boxes = re.findall(r"<input[^>]*hx-get=\"[^\"]*options/[^>]*>", html)
    assert len(boxes) >= 3  # company, contact, product
    assert all('hx-swap="innerHTML"' in box for box in boxes)


@pytest.mark.django_db
def test_refused_conversion_says_possible_duplicates_once_with_the_matches(board, client_as):
    """L3 (step 3): the dialog comes back with the matches and one message, not the same one twice."""
    from dealbook.crm.services.contacts import contact_create

    contact_create(actor=board["operator"], first_name="Наталья", phones=["+7 921 848-53-83"])
    lead = lead_create(
        actor=board["operator"], title="Звонок", phone="8 (921) 848-53-83", pipeline=board["pipeline"]
    )
    response = client_as(board["operator"]).post(
        reverse("lead_convert", args=[lead.pk]), {"mode": "deal_contact", "first_name": "Роман"}
    )
    assert response.status_code == 409
    dialog = response.content.decode().split('id="convert-dialog"', 1)[1]
    assert dialog.count("Possible duplicates") == 1
    assert 'name="confirm_duplicates"' in dialog
