"""The signed-in user's own preferences on every request: time zone (User.time_zone) and language
(User.language).

The language lives in Django's language cookie, which LocaleMiddleware reads. Signing in puts the
user's saved language into that cookie (web.views.LoginView), and the language switch in the user
menu (Django's set_language) is remembered on the user here, so the next sign-in, on any browser,
starts in the language they chose.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation

from dealbook.web.pages import user_zone


def supported_language(code: str | None) -> str | None:
    """The code if the installation offers that language, else None."""
    code = (code or "").strip().lower()
    return code if code in dict(settings.LANGUAGES) else None


def set_language_cookie(response, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def apply_user_language(request, response, user) -> None:
    """After sign-in: the user's saved language for this response and every request after it."""
    code = supported_language(getattr(user, "language", ""))
    if code is None:
        return
    translation.activate(code)
    request.LANGUAGE_CODE = code
    set_language_cookie(response, code)


def remember_language(user, code: str | None) -> bool:
    """The language switch: save the chosen language on the user (only a language we offer)."""
    code = supported_language(code)
    if code is None or not getattr(user, "pk", None) or user.language == code:
        return False
    get_user_model().objects.filter(pk=user.pk).update(language=code)
    user.language = code
    return True


class UserPreferencesMiddleware:
    """Activate the user's time zone for the request; remember a language switch on the user.

    Sits after AuthenticationMiddleware. Costs no query of its own: the user is the one the
    session already loads for the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._setlang = None

    def _is_language_switch(self, request) -> bool:
        if self._setlang is None:
            self._setlang = reverse("set_language")
        return request.method == "POST" and request.path == self._setlang

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        zone = user_zone(user) if signed_in else None
        if zone is not None:
            timezone.activate(zone)
        try:
            response = self.get_response(request)
        finally:
            if zone is not None:
                timezone.deactivate()
        if signed_in and self._is_language_switch(request):
            cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
            if cookie is not None:
                remember_language(user, cookie.value)
        return response
