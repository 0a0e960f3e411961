"""auth/token and users."""

from __future__ import annotations

from django.contrib.auth import authenticate
from ninja import Router, Schema

from dealbook.accounts import queries
from dealbook.accounts.models import ApiToken
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
        raise InvalidInput("username: required.", field="username")
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise Unauthenticated("Wrong username or password.", field="password")
    _, key = ApiToken.issue(user, name="api")
    return {"token": key, "user_id": user.pk, "role": user.role}


@router.get("users/me", response=UserOut)
def me(request):
    return request.auth


@router.get("users", response=list[UserOut])
def users(request, role: str | None = None, group_id: int | None = None):
    """Active users (for assignment pickers), at most a few hundred in any CRM we serve."""
    return list(queries.active_users(role=role, group_id=group_id)[:500])
