"""Bearer tokens for integrations, the session for the browser (with CSRF).

A token found in the database is remembered by the worker process for a few seconds
(DEALBOOK_TOKEN_CACHE_SECONDS, default 5): the lookup was a third of a list request's cost. The
price is bounded: a token revoked, or a user deactivated, in another process stops working
within that many seconds; in this process `forget_token` drops it at once.
"""

from __future__ import annotations

import copy
import time

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from dealbook.accounts.models import ApiToken

_clock = time.monotonic  # replaced in tests to move time forward
_cache: dict[str, tuple[float, ApiToken]] = {}
_CACHE_LIMIT = 10_000
LAST_USED_EVERY = 60  # seconds between writes of a token's last use


def _cache_seconds() -> float:
    return float(getattr(settings, "API_TOKEN_CACHE_SECONDS", 5))


def forget_token(key: str | None = None) -> None:
    """Drop one token (or all) from this process's cache: after a revocation here."""
    if key is None:
        _cache.clear()
    else:
        _cache.pop(key, None)


def _lookup(key: str) -> ApiToken | None:
    ttl = _cache_seconds()
    now = _clock()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    found = ApiToken.lookup(key)
    if found is None:
        _cache.pop(key, None)
    elif ttl > 0:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = (now, found)
    return found


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = _lookup(token)
        if found is None:
            return None
        now = timezone.now()
        # refresh last use at most once a minute: no write on every request
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
        # each request gets its own copy: views may set attributes on request.user
        user = copy.copy(found.user)
        request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and user.is_active:
            return user
        return None


AUTH = [TokenAuth(), ActiveSessionAuth()]
