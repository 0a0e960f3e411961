"""Keyset (cursor) pagination with a capped page size: no OFFSET, no COUNT over big tables."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from dealbook.core.errors import InvalidInput


def _enc(value):
    if isinstance(value, dt.datetime | dt.date):
        return {"t": value.isoformat(), "k": "dt" if isinstance(value, dt.datetime) else "d"}
    if isinstance(value, Decimal):
        return {"t": str(value), "k": "dec"}
    return value


def _dec(value):
    if isinstance(value, dict):
        kind, text = value.get("k"), value.get("t")
        if kind == "dt":
            return dt.datetime.fromisoformat(text)
        if kind == "d":
            return dt.date.fromisoformat(text)
        if kind == "dec":
            return Decimal(text)
    return value


def encode_cursor(value, pk) -> str:
    raw = json.dumps([_enc(value), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        pk = int(pk)
        if not 0 <= pk < 2**63:  # beyond a 64-bit key the database itself would overflow
            raise ValueError(pk)
        return _dec(value), pk
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInput(_("cursor: not a cursor returned by this API."), field="cursor") from None


def paginate(
    qs, *, ordering: str | None, allowed: dict[str, str], default: str, cursor: str | None, limit: int
):
    """Return (items, next_cursor). `allowed` maps public ordering names to non-null model fields."""
    field, desc = page_ordering(ordering, allowed=allowed, default=default, limit=limit)
    position = decode_cursor(cursor) if cursor else None
    items = list(page_query(qs, field=field, desc=desc, position=position, limit=limit))
    return page_result(items, field=field, limit=limit)


def page_ordering(ordering: str | None, *, allowed: dict[str, str], default: str, limit: int):
    """Check the ordering and page size; return (model field, descending)."""
    ordering = ordering or default
    desc = ordering.startswith("-")
    name = ordering.lstrip("-")
    if name not in allowed:
        choices = ", ".join(sorted(allowed))
        raise InvalidInput(
            _("ordering: '%(name)s' is not sortable; use one of %(choices)s.")
            % {"name": name, "choices": choices},
            field="ordering",
        )
    max_page = settings.DEALBOOK_API_MAX_PAGE
    if limit < 1 or limit > max_page:
        raise InvalidInput(_("limit: must be between 1 and %(max)s.") % {"max": max_page}, field="limit")
    return allowed[name], desc


def page_query(qs, *, field: str, desc: bool, position, limit: int):
    """One page and one row more (to know whether a next page exists), after the decoded cursor
    `position` = (value, pk) if any, ordered by field then pk."""
    sign = "-" if desc else ""
    qs = qs.order_by(f"{sign}{field}", f"{sign}pk") if field != "pk" else qs.order_by(f"{sign}pk")
    if position is not None:
        value, pk = position
        op = "lt" if desc else "gt"
        if field == "pk":
            qs = qs.filter(**{f"pk__{op}": pk})
        else:
            qs = qs.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk}))
    return qs[: limit + 1]


def page_result(items: list, *, field: str, limit: int):
    """(items, next_cursor) from the limit + 1 rows page_query fetched."""
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        value = last.pk if field == "pk" else _attr(last, field)
        next_cursor = encode_cursor(value, last.pk)
    return items, next_cursor


def _attr(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj
