"""Editable e-mail templates (I8, Q2): the subject and body of the mails that carry documents.

Placeholders are `{name}` from a fixed list per kind, filled by str.format_map with plain strings —
never template code, and nothing is escaped: the mail is plain text. A seller's own template wins
over the default (seller empty) in the same language; the defaults for Russian and English are
created on first use.
"""

from __future__ import annotations

import string

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from dealbook.accounts.models import Role
from dealbook.billing.models import EmailTemplate, EmailTemplateKind
from dealbook.billing.services.common import has_role
from dealbook.core import timeline
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import EventKind
from dealbook.core.sqlcache import ShapeCache

# R1: who edits the texts that go out to clients
EDITOR_ROLES = frozenset({Role.ADMIN, Role.ACCOUNTANT})
LANGUAGES = ("ru", "en")
SUBJECT_MAX = 255
BODY_MAX = 20_000

PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    EmailTemplateKind.INVOICE: (
        "number",
        "date",
        "due_date",
        "total",
        "currency",
        "seller",
        "customer",
        "title",
        "link",
    ),
    EmailTemplateKind.PROPOSAL: (
        "number",
        "date",
        "valid_until",
        "total",
        "currency",
        "seller",
        "customer",
        "title",
        "link",
    ),
    EmailTemplateKind.CLOSING: (
        "number",
        "date",
        "kind",
        "invoice_number",
        "total",
        "currency",
        "seller",
        "customer",
    ),
}

# The texts an installation starts with, per (kind, language) — reference data like crm.setup's
# stage names, so a Russian default is Russian whatever the catalogue holds today.
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("invoice", "en"): (
        "Invoice No. {number} of {date}",
        "Hello,\n\nPlease find attached invoice No. {number} from {seller} for {total}, "
        "payable by {due_date}.\nYou can also view it online: {link}\n\nKind regards,\n{seller}",
    ),
    ("invoice", "ru"): (
        "Счёт № {number} от {date}",
        "Здравствуйте!\n\nНаправляем счёт № {number} от {seller} на сумму {total}, "
        "срок оплаты — {due_date}.\nСчёт можно посмотреть по ссылке: {link}\n\nС уважением,\n{seller}",
    ),
    ("proposal", "en"): (
        "Proposal No. {number} from {seller}",
        "Hello,\n\nPlease find our proposal No. {number} for {total}, valid until {valid_until}.\n"
        "You can review and sign it online: {link}\n\nKind regards,\n{seller}",
    ),
    ("proposal", "ru"): (
        "Коммерческое предложение № {number} от {seller}",
        "Здравствуйте!\n\nНаправляем коммерческое предложение № {number} на сумму {total}, "
        "действует до {valid_until}.\nОзнакомиться и подписать его можно по ссылке: {link}\n\n"
        "С уважением,\n{seller}",
    ),
    ("closing", "en"): (
        "{kind} No. {number} of {date}",
        "Hello,\n\nPlease find attached {kind} No. {number} for invoice No. {invoice_number}. "
        "Please sign it and send it back to us.\n\nKind regards,\n{seller}",
    ),
    ("closing", "ru"): (
        "{kind} № {number} от {date}",
        "Здравствуйте!\n\nНаправляем {kind} № {number} к счёту № {invoice_number}. "
        "Просим подписать и вернуть экземпляр.\n\nС уважением,\n{seller}",
    ),
}


def placeholders_in(text: str, field: str) -> list[str]:
    """The `{names}` a text uses; a stray brace or a `{name.attr}` / `{name[0]}` / `{name!r}` form
    is refused (format_map would reach into the value or fail at sending time)."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise InvalidInput(
            _("%(field)s: a brace is not closed; write {{ and }} for literal braces.")
            % {"field": _field_label(field)},
            field=field,
            code="template_syntax",
        ) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise InvalidInput(
                _("%(field)s: “{%(name)s}” is not a placeholder; use plain names like {number}.")
                % {"field": _field_label(field), "name": name + (f"!{conversion}" if conversion else "")},
                field=field,
                code="template_syntax",
            )
        names.append(name)
    return names


def _field_label(field: str) -> str:
    return {"subject": _("Subject"), "body": _("Body")}.get(field, field)


def _check_placeholders(kind: str, text: str, field: str) -> None:
    allowed = PLACEHOLDERS[kind]
    unknown = sorted({n for n in placeholders_in(text, field) if n not in allowed})
    if unknown:
        raise InvalidInput(
            _("%(field)s: unknown placeholder(s) %(names)s. Allowed: %(allowed)s.")
            % {
                "field": _field_label(field),
                "names": ", ".join("{" + n + "}" for n in unknown),
                "allowed": ", ".join("{" + n + "}" for n in allowed),
            },
            field=field,
            code="unknown_placeholder",
        )


def _clean(kind, language, subject, body) -> tuple[str, str, str, str]:
    if kind not in EmailTemplateKind.values:
        raise InvalidInput(_("Unknown document kind."), field="kind")
    language = (language or "").strip().lower()
    if language not in LANGUAGES:
        raise InvalidInput(_("Language: use ru or en."), field="language")
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not subject:
        raise InvalidInput(_("The subject is required."), field="subject")
    if len(subject) > SUBJECT_MAX:
        raise InvalidInput(
            _("The subject is longer than %(n)d characters.") % {"n": SUBJECT_MAX}, field="subject"
        )
    if not body:
        raise InvalidInput(_("The body is required."), field="body")
    if len(body) > BODY_MAX:
        raise InvalidInput(_("The body is longer than %(n)d characters.") % {"n": BODY_MAX}, field="body")
    _check_placeholders(kind, subject, "subject")
    _check_placeholders(kind, body, "body")
    return kind, language, subject, body


def may_edit(user) -> bool:
    return bool(user and user.is_authenticated and has_role(user, EDITOR_ROLES))


@transaction.atomic
def email_template_save(*, actor, kind: str, language: str, subject: str, body: str, seller=None):
    """I8: create or change the template of (kind, language, seller). Unknown placeholders are
    refused naming them, at the field (subject or body) that holds them; R3 from/to on the timeline."""
    if not may_edit(actor):
        raise Forbidden(_("Only administrators and accountants edit e-mail templates."), field="kind")
    kind, language, subject, body = _clean(kind, language, subject, body)
    if seller is not None and not getattr(seller, "is_own", False):
        raise InvalidInput(_("The seller must be one of our own legal entities."), field="seller")
    template = (
        EmailTemplate.objects.select_for_update()
        .filter(kind=kind, language=language, seller=seller)
        .order_by("id")
        .first()
    )
    if template is None:
        template = EmailTemplate(kind=kind, language=language, seller=seller)
        old = {"subject": None, "body": None}
    else:
        old = {"subject": template.subject, "body": template.body}
    template.subject, template.body, template.updated_by = subject, body, actor
    template.save()
    for name, before in old.items():
        timeline.change(template, name, before, getattr(template, name), actor=actor, kind=EventKind.UPDATED)
    return template


def _default(kind: str, language: str) -> EmailTemplate | None:
    text = DEFAULTS.get((kind, language))
    if text is None:
        return None
    try:
        with transaction.atomic():
            found, _created = EmailTemplate.objects.get_or_create(
                kind=kind, language=language, seller=None, defaults={"subject": text[0], "body": text[1]}
            )
    except IntegrityError:  # created meanwhile by a concurrent first use
        found = EmailTemplate.objects.filter(kind=kind, language=language, seller=None).order_by("id").first()
    return found


def email_template_for(kind: str, language: str, seller=None) -> EmailTemplate | None:
    """The seller's own template, else the default one of the language (created from DEFAULTS on
    first use), else None."""
    language = (language or "").strip().lower()[:2]
    seller_id = getattr(seller, "pk", seller) or 0
    args = {"kind": kind, "language": language, "seller": seller_id}
    candidates = PLANS.objects("email_template_for", _candidates, args) if type(seller_id) is int else []
    own = [t for t in candidates if t.seller_id is not None]
    default = [t for t in candidates if t.seller_id is None]
    return next(iter(own or default), None) or _default(kind, language)


PLANS = ShapeCache()


def _candidates(a):
    """The seller's own templates of the kind and language, and the default ones (compiled once)."""
    return (
        EmailTemplate.objects.filter(kind=a["kind"], language=a["language"])
        .filter(Q(seller_id=a["seller"]) | Q(seller__isnull=True))
        .order_by("id")
    )


def render(template: EmailTemplate, values: dict) -> tuple[str, str]:
    """(subject, body) with the placeholders filled; a placeholder without a value stays empty."""
    strings = _Values({k: "" if v is None else str(v) for k, v in values.items()})
    try:
        return template.subject.format_map(strings), template.body.format_map(strings)
    except (ValueError, AttributeError, IndexError, KeyError):  # a text stored around the service
        raise InvalidInput(
            _("The e-mail template “%(name)s” is broken: correct it in the settings.")
            % {"name": str(template)},
            field="subject",
            code="template_syntax",
        ) from None


def invoice_mail_values(invoice, language: str, link: str = "") -> dict:
    """The placeholders of an invoice mail, as plain text in the document's language."""
    from dealbook.billing.services.common import money_text
    from dealbook.documents.words import format_date

    return {
        "number": invoice.number,
        "date": format_date(invoice.date, language),
        "due_date": format_date(invoice.due_date, language) if invoice.due_date else "—",
        "total": money_text(invoice.total, invoice.currency),
        "currency": invoice.currency,
        "seller": invoice.seller.name,
        "customer": invoice.customer_name,
        "title": invoice.title,
        "link": link or public_link(invoice),
    }


def public_link(invoice) -> str:
    """The invoice's public page (I8): absolute when DEALBOOK_PUBLIC_URL is configured."""
    from django.conf import settings
    from django.urls import reverse

    base = (getattr(settings, "DEALBOOK_PUBLIC_URL", "") or "").rstrip("/")
    return base + reverse("invoice_public", args=[invoice.public_token])


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return ""


def email_templates_create_default() -> list[EmailTemplate]:
    """The default templates of every kind in Russian and English (demo data and first start)."""
    return [t for kind, language in DEFAULTS if (t := _default(kind, language)) is not None]
