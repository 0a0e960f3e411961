"""Form input of the billing pages turned into what the queries and services expect.

The services judge the values; these helpers only parse text (dates, amounts, ids) and refuse what
cannot be parsed with a message at the field it came from.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.translation import gettext as _

from dealbook.billing.models import InvoiceStatus
from dealbook.core.errors import InvalidInput
from dealbook.core.search import ucontains
from dealbook.crm.queries.deals import as_id

OVERDUE = "overdue"  # a pseudo status in the list's status filter: derived, never stored (I5)


def parse_date(value, field: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("A date is written YYYY-MM-DD."), field=field) from None


def parse_amount(value, field: str) -> Decimal | None:
    value = (value or "").strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(_("Write an amount like 4000.00."), field=field) from None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 16:
        raise InvalidInput(_("Write an amount like 4000.00."), field=field)
    return amount


def parse_id(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    pk = as_id(value)
    if pk is None:
        raise InvalidInput(_("%(field)s: not an id.") % {"field": field}, field=field)
    return pk


LIST_FIELDS = (
    "number",
    "date_from",
    "date_to",
    "customer",
    "status",
    "amount_min",
    "amount_max",
    "due_from",
    "due_to",
    "batch",
    "responsible",
)


def list_filters(params) -> tuple[dict, dict, dict]:
    """I9: (invoice_list arguments, extra filters for the view, the raw values to show back)."""
    raw = {name: (params.get(name) or "").strip() for name in LIST_FIELDS}
    args: dict = {
        "number": raw["number"] or None,
        "date_from": parse_date(raw["date_from"], "date_from"),
        "date_to": parse_date(raw["date_to"], "date_to"),
        "amount_min": parse_amount(raw["amount_min"], "amount_min"),
        "amount_max": parse_amount(raw["amount_max"], "amount_max"),
        "due_from": parse_date(raw["due_from"], "due_from"),
        "due_to": parse_date(raw["due_to"], "due_to"),
    }
    status = raw["status"]
    if status == OVERDUE:
        args["overdue"] = True
    elif status:
        if status not in InvoiceStatus.values:
            raise InvalidInput(_("Unknown status."), field="status")
        args["status"] = status
    extra = {
        "batch": raw["batch"][:64] or None,
        "responsible": parse_id(raw["responsible"], "responsible"),
        "customer": raw["customer"][:100] or None,
    }
    return args, extra, raw


def apply_extra(qs, extra: dict):
    """The list filters invoice_list does not take: batch (I9), responsible and the customer by
    a fragment of the company's or the contact's name (or its id)."""
    if extra["batch"]:
        qs = qs.filter(batch=extra["batch"])
    if extra["responsible"]:
        qs = qs.filter(responsible_id=extra["responsible"])
    customer = extra["customer"]
    if customer:
        pk = as_id(customer)
        if pk is not None:
            qs = qs.filter(payer_company_id=pk)
        else:
            # Unicode case folding on SQLite too ("элексис" finds "ЭЛЕКСИС ООО"), as crm's search boxes
            qs = qs.filter(
                Q(ucontains("payer_company__name", customer))
                | Q(ucontains("payer_contact__last_name", customer))
                | Q(ucontains("payer_contact__first_name", customer))
            )
    return qs
