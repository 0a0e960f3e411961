import pytest
from django.test import Client

from tests import factories


@pytest.fixture(autouse=True)
def _media_and_outbox(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # a fast hasher: the default costs ~0.4 s per user created by the factories
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def f():
    """The factories module, as a fixture for brevity."""
    return factories


class ApiClient:
    """A JSON client for /api/v1/ authenticated with a bearer token."""

    def __init__(self, user=None):
        self.client = Client()
        self.user = user
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {factories.token_for(user)}"} if user else {}

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path, params=None):
        return self.client.get(self._url(path), params or {}, **self.headers)

    def post(self, path, data=None):
        return self.client.post(self._url(path), data or {}, content_type="application/json", **self.headers)

    def patch(self, path, data=None):
        return self.client.patch(self._url(path), data or {}, content_type="application/json", **self.headers)

    def put(self, path, data=None):
        return self.client.put(self._url(path), data or {}, content_type="application/json", **self.headers)

    def delete(self, path):
        return self.client.delete(self._url(path), **self.headers)


@pytest.fixture
def api_as():
    """api_as(user) -> a JSON API client acting as that user."""
    return ApiClient


@pytest.fixture
def without_win_guard(monkeypatch):
    """CRM tests of closed (won) deals, in isolation from billing's D7 guard, which tests/billing covers."""
    from dealbook.crm import hooks

    monkeypatch.setitem(hooks._HOOKS, "deal_can_move", [])
