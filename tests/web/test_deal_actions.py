"""The deal card header's actions menu: "Copy deal" for whoever may create deals, "Delete deal" only
for directors and administrators (R1) on open deals (D8), behind a confirmation dialog; refusals
(billing: the deal has invoices) come back as a message on the card."""

import pytest
from django.urls import reverse

from dealbook.accounts.models import Role
from dealbook.core.errors import RuleViolation
from dealbook.crm import hooks, totals
from dealbook.crm.models import Deal
from tests import factories

pytestmark = pytest.mark.django_db


def card(client, deal):
    return client.get(reverse("deal", args=[deal.pk])).content.decode()


def test_menu_shows_copy_to_a_manager_but_not_delete(board, client_as):
    html = card(client_as(board["manager"]), board["mine"])
    assert reverse("deal_copy", args=[board["mine"].pk]) in html
    assert reverse("deal_delete", args=[board["mine"].pk]) not in html


def test_menu_shows_delete_with_a_confirmation_dialog_to_a_director(board, client_as):
    director = factories.make_user(Role.DIRECTOR)
    html = card(client_as(director), board["mine"])
    assert 'id="delete-deal-dialog"' in html and reverse("deal_delete", args=[board["mine"].pk]) in html


def test_d8_no_delete_on_a_closed_deal(board, client_as):
    director = factories.make_user(Role.DIRECTOR)
    html = card(client_as(director), board["won"])
    assert reverse("deal_delete", args=[board["won"].pk]) not in html
    assert reverse("deal_copy", args=[board["won"].pk]) in html


def test_copy_opens_the_copy(board, client_as):
    client = client_as(board["manager"])
    response = client.post(reverse("deal_copy", args=[board["mine"].pk]))
    copy = Deal.objects.order_by("-id").first()
    assert copy.pk != board["mine"].pk and copy.title == board["mine"].title
    assert response.status_code == 302 and response["Location"] == reverse("deal", args=[copy.pk])
    html = client.get(response["Location"]).content.decode()
    assert f"This is a copy of deal #{board['mine'].pk}" in html
    assert "Copy of" in html  # COPIED on the copy's timeline


def test_copy_needs_post(board, client_as):
    assert client_as(board["manager"]).get(reverse("deal_copy", args=[board["mine"].pk])).status_code == 405


def test_delete_by_a_director_goes_back_to_the_board(board, client_as):
    director = factories.make_user(Role.DIRECTOR)
    client = client_as(director)
    response = client.post(reverse("deal_delete", args=[board["mine"].pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("deals"))
    assert not Deal.objects.filter(pk=board["mine"].pk).exists()
    assert totals.stored_totals(board["pipeline"]) == totals.live_totals(board["pipeline"])
    assert "was deleted" in client.get(response["Location"]).content.decode()


def test_delete_by_a_manager_is_refused_with_a_message(board, client_as):
    client = client_as(board["manager"])
    response = client.post(reverse("deal_delete", args=[board["mine"].pk]))
    assert response.status_code == 302
    assert "does not allow deleting deals" in client.get(response["Location"]).content.decode()
    assert Deal.objects.filter(pk=board["mine"].pk).exists()


def test_delete_refused_by_billing_shows_its_message(board, client_as, monkeypatch):
    def refuse(*, deal, actor):
        raise RuleViolation(
            "The deal cannot be deleted: it has invoice 7.", field="id", code="deal_has_invoices"
        )

    monkeypatch.setitem(hooks._HOOKS, "deal_can_delete", [refuse])
    client = client_as(factories.make_user(Role.DIRECTOR))
    response = client.post(reverse("deal_delete", args=[board["mine"].pk]))
    assert "it has invoice 7" in client.get(response["Location"]).content.decode()
    assert Deal.objects.filter(pk=board["mine"].pk).exists()


def test_r2_copying_a_deal_one_cannot_see_is_404(board, client_as):
    assert (
        client_as(board["manager"]).post(reverse("deal_copy", args=[board["private"].pk])).status_code == 404
    )
