"""User administration and notifications."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.accounts.models import Notification, Role, SalesGroup, User
from dealbook.core.errors import InvalidInput


def notify(*, user, kind: str, text: str, url: str = "") -> Notification | None:
    """Tell one user something (D3 assignment, C4 request, T3 task due). Nobody, no message."""
    if user is None:
        return None
    return Notification.objects.create(user=user, kind=kind, text=str(text)[:500], url=url[:300])


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    group: SalesGroup | None = None,
    is_superuser: bool = False,
) -> User:
    """Create a user with one of the roles of R1."""
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_("Username is required."), field="username")
    if role not in Role.values:
        raise InvalidInput(_("Unknown role '%(role)s'.") % {"role": role}, field="role")
    if len(password or "") < 8:
        raise InvalidInput(_("The password must have at least 8 characters."), field="password")
    if User.objects.filter(username=username).exists():
        raise InvalidInput(
            _("User '%(username)s' already exists.") % {"username": username}, field="username"
        )
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        group=group,
        is_staff=is_superuser or role == Role.ADMIN,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.save()
    return user


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
