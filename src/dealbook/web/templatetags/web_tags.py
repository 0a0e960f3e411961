"""Template helpers for the pages: money in the user's locale, icons, relative times, frame counters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()

SYMBOLS = {"RUB": "₽", "EUR": "€", "USD": "$", "GBP": "£", "CNY": "¥", "KZT": "₸", "BYN": "Br"}
NARROW_NBSP = "\u202f"


def format_money(value, currency: str = "RUB", language: str | None = None) -> str:
    """ "4 000,00 ₽" in Russian, "₽4,000.00" in English (UI.md). The value is already rounded by the
    services; this only lays out its digits."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    language = (language or translation.get_language() or "en")[:2]
    sign = "-" if amount < 0 else ""
    whole, _dot, frac = f"{abs(amount):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    symbol = SYMBOLS.get(currency, currency)
    if language == "ru":
        return f"{sign}{NARROW_NBSP.join(groups)},{frac}\u00a0{symbol}"
    text = ",".join(groups) + "." + frac
    return f"{sign}{symbol}{text}" if len(symbol) == 1 else f"{sign}{text}\u00a0{symbol}"


@register.filter
def money(value, currency="RUB"):
    return format_money(value, currency or "RUB")


@register.filter
def qty(value):
    """A quantity without trailing zeros: 3, 2.5, 0.125."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def lookup(mapping, key):
    """mapping[key] in a template, or "" when absent."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.simple_tag
def when(moment):
    """A relative time for recent moments ("5 minutes ago"), the exact local time on hover."""
    if not moment:
        return ""
    local = timezone.localtime(moment) if isinstance(moment, dt.datetime) else moment
    exact = local.strftime("%Y-%m-%d %H:%M") if isinstance(local, dt.datetime) else local.isoformat()
    now = timezone.now()
    if isinstance(moment, dt.datetime) and abs(now - moment) < dt.timedelta(days=2):
        if moment <= now:
            label = _("%(delta)s ago") % {"delta": timesince(moment, now, depth=1)}
        else:
            label = _("in %(delta)s") % {"delta": timesince(now, moment, depth=1)}
    else:
        label = (
            local.strftime("%d.%m.%Y %H:%M") if isinstance(local, dt.datetime) else local.strftime("%d.%m.%Y")
        )
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), exact, label)


@register.filter
def localdt(moment):
    if not moment:
        return ""
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


@register.filter
def localdate(value):
    """A date as the pages show dates ("12.05.2018"). Events keep dates as ISO text ("2018-05-12"),
    which this reads too; anything else comes back as it is."""
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return localdt(value)
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return value


# A small consistent icon set (24px grid, stroked), always used next to a label or an aria-label.
ICONS = {
    "lead": '<path d="M4 4h16v12H5.2L4 17.2z"/><path d="M8 9h8M8 12h5"/>',
    "deal": '<rect x="3" y="4" width="5" height="16" rx="1"/><rect x="10" y="4" width="5" height="11" rx="1"/><rect x="17" y="4" width="4" height="7" rx="1"/>',
    "contact": '<circle cx="12" cy="8" r="4"/><path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6"/>',
    "company": '<path d="M4 21V5l8-2v18M12 8h8v13M7 8h2M7 12h2M7 16h2M15 12h2M15 16h2M2 21h20"/>',
    "product": '<path d="M21 8l-9-5-9 5 9 5 9-5z"/><path d="M3 8v8l9 5 9-5V8M12 13v8"/>',
    "task": '<rect x="4" y="4" width="16" height="16" rx="2"/><path d="M8 12l3 3 5-6"/>',
    "calendar": '<rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/>',
    "search": '<circle cx="11" cy="11" r="7"/><path d="M20 20l-4-4"/>',
    "bell": '<path d="M6 16V11a6 6 0 0112 0v5l2 2H4z"/><path d="M10 20a2 2 0 004 0"/>',
    "comment": '<path d="M4 5h16v11H8l-4 4z"/>',
    "file": '<path d="M14 3H6v18h12V7z"/><path d="M14 3v4h4"/>',
    "stage": '<path d="M4 12h13M13 6l6 6-6 6"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6"/>',
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "dot": '<circle cx="12" cy="12" r="3"/>',
    "updated": '<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="M13 7l4 4"/>',
    "list": '<path d="M8 6h13M8 12h13M8 18h13M3 6h1M3 12h1M3 18h1"/>',
    "board": '<rect x="3" y="4" width="5" height="16" rx="1"/><rect x="10" y="4" width="5" height="11" rx="1"/><rect x="17" y="4" width="4" height="7" rx="1"/>',
}
ICONS["created"] = ICONS["plus"]
ICONS["stage_changed"] = ICONS["stage"]
ICONS["responsible_changed"] = ICONS["user"]
ICONS["file_attached"] = ICONS["file"]
ICONS["task_created"] = ICONS["task_completed"] = ICONS["task"]
ICONS["line_added"] = ICONS["line_changed"] = ICONS["line_removed"] = ICONS["product"]


@register.simple_tag
def icon(name, label=""):
    path = ICONS.get(name, ICONS["dot"])
    aria = format_html(' role="img" aria-label="{}"', label) if label else mark_safe(' aria-hidden="true"')
    return format_html('<svg class="icon" viewBox="0 0 24 24"{}>{}</svg>', aria, mark_safe(path))


@register.simple_tag(takes_context=True)
def frame_counts(context):
    """Sidebar and bell counters, each one bounded query (capped at 99+)."""
    from dealbook.web.frame import counts

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {}
    cache = getattr(request, "_frame_counts", None)
    if cache is None:
        cache = request._frame_counts = counts(request.user)
    return cache
