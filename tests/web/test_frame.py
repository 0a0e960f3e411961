"""The frame: sign in and out, global search, notifications bell, language and time zone."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dealbook.accounts.models import Notification
from dealbook.core import timeline
from dealbook.crm.models import Deal
from tests import factories


@pytest.mark.django_db
def test_sign_in_and_out(board, client):
    """Sign in with username and password lands on the deals; signing out returns to the sign-in page."""
    assert client.get(reverse("login")).status_code == 200
    bad = client.post(reverse("login"), {"username": board["manager"].username, "password": "wrong"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    ok = client.post(reverse("login"), {"username": board["manager"].username, "password": "secret-pass-1"})
    assert ok.status_code == 302 and ok["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("deals")
    out = client.post(reverse("logout"))
    assert out.status_code == 302 and out["Location"] == reverse("login")
    assert client.get(reverse("deals")).status_code == 302


@pytest.mark.django_db
def test_search_finds_deals_by_title_and_number_and_companies_by_inn(board, client_as):
    """C3: one box finds deals by title or number and companies by INN; R2 hides others' deals."""
    client = client_as(board["manager"])
    html = client.get(reverse("search"), {"q": "Кольца"}).content.decode()
    assert "Кольца КС" in html
    html = client.get(reverse("search"), {"q": f"#{board['mine'].pk}"}).content.decode()
    assert "Кольца КС" in html
    html = client.get(reverse("search"), {"q": "7806210"}).content.decode()
    assert "ООО Ромашка" in html
    html = client.get(reverse("search"), {"q": "Olga private"}).content.decode()
    assert "Olga private deal" not in html and "Nothing found" in html
    html = client.get(reverse("search"), {"q": str(board["private"].pk)}).content.decode()
    assert "Olga private deal" not in html


@pytest.mark.django_db
def test_search_is_bounded(board, client_as, django_assert_max_num_queries):
    for i in range(30):
        factories.make_deal(pipeline=board["pipeline"], responsible=board["manager"], title=f"Кольца {i}")
    client = client_as(board["manager"])
    with django_assert_max_num_queries(8):
        html = client.get(reverse("search"), {"q": "Кольца"}).content.decode()
    assert html.count("/deals/") == 6


@pytest.mark.django_db
def test_bell_counts_unread_and_marks_read(board, client_as):
    """Notifications: the bell shows the unread count; "mark all as read" clears it."""
    for i in range(3):
        Notification.objects.create(user=board["manager"], kind="deal_assigned", text=f"n{i}", url="/deals/")
    client = client_as(board["manager"])
    html = client.get(reverse("deals")).content.decode()
    assert "data-unread>3<" in html
    assert "n2" in client.get(reverse("notifications")).content.decode()
    client.post(reverse("notifications_read"))
    assert "data-unread" not in client.get(reverse("deals")).content.decode()


@pytest.mark.django_db
def test_sidebar_counts_overdue_tasks_and_new_deals(board, client_as):
    from tests.web.conftest import overdue_task

    overdue_task(board["mine"], board["manager"])
    factories.make_deal(pipeline=board["pipeline"], stage_code="new", title="Incoming")
    html = client_as(board["operator"]).get(reverse("deals")).content.decode()
    assert 'title="New deals">1<' in html
    html = client_as(board["manager"]).get(reverse("deals")).content.decode()
    assert 'title="Overdue tasks">1<' in html


@pytest.mark.django_db
def test_russian_rendering_and_money_format(board, client_as):
    """Language: the set_language cookie switches the pages; money "4 000,00 ₽" in Russian."""
    Deal.objects.filter(pk=board["mine"].pk).update(amount="4000.00")
    client = client_as(board["manager"])
    client.post(reverse("set_language"), {"language": "ru", "next": "/deals/"})
    html = client.get(reverse("deal", args=[board["mine"].pk])).content.decode()
    assert 'lang="ru"' in html
    assert "4\u202f000,00\u00a0₽" in html
    client.post(reverse("set_language"), {"language": "en", "next": "/deals/"})
    html = client.get(reverse("deal", args=[board["mine"].pk])).content.decode()
    assert 'lang="en"' in html and "₽4,000.00" in html


@pytest.mark.django_db
def test_times_in_the_users_time_zone(board, client_as):
    """Times shown in User.time_zone: an event at 12:00 UTC reads 22:00 in Vladivostok."""
    event = timeline.comment_add(subject=board["mine"], actor=board["manager"], text="tz check")
    moment = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
    type(event).objects.filter(pk=event.pk).update(created_at=moment)
    board["manager"].time_zone = "Asia/Vladivostok"
    board["manager"].save()
    html = client_as(board["manager"]).get(reverse("deal", args=[board["mine"].pk])).content.decode()
    assert "10.01.2026 22:00" in html
    assert timezone.get_current_timezone_name() != "Asia/Vladivostok"  # deactivated after the page


@pytest.mark.django_db
def test_unknown_time_zone_falls_back(board, client_as):
    board["manager"].time_zone = "Mars/Olympus"
    board["manager"].save()
    assert client_as(board["manager"]).get(reverse("deal", args=[board["mine"].pk])).status_code == 200
