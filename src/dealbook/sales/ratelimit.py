"""A fixed-window request counter per client IP in Django's cache (locmem by default, Redis when
configured): the public proposal pages answer 429 past the limit."""

from __future__ import annotations

import functools
import ipaddress
import time

from django.core.cache import cache
from django.shortcuts import render

# scope -> (requests, seconds)
LIMITS = {
    "view": (30, 60),  # opening the page and its PDF
    "answer": (5, 600),  # signing and declining attempts
}


def client_ip(request) -> str | None:
    """REMOTE_ADDR only: a forwarded header is the client's own claim unless a trusted proxy sets
    it. Anything that is not an IP address (a unix socket's peer) is None."""
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR") or ""))
    except ValueError:
        return None


def _now() -> float:
    return time.time()


def allow(request, scope: str) -> bool:
    """Count this request; False once the IP is past the scope's limit in the current window."""
    limit, window = LIMITS[scope]
    slot = int(_now() // window)
    key = f"sales:rl:{scope}:{client_ip(request) or '-'}:{slot}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    return count <= limit


def limited(scope: str):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not allow(request, scope):
                response = render(request, "sales/public_gone.html", {"code": 429}, status=429)
                response["Retry-After"] = str(LIMITS[scope][1])
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
