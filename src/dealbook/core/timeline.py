"""Writing and reading timelines (T4, D2, R3). Every service records its events through here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import Attachment, Event, EventKind
from dealbook.core.sqlcache import insert_many


def _jsonable(value):
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def record(subject, kind: str, *, actor=None, data: dict | None = None, text: str = "", group=None) -> Event:
    """Append one event to the subject's timeline."""
    return Event.objects.create(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        subject_id=subject.pk,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        data=_jsonable(data or {}),
        text=text,
        group=group,
    )


def record_many(
    subjects: Iterable, kind: str, *, actor=None, data: dict | None = None, text: str = ""
) -> uuid.UUID:
    """The same action written on every timeline it concerns (L2), tied by one group id."""
    group = uuid.uuid4()
    rows = []
    for subject in subjects:
        if subject is None:
            continue
        rows.append(
            Event(
                subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
                subject_id=subject.pk,
                kind=kind,
                actor=actor if getattr(actor, "pk", None) else None,
                data=_jsonable(data or {}),
                text=text,
                group=group,
            )
        )
    insert_many(rows)
    return group


def change(subject, field: str, old, new, *, actor, kind: str = EventKind.UPDATED) -> Event | None:
    """Record a field change with from/to (R3); nothing when the value did not change."""
    if old == new:
        return None
    return record(subject, kind, actor=actor, data={"field": field, "from": old, "to": new})


def events_for(subject, *, kinds: list[str] | None = None, before_id: int | None = None, limit: int = 50):
    qs = Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        subject_id=subject.pk,
    ).select_related("actor")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if before_id:
        qs = qs.filter(id__lt=before_id)
    return qs.order_by("-id")[:limit]


def comment_add(*, subject, actor, text: str) -> Event:
    """T4: a user writes a comment into the record's timeline."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("A comment cannot be empty."), field="text")
    return record(subject, EventKind.COMMENT, actor=actor, text=text)


@transaction.atomic
def comment_edit(*, event: Event, actor, text: str) -> Event:
    """T4: comments are never edited silently — the previous text stays in the history."""
    text = (text or "").strip()
    if event.kind != EventKind.COMMENT:
        raise Forbidden(_("Only comments can be edited; other timeline entries are permanent."), field="kind")
    if event.actor_id != actor.pk:
        raise Forbidden(_("Only the author can edit a comment."), field="text")
    if not text:
        raise InvalidInput(_("A comment cannot be empty."), field="text")
    event = Event.objects.select_for_update().get(pk=event.pk)
    history = list(event.data.get("history", []))
    history.append({"text": event.text, "until": timezone.now().isoformat()})
    event.data = {**event.data, "history": history}
    event.text = text
    event.edited_at = timezone.now()
    event.save(update_fields=["data", "text", "edited_at"])
    return event


def attach_file(*, subject, actor, uploaded_file, purpose: str = Attachment.Purpose.FILE) -> Attachment:
    """D5/T4: store a file on a record and show it on the timeline."""
    if purpose not in Attachment.Purpose.values:
        raise InvalidInput(_("Unknown file purpose '%(purpose)s'.") % {"purpose": purpose}, field="purpose")
    name = getattr(uploaded_file, "name", "") or "file"
    att = Attachment(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        subject_id=subject.pk,
        name=name[:255],
        size=getattr(uploaded_file, "size", 0) or 0,
        mime_type=(getattr(uploaded_file, "content_type", "") or "")[:120],
        purpose=purpose,
        uploaded_by=actor,
    )
    att.file.save(name, uploaded_file, save=False)
    att.save()
    record(
        subject,
        EventKind.FILE_ATTACHED,
        actor=actor,
        data={"attachment_id": att.pk, "name": att.name, "size": att.size, "purpose": purpose},
    )
    return att
