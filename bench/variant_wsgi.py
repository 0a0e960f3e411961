"""WSGI application with the code-level changes that bench/ab_variants.py evaluates.

Each variant patches, at start-up and only in this benchmark process, what a proposed change
would do, so its effect can be measured before anyone edits the real module:
- fast_json: the API renders JSON with pydantic-core (Rust) instead of json + NinjaJSONEncoder
  (proposal for api/main.py);
- token_cache: a bearer token found in the database is reused for 10 s by the same worker
  (proposal for accounts/models.py ApiToken.lookup / api/auth.py).
"""

from __future__ import annotations

import os
import time

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.variant_settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
VARIANT = set(filter(None, os.environ.get("DEALBOOK_VARIANT", "").split(",")))
TOKEN_TTL = 10.0

if "fast_json" in VARIANT:
    import pydantic_core
    from ninja.renderers import BaseRenderer

    from dealbook.api.main import api

    class RustJSONRenderer(BaseRenderer):
        media_type = "application/json"

        def render(self, request, data, *, response_status):
            return pydantic_core.to_json(data, fallback=str)

    api.renderer = RustJSONRenderer()

if "token_cache" in VARIANT:
    from django.utils import timezone

    from dealbook.accounts.models import ApiToken

    _lookup = ApiToken.lookup.__func__
    _cache: dict[str, tuple[float, object]] = {}

    def cached_lookup(cls, key):
        now = time.monotonic()
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < TOKEN_TTL:
            return hit[1]
        found = _lookup(cls, key)
        # TokenAuth refreshes last_used_at at most once a minute; keep entries younger than that
        if found is not None and found.last_used_at is not None:
            if (timezone.now() - found.last_used_at).total_seconds() < 60 - TOKEN_TTL:
                _cache[key] = (now, found)
        return found

    ApiToken.lookup = classmethod(cached_lookup)
