"""The user's saved language applies after sign-in and the language switch is remembered on the user;
the user's time zone is active for the request (issue 3: "dates and times in the user's time zone")."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dealbook.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request leaves its language active in this thread; the next tests expect the default."""
    yield
    translation.deactivate()


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": "secret-pass-1"})
    assert response.status_code == 302
    return response


def test_a_russian_user_sees_russian_after_sign_in_without_choosing(board):
    """User.language "ru": the pages after sign-in are Russian although the browser asked for English."""
    User.objects.filter(pk=board["manager"].pk).update(language="ru")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = sign_in(client, board["manager"])
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    html = client.get(reverse("deals")).content.decode()
    assert 'lang="ru"' in html and "Сделки" in html


def test_an_english_user_keeps_english_after_sign_in(board):
    User.objects.filter(pk=board["manager"].pk).update(language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"  # left by someone else on this browser
    sign_in(client, board["manager"])
    html = client.get(reverse("deals")).content.decode()
    assert 'lang="en"' in html


def test_switching_the_language_saves_it_on_the_user(board):
    """The switch in the user menu is remembered: "en" saved, and the next sign-in starts in English."""
    User.objects.filter(pk=board["manager"].pk).update(language="ru")
    client = Client()
    sign_in(client, board["manager"])
    client.post(reverse("set_language"), {"language": "en", "next": "/deals/"})
    assert User.objects.get(pk=board["manager"].pk).language == "en"
    fresh = Client(HTTP_ACCEPT_LANGUAGE="ru")
    sign_in(fresh, board["manager"])
    assert 'lang="en"' in fresh.get(reverse("deals")).content.decode()


def test_an_unknown_language_is_not_saved(board, client_as):
    User.objects.filter(pk=board["manager"].pk).update(language="en")
    client = client_as(board["manager"])
    client.post(reverse("set_language"), {"language": "xx", "next": "/deals/"})
    assert User.objects.get(pk=board["manager"].pk).language == "en"


@pytest.mark.parametrize("browser, lang", [("ru", "ru"), ("en", "en")])
def test_a_user_without_a_saved_language_gets_the_browsers(board, browser, lang):
    """A new user (language empty) sees the language the browser asks for, and nothing is saved."""
    assert User.objects.get(pk=board["manager"].pk).language == ""
    client = Client(HTTP_ACCEPT_LANGUAGE=browser)
    sign_in(client, board["manager"])
    assert f'lang="{lang}"' in client.get(reverse("deals")).content.decode()
    assert User.objects.get(pk=board["manager"].pk).language == ""


def test_a_signed_out_switch_changes_only_the_cookie(board):
    response = Client().post(reverse("set_language"), {"language": "ru", "next": "/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert User.objects.get(pk=board["manager"].pk).language == ""


def test_the_users_time_zone_is_active_for_the_request(board, client_as, monkeypatch):
    """The middleware activates User.time_zone for any view, not only the page decorator's."""
    from django.utils import timezone

    from dealbook.web import middleware

    seen = []
    board["manager"].time_zone = "Asia/Vladivostok"
    board["manager"].save()
    original = middleware.UserPreferencesMiddleware.__call__

    def spy(self, request):
        def inner(req):
            seen.append(timezone.get_current_timezone_name())
            return self_get_response(req)

        self_get_response = self.get_response
        self.get_response = inner
        try:
            return original(self, request)
        finally:
            self.get_response = self_get_response

    monkeypatch.setattr(middleware.UserPreferencesMiddleware, "__call__", spy)
    client_as(board["manager"]).get(reverse("search"), {"q": "x"})
    assert seen == ["Asia/Vladivostok"]
    assert timezone.get_current_timezone_name() != "Asia/Vladivostok"
