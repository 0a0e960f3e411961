"""auth/token and the 401 contract: JSON errors in the one format {"detail", "field", "code"}."""

import pytest
from django.test import Client

from dealbook.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _post(client, data):
    return client.post("/api/v1/auth/token", data, content_type="application/json")


def test_good_password_issues_a_working_token(f):
    user = f.make_user(username="roman")
    client = Client()
    r = _post(client, {"username": "roman", "password": "secret-pass-1"})
    assert r.status_code == 200
    body = r.json()
    assert body["user_id"] == user.pk and body["role"] == user.role and body["token"].startswith("db_")
    # only the digest is stored
    assert not ApiToken.objects.filter(digest=body["token"]).exists()
    me = client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200 and me.json()["username"] == "roman"


@pytest.mark.parametrize(
    "data",
    [
        {"username": "roman", "password": "wrong"},
        {"username": "nobody", "password": "secret-pass-1"},
    ],
)
def test_bad_credentials_are_401_json(f, data):
    f.make_user(username="roman")
    r = _post(Client(), data)
    assert r.status_code == 401
    assert r["Content-Type"].startswith("application/json")
    assert r.json() == {
        "detail": "Wrong username or password.",
        "field": "password",
        "code": "unauthenticated",
    }
    assert not ApiToken.objects.exists()


def test_inactive_user_is_refused(f):
    f.make_user(username="gone", is_active=False)
    r = _post(Client(), {"username": "gone", "password": "secret-pass-1"})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert not ApiToken.objects.exists()


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    from dealbook.api import auth

    settings.API_TOKEN_CACHE_SECONDS = 5
    tick = _Clock()
    monkeypatch.setattr(auth, "_clock", tick)
    auth.forget_token()
    yield tick
    auth.forget_token()


def test_token_of_a_deactivated_user_stops_working_within_the_cache_bound(f, api_as, clock):
    """R1: a deactivated user's token is refused once the per-process cache (5 s) has lapsed."""
    user = f.make_user()
    client = api_as(user)
    assert client.get("users/me").status_code == 200
    user.is_active = False
    user.save()
    clock.now += 5.01
    r = client.get("users/me")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_revoked_token_is_refused_within_the_cache_bound_and_at_once_when_forgotten(f, clock):
    """R1: a deleted token works at most API_TOKEN_CACHE_SECONDS longer, never beyond."""
    from dealbook.api import auth

    user = f.make_user()
    token, key = ApiToken.issue(user)
    c = Client(headers={"Authorization": f"Bearer {key}"})
    assert c.get("/api/v1/users/me").status_code == 200
    token.delete()
    clock.now += 4.9  # still inside the bound: the worker has not looked again
    assert c.get("/api/v1/users/me").status_code == 200
    clock.now += 0.2
    assert c.get("/api/v1/users/me").status_code == 401
    # a revocation in this process can drop the entry at once
    token2, key2 = ApiToken.issue(user)
    c2 = Client(headers={"Authorization": f"Bearer {key2}"})
    assert c2.get("/api/v1/users/me").status_code == 200
    token2.delete()
    auth.forget_token(key2)
    assert c2.get("/api/v1/users/me").status_code == 401


def test_without_the_cache_a_deactivated_user_is_refused_immediately(f, api_as, settings):
    """R1: DEALBOOK_TOKEN_CACHE_SECONDS=0 makes every request look the token up."""
    settings.API_TOKEN_CACHE_SECONDS = 0
    user = f.make_user()
    client = api_as(user)
    assert client.get("users/me").status_code == 200
    user.is_active = False
    user.save()
    r = client.get("users/me")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_each_request_gets_its_own_user_object(f, clock):
    """The cached user is copied per request: what one request sets on it never reaches the next."""
    from dealbook.api import auth

    user = f.make_user()
    _, key = ApiToken.issue(user)
    Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/users/me")
    cached = auth._cache[key][1].user
    request = type("R", (), {})()
    first = auth.TokenAuth().authenticate(request, key)
    assert first is not cached and first.pk == cached.pk
    first.marker = "set by a view"
    second = auth.TokenAuth().authenticate(request, key)
    assert not hasattr(second, "marker")


def test_missing_fields_are_400(f):
    r = _post(Client(), {"username": "roman"})
    assert r.status_code == 400 and r.json()["field"] == "password" and r.json()["code"] == "invalid"


@pytest.mark.parametrize("path", ["tasks", "products", "users/me", "notifications"])
def test_requests_without_token_are_401_in_the_error_format(path):
    r = Client().get(f"/api/v1/{path}")
    assert r.status_code == 401
    assert r.json() == {"detail": "Authentication required.", "field": None, "code": "unauthenticated"}


def test_a_wrong_token_is_401(f):
    r = Client().get("/api/v1/tasks", HTTP_AUTHORIZATION="Bearer db_not-a-token")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
