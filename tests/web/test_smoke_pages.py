"""Every page answers for a signed-in user and sends a stranger to the sign-in page."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "deals",
        "deals_list",
        "leads",
        "companies",
        "contacts",
        "products",
        "tasks",
        "calendar",
        "notifications",
    ],
)
def test_page_renders_for_signed_in_user(board, client_as, name):
    """R1: every section of the navigation opens for a sales manager."""
    response = client_as(board["manager"]).get(reverse(name))
    assert response.status_code == 200
    assert b'class="sidebar"' in response.content


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("deals"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
