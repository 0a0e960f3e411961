from __future__ import annotations

from dealbook.accounts.models import User


def active_users(*, role: str | None = None, group_id: int | None = None):
    qs = User.objects.filter(is_active=True)
    if role:
        qs = qs.filter(role=role)
    if group_id:
        qs = qs.filter(group_id=group_id)
    return qs.order_by("last_name", "first_name", "id")
