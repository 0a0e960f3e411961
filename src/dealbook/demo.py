"""Demo data: seed 002's world (filled in by the demo-data work; see README)."""

from __future__ import annotations

import os


def is_empty() -> bool:
    from dealbook.accounts.models import User

    return not User.objects.exists()


def load(force: bool = False) -> list[tuple[str, str, str]]:
    """Create the demo world; returns (username, password, role) of the demo users."""
    from dealbook.accounts.services import user_create

    if not force and not is_empty():
        return []
    password = os.environ.get("DEALBOOK_ADMIN_PASSWORD", "admin12345")
    user_create(username="admin", password=password, role="admin", is_superuser=True)
    return [("admin", password, "admin")]


def print_users(users) -> None:
    if not users:
        return
    print("Demo users (username / password / role):")
    for username, password, role in users:
        print(f"  {username:<12} {password:<14} {role}")
