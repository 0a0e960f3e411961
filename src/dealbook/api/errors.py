"""The API's one error format: {"detail", "field", "code"} with 400/401/403/404/409."""

from __future__ import annotations

from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from dealbook.core.errors import DomainError


def _body(detail: str, field: str | None, code: str) -> dict:
    return {"detail": detail, "field": field, "code": code}


def _field_of(loc) -> str | None:
    # pydantic locations look like ("body", "payload", "inn") or ("query", "limit")
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file", "payload", "__root__")]
    return ".".join(parts) or None


def install(api) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        first = exc.errors[0] if exc.errors else {}
        field = _field_of(first.get("loc", ()))
        msg = first.get("msg", "Invalid input")
        detail = f"{field}: {msg}" if field else msg
        return api.create_response(request, _body(detail, field, "invalid"), status=400)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return api.create_response(
            request, _body("Authentication required.", None, "unauthenticated"), status=401
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, _body("Not found.", None, "not_found"), status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return api.create_response(request, _body(str(exc), None, "error"), status=exc.status_code)
