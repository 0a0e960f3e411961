"""The API's one error format: {"detail", "field", "code"} with 400/401/403/404/409."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from dealbook.core.errors import DomainError

# pydantic and ninja word their messages in English only; the fixed ones are in our catalog so the
# detail follows the request's language (messages with variable parts stay as pydantic wrote them)
VALIDATION_MESSAGES = frozenset(
    {
        gettext_noop("Field required"),
        gettext_noop("Cannot parse request body"),
        gettext_noop("Input should be a valid integer"),
        gettext_noop("Input should be a valid integer, unable to parse string as an integer"),
        gettext_noop("Input should be a valid integer, got a number with a fractional part"),
        gettext_noop("Input should be a valid number"),
        gettext_noop("Input should be a valid number, unable to parse string as a number"),
        gettext_noop("Input should be a valid decimal"),
        gettext_noop("Decimal input should be an integer, float, string or Decimal object"),
        gettext_noop("Input should be a valid boolean"),
        gettext_noop("Input should be a valid boolean, unable to interpret input"),
        gettext_noop("Input should be a valid string"),
        gettext_noop("Input should be a valid list"),
        gettext_noop("Input should be a valid dictionary"),
    }
)


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
        msg = first.get("msg") or _("Invalid input")
        if msg in VALIDATION_MESSAGES:
            msg = _(msg)
        detail = f"{field}: {msg}" if field else msg
        return api.create_response(request, _body(detail, field, "invalid"), status=400)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return api.create_response(
            request, _body(_("Authentication required."), None, "unauthenticated"), status=401
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, _body(_("Not found."), None, "not_found"), status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return api.create_response(request, _body(str(exc), None, "error"), status=exc.status_code)
