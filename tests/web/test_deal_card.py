"""The deal card (D5, P1–P6, T2–T4): header, fields in place, timeline, lines, tasks."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealbook.activities.models import ChecklistItem, Task
from dealbook.catalog.models import TaxKind
from dealbook.core import timeline
from dealbook.core.models import Attachment, Event, EventKind
from dealbook.crm.models import DealContact, DealLine
from dealbook.crm.services import lines as line_services
from tests import factories


def card(client, deal, tab=None):
    return client.get(reverse("deal", args=[deal.pk]), {"tab": tab} if tab else {})


@pytest.mark.django_db
def test_card_shows_header_progress_client_and_contacts(board, client_as):
    """D5/C5: number, title, stage bar, the company's requisites and the primary contact first."""
    deal = board["mine"]
    first = factories.make_contact("Roman", last_name="Second")
    primary = factories.make_contact("Stanislav", last_name="Primary")
    DealContact.objects.create(deal=deal, contact=first, is_primary=False)
    DealContact.objects.create(deal=deal, contact=primary, is_primary=True)
    html = card(client_as(board["manager"]), deal).content.decode()
    assert f"#{deal.pk}" in html and "Кольца КС" in html
    assert 'class="progress"' in html and 'class="current"' in html
    assert "7806210729" in html
    assert html.index("Primary Stanislav") < html.index("Second Roman")


@pytest.mark.django_db
def test_another_managers_private_deal_is_404(board, client_as):
    """R2: a sales manager cannot open another manager's private deal."""
    assert card(client_as(board["manager"]), board["private"]).status_code == 404


@pytest.mark.django_db
def test_card_query_count_does_not_grow_with_rows(board, client_as):
    """Bounded queries: 2 or 40 lines, events, tasks and contacts cost the same on every tab."""
    deal = board["mine"]
    client = client_as(board["manager"])
    product = factories.make_product("Ring", price="700.00")
    line_services.line_add(actor=board["manager"], deal=deal, product=product, quantity="1")
    first = Task.objects.create(
        title="first", responsible=board["manager"], deal=deal, deadline=timezone.now() + dt.timedelta(days=1)
    )
    ChecklistItem.objects.create(task=first, text="a")
    for tab in ("timeline", "products", "tasks"):
        card(client, deal, tab)
    counts = {}
    for tab in ("timeline", "products", "tasks"):
        with CaptureQueriesContext(connection) as ctx:
            card(client, deal, tab)
        counts[tab] = len(ctx)
    for i in range(40):
        line_services.line_add(actor=board["manager"], deal=deal, product=product, quantity=str(i + 1))
        timeline.comment_add(subject=deal, actor=board["manager"], text=f"note {i}")
        task = Task.objects.create(
            title=f"t{i}",
            responsible=board["manager"],
            deal=deal,
            deadline=timezone.now() + dt.timedelta(days=1),
        )
        ChecklistItem.objects.create(task=task, text="a")
        DealContact.objects.create(deal=deal, contact=factories.make_contact())
    for tab in ("timeline", "products", "tasks"):
        with CaptureQueriesContext(connection) as ctx:
            response = card(client, deal, tab)
        assert response.status_code == 200
        assert len(ctx) == counts[tab], tab
        assert len(ctx) <= 30


@pytest.mark.django_db
def test_field_edited_in_place(board, client_as):
    """D5/R3: a field saved in place through deal_update; the change is on the timeline."""
    client = client_as(board["manager"])
    url = reverse("deal_field", args=[board["mine"].pk, "location"])
    editor = client.get(url, {"edit": "1"}, HTTP_HX_REQUEST="true")
    assert 'name="location"' in editor.content.decode()
    saved = client.post(url, {"location": "Синявино"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert "Синявино" in saved.content.decode() and "<form" not in saved.content.decode()
    board["mine"].refresh_from_db()
    assert board["mine"].location == "Синявино"
    assert Event.objects.filter(subject_id=board["mine"].pk, kind=EventKind.UPDATED).exists()


@pytest.mark.django_db
def test_field_error_is_shown_under_the_field_and_nothing_saved(board, client_as):
    """Bad input: a close date before the start date; the service's message under the field."""
    deal = board["mine"]
    deal.begin_date = dt.date(2026, 5, 12)
    deal.save()
    client = client_as(board["manager"])
    response = client.post(
        reverse("deal_field", args=[deal.pk, "close_date"]),
        {"close_date": "2026-05-01"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "close date cannot be before the start date" in html
    assert 'class="error"' in html and 'value="2026-05-01"' in html
    deal.refresh_from_db()
    assert deal.close_date is None
    bad = client.post(reverse("deal_field", args=[deal.pk, "probability"]), {"probability": "lots"})
    assert bad.status_code == 400 and "Probability is a whole number" in bad.content.decode()


@pytest.mark.django_db
def test_unknown_field_is_refused(board, client_as):
    response = client_as(board["manager"]).post(
        reverse("deal_field", args=[board["mine"].pk, "stage"]), {"stage": "1"}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_amount_is_not_typed_when_lines_exist(board, client_as):
    """D4: with lines the amount comes from them; typing one is refused at the amount field."""
    deal = board["mine"]
    line_services.line_add(actor=board["manager"], deal=deal, product=factories.make_product(), quantity="3")
    response = client_as(board["manager"]).post(
        reverse("deal_field", args=[deal.pk, "amount"]), {"amount": "1.00"}
    )
    assert response.status_code == 409
    assert "sum of the deal" in response.content.decode()


@pytest.mark.django_db
def test_stage_bar_click_moves_and_closed_deal_is_refused(board, client_as):
    """D1: the progress bar moves the deal (htmx answer: the new header); D8: a won deal refuses."""
    client = client_as(board["manager"])
    target = factories.stage(board["pipeline"], "price_announced")
    moved = client.post(
        reverse("deal_move", args=[board["mine"].pk]), {"stage": target.pk}, HTTP_HX_REQUEST="true"
    )
    assert moved.status_code == 200
    assert 'id="deal-head"' in moved.content.decode()
    assert "toast" in moved["HX-Trigger"]
    refused = client.post(
        reverse("deal_move", args=[board["won"].pk]), {"stage": target.pk}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "deal_closed"


@pytest.mark.django_db
def test_assign_by_operator_and_refused_for_sales_manager(board, client_as):
    """D3: an operator reassigns from the header; a sales manager may not (403, unchanged)."""
    url = reverse("deal_assign", args=[board["mine"].pk])
    refused = client_as(board["manager"]).post(
        url, {"responsible": board["other"].pk}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 403
    board["mine"].refresh_from_db()
    assert board["mine"].responsible == board["manager"]
    ok = client_as(board["operator"]).post(url, {"responsible": board["other"].pk}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    board["mine"].refresh_from_db()
    assert board["mine"].responsible == board["other"]
    assert (
        "change"
        not in card(client_as(board["other"]), board["mine"])
        .content.decode()
        .split("progress")[0]
        .split("Responsible")[1][:200]
    )


@pytest.mark.django_db
def test_comment_and_empty_comment(board, client_as):
    """T4: a comment lands on the timeline; an empty one is refused under the box."""
    client = client_as(board["manager"])
    url = reverse("deal_comment", args=[board["mine"].pk])
    ok = client.post(url, {"text": "Созвонилась с клиентом"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "Созвонилась с клиентом" in ok.content.decode()
    empty = client.post(url, {"text": " "}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 400 and "cannot be empty" in empty.content.decode()
    assert Event.objects.filter(subject_id=board["mine"].pk, kind=EventKind.COMMENT).count() == 1


@pytest.mark.django_db
def test_file_upload_and_download(board, client_as):
    """D5/T4: a file on the deal shows on the timeline and downloads for those who see the deal only."""
    client = client_as(board["manager"])
    upload = SimpleUploadedFile("drawing.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        reverse("deal_file", args=[board["mine"].pk]), {"file": upload}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "drawing.pdf" in response.content.decode()
    att = Attachment.objects.get()
    assert client.get(reverse("attachment", args=[att.pk])).status_code == 200
    assert client_as(board["other"]).get(reverse("attachment", args=[att.pk])).status_code == 404
    missing = client.post(reverse("deal_file", args=[board["mine"].pk]), {}, HTTP_HX_REQUEST="true")
    assert missing.status_code == 400 and "Choose a file" in missing.content.decode()


@pytest.mark.django_db
def test_timeline_filter_by_kind(board, client_as):
    deal = board["mine"]
    timeline.comment_add(subject=deal, actor=board["manager"], text="only comment")
    timeline.record(deal, EventKind.CREATED, actor=board["manager"], data={"pipeline_name": "ЖБИ"})
    html = (
        client_as(board["manager"])
        .get(reverse("deal_timeline", args=[deal.pk]), {"kind": "files"})
        .content.decode()
    )
    assert "only comment" not in html
    html = (
        client_as(board["manager"])
        .get(reverse("deal_timeline", args=[deal.pk]), {"kind": "comments"})
        .content.decode()
    )
    assert "only comment" in html


@pytest.mark.django_db
def test_line_added_with_totals_and_vat_included(board, client_as):
    """P1/P2/P4: the seed's lines 3 × 700 + 2 × 950 at 18% included: 4 000.00, VAT 610.17."""
    deal = board["mine"]
    deal.tax_date = dt.date(2018, 5, 12)
    deal.save()
    ring = factories.make_product("Кольцо КС 10-3", price="700.00")
    block = factories.make_product("ФБС 9-5-3т", price="950.00")
    client = client_as(board["manager"])
    url = reverse("deal_line_add", args=[deal.pk])
    assert client.post(url, {"product": ring.pk, "quantity": "3"}, HTTP_HX_REQUEST="true").status_code == 200
    response = client.post(url, {"product": block.pk, "quantity": "2"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "₽4,000.00" in html and "₽610.17" in html and "₽3,389.83" in html
    assert "VAT included" in html
    assert response["HX-Trigger"] == "deal-changed"


@pytest.mark.django_db
def test_line_errors_at_their_fields_and_nothing_written(board, client_as):
    """P1/P2: no product, zero quantity — each message under its field; no line written."""
    client = client_as(board["manager"])
    url = reverse("deal_line_add", args=[board["mine"].pk])
    no_product = client.post(url, {"product": "", "quantity": "1"}, HTTP_HX_REQUEST="true")
    assert (
        no_product.status_code == 400 and "Choose a product from the catalog" in no_product.content.decode()
    )
    zero = client.post(url, {"product": factories.make_product().pk, "quantity": "0"}, HTTP_HX_REQUEST="true")
    assert zero.status_code == 400
    assert 'id="line-qty"' in zero.content.decode().split('class="error"')[0][-600:]
    assert not DealLine.objects.exists()


@pytest.mark.django_db
def test_zero_vat_warning_p5(board, client_as):
    """P5: a zero-rate product on a deal whose profile expects VAT shows the amber warning."""
    product = factories.make_product("Export", tax_kind=TaxKind.ZERO)
    response = client_as(board["manager"]).post(
        reverse("deal_line_add", args=[board["mine"].pk]),
        {"product": product.pk, "quantity": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert 'class="warning"' in response.content.decode()


@pytest.mark.django_db
def test_line_quantity_update_and_remove(board, client_as):
    deal = board["mine"]
    line = line_services.line_add(
        actor=board["manager"], deal=deal, product=factories.make_product(unit_name="т"), quantity="1"
    )
    client = client_as(board["manager"])
    ok = client.post(
        reverse("deal_line_update", args=[deal.pk, line.pk]), {"quantity": "2.5"}, HTTP_HX_REQUEST="true"
    )
    assert ok.status_code == 200
    line.refresh_from_db()
    assert str(line.quantity) == "2.500"
    bad = client.post(
        reverse("deal_line_update", args=[deal.pk, line.pk]), {"quantity": "-1"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400
    line.refresh_from_db()
    assert str(line.quantity) == "2.500"
    gone = client.post(reverse("deal_line_remove", args=[deal.pk, line.pk]), HTTP_HX_REQUEST="true")
    assert gone.status_code == 200 and not DealLine.objects.exists()


@pytest.mark.django_db
def test_closed_deal_has_no_line_editor(board, client_as):
    """D8: a won deal's lines are frozen; the tab shows no editor."""
    html = card(client_as(board["manager"]), board["won"], "products").content.decode()
    assert "Add a product" not in html


@pytest.mark.django_db
def test_product_search_options(board, client_as):
    """P1: the catalog search offers matching active products only."""
    factories.make_product("Кольцо стеновое")
    factories.make_product("Блок ФБС")
    html = (
        client_as(board["manager"]).get(reverse("product_options"), {"product_q": "кольцо"}).content.decode()
    )
    assert "Кольцо стеновое" in html and "Блок ФБС" not in html


@pytest.mark.django_db
def test_client_block_add_primary_remove_and_bind_company(board, client_as):
    """C5: contacts added (the first primary), another made primary, one removed; a company bound."""
    deal = board["private"]
    client = client_as(board["other"])
    url = reverse("deal_client", args=[deal.pk])
    first = factories.make_contact("Roman", responsible=board["other"])
    second = factories.make_contact("Stanislav", responsible=board["other"])
    assert client.post(url, {"action": "add", "contact": first.pk}, HTTP_HX_REQUEST="true").status_code == 200
    client.post(url, {"action": "add", "contact": second.pk}, HTTP_HX_REQUEST="true")
    assert DealContact.objects.get(deal=deal, contact=first).is_primary
    client.post(url, {"action": "primary", "contact": second.pk}, HTTP_HX_REQUEST="true")
    assert DealContact.objects.get(deal=deal, contact=second).is_primary
    client.post(url, {"action": "remove", "contact": second.pk}, HTTP_HX_REQUEST="true")
    assert list(DealContact.objects.filter(deal=deal).values_list("contact_id", "is_primary")) == [
        (first.pk, True)
    ]
    bound = client.post(url, {"action": "company", "company": board["company"].pk}, HTTP_HX_REQUEST="true")
    assert bound.status_code == 200 and "7806210729" in bound.content.decode()
    deal.refresh_from_db()
    assert deal.company == board["company"]


@pytest.mark.django_db
def test_client_block_refuses_an_unseen_contact(board, client_as):
    """R2: a contact the user cannot see is not bound; the message sits under the contact search."""
    hidden = factories.make_contact("Hidden", responsible=board["other"])
    response = client_as(board["manager"]).post(
        reverse("deal_client", args=[board["mine"].pk]),
        {"action": "add", "contact": hidden.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400 and "Choose a contact" in response.content.decode()
    assert not DealContact.objects.exists()


@pytest.mark.django_db
def test_client_options_search(board, client_as):
    factories.make_contact("Наталья", last_name="Павлова", responsible=board["manager"])
    client = client_as(board["manager"])
    html = client.get(reverse("client_options"), {"q": "Павл"}).content.decode()
    assert "Павлова Наталья" in html
    html = client.get(reverse("client_options"), {"q": "7806210", "kind": "company"}).content.decode()
    assert "ООО Ромашка" in html


@pytest.mark.django_db
def test_timeline_pins_open_tasks_and_labels_field_changes(board, client_as):
    """T4: open tasks are pinned as "To do" above the events; a field change reads with its label."""
    from tests.web.conftest import overdue_task

    overdue_task(board["mine"], board["manager"])
    timeline.change(board["mine"], "close_date", None, "2026-06-01", actor=board["manager"])
    html = card(client_as(board["manager"]), board["mine"]).content.decode()
    todo = html.split('aria-label="To do"')[1].split('class="segmented"')[0]
    assert "Call back" in todo and "overdue" in todo
    assert "Expected close date:" in html
