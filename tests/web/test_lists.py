"""Lists: deals table with presets, sorting and cursor pages; leads, companies, contacts, products."""

import pytest
from django.urls import reverse

from dealbook.crm import totals
from dealbook.crm.models import Lead
from tests import factories


@pytest.mark.django_db
def test_deals_list_presets_and_r2(board, client_as):
    """D6: "in work" shows open deals, "won" the won ones; another manager's private deal never shows."""
    client = client_as(board["manager"])
    html = client.get(reverse("deals_list")).content.decode()
    assert "Кольца КС" in html and "Closed deal" not in html and "Olga private deal" not in html
    html = client.get(reverse("deals_list"), {"preset": "won"}).content.decode()
    assert "Closed deal" in html and "Кольца КС" not in html


@pytest.mark.django_db
def test_deals_list_presets_are_tabs_for_assistive_technology(board, client_as):
    """D6/UI: the presets are a tab list like the deal card's tabs — role="tablist", each a
    role="tab", the chosen one aria-selected="true" and only that one."""
    import re

    html = client_as(board["manager"]).get(reverse("deals_list"), {"preset": "won"}).content.decode()
    nav = re.search(r'<nav class="tabs"[^>]*role="tablist"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None
    tabs = re.findall(r"<a [^>]*>", nav.group(1))
    assert len(tabs) == 5 and all('role="tab"' in t for t in tabs)
    selected = [t for t in tabs if 'aria-selected="true"' in t]
    assert len(selected) == 1 and "preset=won" in selected[0]


@pytest.mark.django_db
def test_deals_list_sorts_and_pages_by_cursor(board, client_as, django_assert_max_num_queries):
    for i in range(55):
        factories.make_deal(
            pipeline=board["pipeline"], responsible=board["manager"], title=f"Row {i:02d}", amount=i
        )
    totals.recount(board["pipeline"])
    client = client_as(board["manager"])
    with django_assert_max_num_queries(16):  # 55 rows, a fixed number of queries
        first = client.get(reverse("deals_list"), {"ordering": "-amount", "preset": "all"}).content.decode()
    assert first.index("Row 54") < first.index("Row 53")
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(
        reverse("deals_list"), {"ordering": "-amount", "preset": "all", "cursor": cursor}
    ).content.decode()
    assert "Row 00" in second and "Row 54" not in second
    bad = client.get(reverse("deals_list"), {"cursor": "garbage"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_leads_companies_contacts_products(board, client_as):
    lead = Lead.objects.create(title="Звонок: кольца", name="Павлова", responsible=board["manager"])
    contact = factories.make_contact("Роман", responsible=board["manager"])
    factories.make_product("Кольцо стеновое КС 10-3")
    client = client_as(board["manager"])
    assert "Звонок: кольца" in client.get(reverse("leads")).content.decode()
    assert client.get(reverse("lead", args=[lead.pk])).status_code == 200
    assert "ООО Ромашка" in client.get(reverse("companies"), {"q": "7806210729"}).content.decode()
    assert client.get(reverse("company", args=[board["company"].pk])).status_code == 200
    assert "Роман" in client.get(reverse("contacts")).content.decode()
    assert client.get(reverse("contact", args=[contact.pk])).status_code == 200
    assert "Кольцо стеновое" in client.get(reverse("products")).content.decode()


@pytest.mark.django_db
def test_other_managers_private_contact_is_404(board, client_as):
    contact = factories.make_contact("Secret", responsible=board["other"])
    assert client_as(board["manager"]).get(reverse("contact", args=[contact.pk])).status_code == 404


@pytest.mark.django_db
def test_wrong_inn_is_shown_under_the_field_and_nothing_saved(board, client_as):
    """C2/C4: an accountant types an INN with a wrong checksum; the message sits under the INN field."""
    accountant = factories.make_user("accountant")
    client = client_as(accountant)
    url = reverse("company_requisites", args=[board["company"].pk])
    response = client.post(url, {"name": "ООО Ромашка", "inn": "7806210728"})
    assert response.status_code == 400
    html = response.content.decode()
    field = html.split('id="rq-inn"')[1].split("</div>")[0]
    assert 'class="error"' in field
    board["company"].refresh_from_db()
    assert board["company"].inn == "7806210729"
    ok = client.post(url, {"name": "ООО Ромашка", "inn": "7806210729", "kpp": "780601001"})
    assert ok.status_code == 302
    board["company"].refresh_from_db()
    assert board["company"].kpp == "780601001"


@pytest.mark.django_db
def test_sales_manager_cannot_change_requisites(board, client_as):
    """C4: requisites belong to accounting; a sales manager gets no editor and a refusal."""
    from dealbook.crm.models import Company

    company = Company.objects.get(pk=board["company"].pk)
    client = client_as(board["manager"])
    assert "Edit requisites" not in client.get(reverse("company", args=[company.pk])).content.decode()
    response = client.post(reverse("company_requisites", args=[company.pk]), {"name": "X", "inn": ""})
    assert response.status_code == 403
    company.refresh_from_db()
    assert company.name == "ООО Ромашка"


@pytest.mark.django_db
def test_bulk_assign_by_operator_and_refused_for_sales_manager(board, client_as):
    """D3/R1: an operator assigns ticked deals in bulk; a sales manager's bulk assign is refused per deal."""
    from dealbook.crm.models import Deal

    ids = [board["mine"].pk, board["private"].pk]
    ok = client_as(board["operator"]).post(
        reverse("deals_bulk"), {"ids": ids, "action": "assign", "responsible": board["other"].pk}, follow=True
    )
    assert "2 deal(s) changed" in ok.content.decode()
    assert set(Deal.objects.filter(pk__in=ids).values_list("responsible_id", flat=True)) == {
        board["other"].pk
    }
    refused = client_as(board["manager"]).post(
        reverse("deals_bulk"),
        {"ids": [board["won"].pk], "action": "assign", "responsible": board["other"].pk},
        follow=True,
    )
    assert "does not allow assigning" in refused.content.decode()
    assert Deal.objects.get(pk=board["won"].pk).responsible == board["manager"]


@pytest.mark.django_db
def test_bulk_move_reports_what_the_rules_refuse(board, client_as):
    """D1/D8/R2: the open deal moves; the closed one and another manager's private one are reported."""
    from dealbook.crm.models import Deal

    ids = [board["mine"].pk, board["won"].pk, board["private"].pk]
    response = client_as(board["manager"]).post(
        reverse("deals_bulk"), {"ids": ids, "action": "move", "stage": "price_announced"}, follow=True
    )
    html = response.content.decode()
    assert "1 deal(s) changed" in html
    assert f"#{board['won'].pk}: The deal is closed" in html
    assert f"#{board['private'].pk}: Deal not found" in html
    assert Deal.objects.get(pk=board["mine"].pk).stage.code == "price_announced"
    assert Deal.objects.get(pk=board["private"].pk).stage.code == "negotiation"


@pytest.mark.django_db
def test_deals_list_columns_the_user_picks(board, client_as):
    """D6: the user picks the columns; the choice stays for the next visit."""
    client = client_as(board["manager"])
    html = client.get(reverse("deals_list")).content.decode()
    assert "<th>Responsible</th>" in html and "<th>Expected close date</th>" not in html
    html = client.get(
        reverse("deals_list"), {"columns": "1", "cols": ["amount", "close_date"]}
    ).content.decode()
    assert "<th>Responsible</th>" not in html and "<th>Expected close date</th>" in html
    html = client.get(reverse("deals_list")).content.decode()
    assert "<th>Expected close date</th>" in html
