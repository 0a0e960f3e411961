"""Schemas shared by every app's API: timeline events, attachments, the error body, pages."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    code: str


class EventOut(Schema):
    id: int
    kind: str
    created_at: dt.datetime
    actor_id: int | None
    actor_name: str | None = None
    text: str
    data: dict
    edited_at: dt.datetime | None = None

    @staticmethod
    def resolve_actor_name(obj) -> str | None:
        return obj.actor.display_name if obj.actor_id else None


class TimelinePage(Schema):
    items: list[EventOut]
    next_cursor: str | None = None


class CommentIn(Schema):
    text: str


def timeline_page(subject, *, kinds: str | None, cursor: str | None, limit: int) -> dict:
    """GET <resource>/{id}/timeline: newest first, cursor = the last event id seen."""
    from django.utils.translation import gettext as _

    from dealbook.core import timeline
    from dealbook.core.errors import InvalidInput

    before = None
    if cursor:
        if not cursor.isdigit():
            raise InvalidInput(_("cursor: not a cursor returned by this API."), field="cursor")
        before = int(cursor)
    if limit < 1 or limit > 200:
        raise InvalidInput(_("limit: must be between 1 and %(max)s.") % {"max": 200}, field="limit")
    kind_list = [k for k in (kinds or "").split(",") if k]
    items = list(timeline.events_for(subject, kinds=kind_list or None, before_id=before, limit=limit + 1))
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        next_cursor = str(items[-1].id)
    return {"items": items, "next_cursor": next_cursor}
