"""Domain errors: services raise these; views and the API turn them into 400/403/404/409."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.code = code or self.default_code

    def as_dict(self) -> dict:
        return {"detail": self.message, "field": self.field, "code": self.code}


class InvalidInput(DomainError):
    """Bad input: a field's value is wrong (400)."""

    status = 400
    default_code = "invalid"


class Forbidden(DomainError):
    """The user's role or visibility does not allow this (403)."""

    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class RuleViolation(DomainError):
    """A business rule forbids the action in the record's current state (409)."""

    status = 409
    default_code = "conflict"
