"""The invoices list (I9, X3): filters, sortable columns and keyset pages."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dealbook.accounts.queries import active_users
from dealbook.api.pagination import paginate
from dealbook.billing import forms
from dealbook.billing import queries as bq
from dealbook.billing.models import InvoiceStatus
from dealbook.core.errors import DomainError
from dealbook.web.pages import page

PAGE = 50
# public ordering names → non-null fields or sort keys (keyset pagination)
ORDERINGS = {**bq.ORDERINGS, "paid": "paid_amount"}
SORTABLE = ("number", "date", "customer", "status", "total", "paid", "due_date", "batch")
NEWEST_FIRST = {"number", "date", "total", "paid"}  # the first click sorts these descending


def _sort_links(ordering: str) -> dict:
    """Per sortable column: the ordering a click asks for, the arrow shown now and its aria-sort."""
    links = {}
    for name in SORTABLE:
        if ordering == name:
            links[name] = {"next": f"-{name}", "arrow": "↑", "aria": "ascending"}
        elif ordering == f"-{name}":
            links[name] = {"next": name, "arrow": "↓", "aria": "descending"}
        else:
            first = f"-{name}" if name in NEWEST_FIRST else name
            links[name] = {"next": first, "arrow": "", "aria": "none"}
    return links


def _chips(raw: dict, labels: dict, query) -> list[dict]:
    """Active filters as removable chips: each links to the list without that filter."""
    chips = []
    for name, value in raw.items():
        if not value:
            continue
        rest = query.copy()
        rest.pop(name, None)
        rest.pop("cursor", None)
        chips.append({"label": labels[name], "value": value, "remove": rest.urlencode()})
    return chips


def _labels() -> dict:
    return {
        "number": _("Number"),
        "date_from": _("Date from"),
        "date_to": _("Date to"),
        "customer": _("Customer"),
        "status": _("Status"),
        "amount_min": _("Amount from"),
        "amount_max": _("Amount to"),
        "due_from": _("Due from"),
        "due_to": _("Due to"),
        "batch": pgettext("invoice batch", "Batch"),
        "responsible": _("Responsible"),
    }


@page
def invoices_list(request):
    """I9: number, date range, customer, status (Overdue derived), amount range, due date range,
    batch and responsible; X3 closing document marker; sorted by any column but the closing marker;
    keyset pages of 50 in a fixed number of queries (R2 through billing.queries)."""
    user = request.user
    ordering = request.GET.get("ordering") or "-id"
    if ordering.lstrip("-") not in ORDERINGS:
        ordering = "-id"
    errors = {}
    rows, next_cursor, raw = [], None, {}
    try:
        args, extra, raw = forms.list_filters(request.GET)
        qs = forms.apply_extra(bq.invoice_list(user, **args), extra)
        qs = bq.with_sort_key(qs, ordering, ORDERINGS)
        rows, next_cursor = paginate(
            qs,
            ordering=ordering,
            allowed=ORDERINGS,
            default="-id",
            cursor=request.GET.get("cursor"),
            limit=PAGE,
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        errors[exc.field or "general"] = exc.message
        raw = raw or {name: (request.GET.get(name) or "").strip() for name in forms.LIST_FIELDS}
    today = timezone.localdate()
    for row in rows:
        row.overdue = row.is_overdue(today)
    base = request.GET.copy()
    base.pop("cursor", None)
    sort_base = base.copy()
    sort_base.pop("ordering", None)
    context = {
        "section": "invoices",
        "rows": rows,
        "next": next_cursor,
        "query": base.urlencode(),
        "sort_query": sort_base.urlencode(),
        "sort": _sort_links(ordering),
        "values": raw,
        "errors": errors,
        "chips": _chips(raw, _labels(), request.GET),
        "statuses": [*InvoiceStatus.choices, (forms.OVERDUE, _("Overdue"))],
        "users": list(active_users()),
        "batches": list(_batches(user)),
    }
    return render(request, "billing/invoices_list.html", context, status=400 if errors else 200)


def _batches(user):
    """The latest batch labels the user can see, for the filter's suggestions."""
    return (
        bq.visible_invoices(user)
        .exclude(batch="")
        .order_by("-batch")
        .values_list("batch", flat=True)
        .distinct()[:30]
    )
