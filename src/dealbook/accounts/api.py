"""auth/token and users."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema

from dealbook.accounts import queries
from dealbook.accounts.models import ApiToken, Notification
from dealbook.accounts.services import notifications_mark_read
from dealbook.api.pagination import paginate
from dealbook.core.errors import DomainError, InvalidInput

router = Router(tags=["users"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    user_id: int
    role: str


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: str
    group_id: int | None
    is_active: bool


class Unauthenticated(DomainError):
    status = 401
    default_code = "unauthenticated"


@router.post("auth/token", auth=None, response=TokenOut)
def issue_token(request, payload: TokenIn):
    """Exchange a username and password for a bearer token."""
    if not payload.username:
        raise InvalidInput(_("username: required."), field="username")
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise Unauthenticated(_("Wrong username or password."), field="password")
    _token, key = ApiToken.issue(user, name="api")
    return {"token": key, "user_id": user.pk, "role": user.role}


@router.get("users/me", response=UserOut)
def me(request):
    return request.auth


@router.get("users", response=list[UserOut])
def users(request, role: str | None = None, group_id: int | None = None):
    """Active users (for assignment pickers), at most a few hundred in any CRM we serve."""
    return list(queries.active_users(role=role, group_id=group_id)[:500])


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationPage(Schema):
    unread: int
    items: list[NotificationOut]
    next_cursor: str | None = None


class NotificationsReadIn(Schema):
    ids: list[int] | None = None  # none: mark every unread notification read


class NotificationsReadOut(Schema):
    marked: int
    unread: int


def _mine(user):
    # notifications are private: every query starts from the user's own rows
    return Notification.objects.filter(user=user)


@router.get("notifications", response=NotificationPage, tags=["notifications"])
def notifications(request, unread: bool = False, cursor: str | None = None, limit: int = 50):
    """The user's notifications, newest first, with the unread count for the bell."""
    qs = _mine(request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    items, next_cursor = paginate(
        qs, ordering="-id", allowed={"id": "pk"}, default="-id", cursor=cursor, limit=limit
    )
    count = _mine(request.auth).filter(read_at__isnull=True).count()
    return {"unread": count, "items": items, "next_cursor": next_cursor}


@router.post("notifications/read", response=NotificationsReadOut, tags=["notifications"])
def notifications_read(request, payload: NotificationsReadIn | None = None):
    """Mark the given notifications (or all) read; other users' ids are ignored."""
    ids = payload.ids if payload else None
    marked = notifications_mark_read(user=request.auth, ids=ids)
    return {"marked": marked, "unread": _mine(request.auth).filter(read_at__isnull=True).count()}
