"""What every page view shares: sign-in required, domain errors turned into 403/404 pages or into
messages at the field, and JSON answers for the kanban's script."""

from __future__ import annotations

import functools
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from dealbook.core.errors import DomainError, Forbidden, NotFound


def user_zone(user):
    """The user's own time zone (User.time_zone), or None for an unknown name."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if getattr(user, "time_zone", "") else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def page(view):
    """Sign-in required; times shown in the user's time zone; a NotFound from a scoped query is a
    404 page, a Forbidden a 403 page."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        zone = user_zone(request.user)
        try:
            if zone is not None:
                timezone.activate(zone)
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            if request.headers.get("HX-Request"):
                return toast_error(exc)
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            if is_htmx(request) or request.headers.get("Accept") == "application/json":
                return toast_error(exc)
            return render(request, "web/error.html", {"title": exc.message, "message": ""}, status=exc.status)
        finally:
            timezone.deactivate()

    return wrapper


def is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


def render_form(
    request, template: str, context: dict, error: DomainError | None = None, status: int | None = None
):
    """Render a form (whole or partial) with the service's error under the field it names."""
    context = dict(context)
    if error is not None:
        context["errors"] = {error.field or "general": error.message}
        context["error"] = error
    response = render(request, template, context, status=status or (error.status if error else 200))
    if error is not None:
        response["X-Form-Errors"] = "1"  # app.js swaps these in although their status is 4xx
    return response


def toast_error(error: DomainError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)


def json_error(error: DomainError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)


def post_value(request, name: str, default=None):
    value = request.POST.get(name, default)
    return value.strip() if isinstance(value, str) else value
