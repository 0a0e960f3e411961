"""What the billing services share: role and visibility checks with row locks, status changes by
the transition map (I5), timeline entries on the invoice and its deal, and the deal stage advance
of I7."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.accounts.models import Role
from dealbook.billing.models import Invoice, InvoiceStatus, can_transition
from dealbook.core import timeline
from dealbook.core.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.core.money import round_money, to_decimal
from dealbook.core.numbering import format_number
from dealbook.core.sqlcache import ShapeCache

# Who approves invoices (I5) and who hands them over to accounting (I5 "Exported").
APPROVER_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.FINANCIAL_MANAGER})
EXPORT_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.FINANCIAL_MANAGER, Role.ACCOUNTANT})

# billing's timeline kinds (declared in core.EventKind with the others)
PAYMENT_RECORDED = EventKind.PAYMENT_RECORDED
CLOSING_ISSUED = EventKind.CLOSING_DOCUMENT_ISSUED
CLOSING_RECEIVED = EventKind.CLOSING_DOCUMENT_RECEIVED
STAGE_NOT_ADVANCED = EventKind.STAGE_NOT_ADVANCED


def require_billing(actor) -> None:
    """R1: billing is for administrators, directors, group managers, finance, accounting and sales."""
    policy.require(actor, "billing.use", _("Your role does not allow working with invoices."))


def has_role(actor, roles) -> bool:
    return bool(actor.is_superuser or actor.role in roles)


def invoice_visible_to(user, invoice: Invoice) -> bool:
    """R2 for one loaded invoice: as its deal — the responsible's own, group or shared."""
    if policy.sees_all(user) or invoice.responsible_id == user.pk:
        return True
    if invoice.deal_id and invoice.deal.is_shared:
        return True
    if user.role == Role.GROUP_MANAGER and user.group_id and invoice.responsible_id:
        return invoice.responsible.group_id == user.group_id
    return False


# Joined when an invoice is locked, unless the caller's instance holds them already (or has none);
# the responsible, supplier and carrier load on use. Every join costs PostgreSQL planning time
# (seven: ~9 ms), far more than a primary-key fetch, so few are made.
LOCKS = ShapeCache()
LOCK_RELATED = ("deal", "seller", "payer_company", "payer_contact")
REUSED = (*LOCK_RELATED, "responsible", "supplier", "carrier")


def lock_invoice(actor, invoice) -> Invoice:
    """Lock the invoice row (only its own row) and check role (403) and visibility (404). The
    related rows the caller's instance already holds (a handler's invoice_for) are reused when the
    locked row still points at them; only the others are joined in."""
    require_billing(actor)
    pk = getattr(invoice, "pk", invoice)
    known = {}
    if isinstance(invoice, Invoice):
        known = {name: None for name in REUSED if getattr(invoice, f"{name}_id") is None}
        known.update(invoice._state.fields_cache)
    joined = tuple(name for name in LOCK_RELATED if name not in known)

    def build(a):
        qs = Invoice.objects.select_for_update(of=("self",)).filter(pk=a["pk"])
        return (qs.select_related(*joined) if joined else qs).order_by()[:1]  # select_related() joins all

    args = {"pk": pk}
    locked = (
        LOCKS.one(("lock_invoice", joined), build, args) if type(pk) is int else next(iter(build(args)), None)
    )
    if locked is not None:
        _reuse_related(locked, known)
    if locked is None or not invoice_visible_to(actor, locked):
        raise NotFound(_("Invoice not found."), field="id")
    return locked


def _reuse_related(locked: Invoice, known: dict) -> None:
    for name in REUSED:
        if name in known:
            related = known[name]
            if getattr(related, "pk", None) == getattr(locked, f"{name}_id"):
                locked._state.fields_cache[name] = related  # else loaded on use


def first(qs):
    """The first row of a query that finds one row at most (by id or token), without ORDER BY:
    Django's .first() orders, and ordering a wide select_related costs more than the query."""
    return next(iter(qs.order_by()[:1]), None)


def sync(target, source: Invoice) -> Invoice:
    """Copy the saved state onto the caller's instance so it can keep using its object."""
    if isinstance(target, Invoice) and target is not source:
        for f in Invoice._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))
        target._state.fields_cache = dict(source._state.fields_cache)
        return target
    return source


def record(invoice: Invoice, kind: str, *, actor, data: dict | None = None, extra_subjects=()) -> None:
    """One entry on the invoice's timeline and, with the same group, on its deal's (I7, T4)."""
    payload = {"invoice_id": invoice.pk, "number": invoice.number, **(data or {})}
    subjects = [invoice, *extra_subjects]
    if invoice.deal_id:
        subjects.append(invoice.deal)
    timeline.record_many(subjects, kind, actor=actor, data=payload)


def set_status(invoice: Invoice, new: str, *, actor, data: dict | None = None) -> None:
    """I5: change the locked invoice's status along the map, written to both timelines."""
    old = invoice.status
    if not can_transition(old, new):
        raise RuleViolation(
            _("An invoice in status “%(old)s” cannot become “%(new)s”.")
            % {"old": InvoiceStatus(old).label, "new": InvoiceStatus(new).label},
            field="status",
            code="invoice_transition",
        )
    invoice.status = new
    invoice.save_changes()
    record(invoice, "status_changed", actor=actor, data={"from": old, "to": new, **(data or {})})


def refuse_unless_new(invoice: Invoice) -> None:
    """I3: lines, amounts and payer change only while the invoice is New."""
    if invoice.status != InvoiceStatus.NEW:
        raise RuleViolation(
            _(
                "Invoice %(number)s is “%(status)s”: only a New invoice can be edited. "
                "Cancel it and issue a new one."
            )
            % {"number": invoice.number, "status": invoice.get_status_display()},
            field="status",
            code="invoice_locked",
        )


def advance_deal(invoice: Invoice, actor, code: str) -> None:
    """I7: move the invoice's deal forward to the stage `code` (invoice_issued, invoice_paid) where
    its pipeline has that stage and the deal is open and earlier in the pipeline. It is a system
    move on the deal's behalf: an accountant recording the payment advances the deal although their
    role may not move deals (R1); the stage event names them (R3) and the invoice. D8 keeps closed
    deals as they are. Only a deal the actor cannot see stays put, and its timeline says so."""
    if not invoice.deal_id:
        return
    from dealbook.crm.models import Stage
    from dealbook.crm.services.deals import deal_advance_for_document

    pipeline_id = invoice.deal.pipeline_id
    target = Stage.objects.filter(pipeline_id=pipeline_id, code=code).first()
    if target is None:
        return
    document = {"invoice_id": invoice.pk, "number": invoice.number}
    try:
        deal_advance_for_document(actor=actor, deal=invoice.deal_id, stage=target, document=document)
    except (Forbidden, NotFound):
        timeline.record(invoice.deal, STAGE_NOT_ADVANCED, actor=actor, data={**document, "stage_code": code})


def base_currency() -> str:
    return settings.DEALBOOK_DEFAULT_CURRENCY


def clean_currency_rate(currency, rate) -> tuple[str, object]:
    """I10: an invoice in the base currency has rate 1; in another currency it needs its rate."""
    from decimal import Decimal

    currency = (currency or base_currency()).strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput(_("A currency is a three-letter ISO code (RUB, EUR)."), field="currency")
    if currency == base_currency():
        if rate not in (None, "") and to_decimal(rate, field="rate") != 1:
            raise InvalidInput(_("An invoice in the base currency has rate 1."), field="rate")
        return currency, Decimal("1")
    if rate in (None, ""):
        raise InvalidInput(
            _("An invoice in %(currency)s needs its exchange rate to %(base)s.")
            % {"currency": currency, "base": base_currency()},
            field="rate",
        )
    value = to_decimal(rate, field="rate")
    if value <= 0 or value >= Decimal(10) ** 12 or value != value.quantize(Decimal("0.000001")):
        raise InvalidInput(_("The rate is a positive number with at most six decimals."), field="rate")
    return currency, value


def clean_date(value, field: str, *, required: bool = False):
    if value in (None, ""):
        if required:
            raise InvalidInput(_("%(field)s is required.") % {"field": field}, field=field)
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            _("%(field)s: a date is written YYYY-MM-DD.") % {"field": field}, field=field
        ) from None


def render_number(pattern: str, *, year: int, seq: int) -> str:
    try:
        return format_number(pattern, year=year, seq=seq)
    except (KeyError, IndexError, ValueError):
        raise InvalidInput(
            _("The number pattern “%(pattern)s” may use {year} and {seq} only.") % {"pattern": pattern},
            field="number_pattern",
        ) from None


def money_text(amount, currency: str) -> str:
    return f"{round_money(amount, currency):,.2f}".replace(",", " ") + f" {currency}"
