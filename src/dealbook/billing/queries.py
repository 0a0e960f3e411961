"""Reads of invoices, payments and closing documents shared by the API and the pages, scoped by R2."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Case, CharField, DateField, Exists, F, Func, IntegerField, OuterRef, Value, When
from django.db.models.functions import Coalesce, Concat, Trim
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.billing.models import (
    ClosingDocument,
    ClosingStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTemplate,
    Payment,
    PaymentAllocation,
    overdue_q,
)
from dealbook.billing.services.common import require_billing
from dealbook.catalog import lines
from dealbook.core.errors import InvalidInput, NotFound
from dealbook.core.sqlcache import ShapeCache
from dealbook.crm.queries.deals import as_id

# public ordering names → non-null fields or sort keys (keyset pagination); the *_key names are
# annotated by with_sort_key
PLANS = ShapeCache()

ORDERINGS = {
    "id": "pk",
    "date": "date",
    "number": "seq",
    "total": "total",
    "created_at": "created_at",
    "due_date": "due_key",
    "customer": "customer_key",
    "status": "status_key",
    "batch": "batch",
}
NO_DUE_DATE = dt.date(9999, 12, 31)  # an invoice without a due date sorts after every dated one


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


class Folded(Func):
    """Case-folded text to sort by, alike on both databases: SQLite's LOWER folds ASCII only, so a
    Python case fold is registered on its connection (as core.search does for the search box)."""

    function = "LOWER"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        connection.ensure_connection()
        connection.connection.create_function("dealbook_sortfold", 1, _casefold, deterministic=True)
        return self.as_sql(compiler, connection, function="dealbook_sortfold", **extra)


def _customer_key():
    """I9: the payer's name as the list shows it (the company, else the contact's full name), folded."""
    contact = Trim(
        Concat(
            "payer_contact__last_name",
            Value(" "),
            "payer_contact__first_name",
            Value(" "),
            "payer_contact__middle_name",
            output_field=CharField(),
        )
    )
    return Folded(Coalesce(F("payer_company__name"), contact, Value(""), output_field=CharField()))


def _status_key():
    """I5's statuses in their lifecycle order (New … Exported), not alphabetically by code."""
    ranks = [When(status=value, then=Value(rank)) for rank, value in enumerate(InvoiceStatus.values)]
    return Case(*ranks, default=Value(len(ranks)), output_field=IntegerField())


SORT_KEYS = {
    "due_key": lambda: Coalesce("due_date", Value(NO_DUE_DATE), output_field=DateField()),
    "customer_key": _customer_key,
    "status_key": _status_key,
}


def with_sort_key(qs, ordering: str | None, allowed: dict[str, str] = ORDERINGS):
    """Annotate the non-null, deterministic key a derived ordering pages by (due date with NULLs
    last, customer name, status rank); other orderings, valid or not, leave qs as it is."""
    key = allowed.get((ordering or "").lstrip("-"))
    return qs.annotate(**{key: SORT_KEYS[key]()}) if key in SORT_KEYS else qs


def visible_invoices(user):
    """R1 billing roles only; R2 as the deal: own, the group's for a group manager, shared deals."""
    require_billing(user)
    return policy.filter_visible(Invoice.objects.all(), user, shared="deal__is_shared")


def _with_closing(qs):
    """X3: whether a closing document exists, and whether a signed one came back."""
    docs = ClosingDocument.objects.filter(invoice=OuterRef("pk"))
    return qs.annotate(
        has_closing_document=Exists(docs),
        closing_received=Exists(docs.filter(status=ClosingStatus.RECEIVED_SIGNED)),
    )


def invoice_for(user, pk) -> Invoice:
    """One invoice the user may see; anything else is as good as absent (404). The seller and the
    payer are joined, supplier and carrier attached (usually the same companies, else one query),
    the deal and the responsible load on use: every further join costs PostgreSQL more planning
    time than a primary-key fetch (seven joins: ~9 ms). The SQL is compiled once per R2 rule
    (core.sqlcache)."""
    pk = as_id(pk)
    found = None
    if pk:
        require_billing(user)

        def build(a):
            return (
                _with_closing(visible_invoices(policy.stand_in(user, a)))
                .select_related("seller", "payer_company", "payer_contact")
                .filter(pk=a["pk"])
                .order_by()[:1]
            )

        key = ("invoice_for", policy.visibility(user))
        found = PLANS.one(key, build, {"pk": pk, **policy.visibility_args(user)})
    if found is None:
        raise NotFound(_("Invoice not found."), field="id")
    attach_parties(found)
    return found


def attach_parties(invoice: Invoice) -> None:
    """Set the invoice's supplier and carrier from the companies it holds, reading the others at once."""
    from dealbook.crm.models import Company

    cache = invoice._state.fields_cache
    held = {c.pk: c for name in ("seller", "payer_company") if (c := cache.get(name)) is not None}
    wanted = {invoice.supplier_id, invoice.carrier_id} - {None} - set(held)
    if wanted:
        held.update(Company.objects.in_bulk(wanted))
    for name in ("supplier", "carrier"):
        company_id = getattr(invoice, f"{name}_id")
        if company_id is None or company_id in held:
            cache[name] = held.get(company_id)


def invoice_lines(invoice: Invoice):
    return InvoiceLine.objects.filter(invoice=invoice).select_related("unit").order_by("sort", "id")


def has_lines(invoice: Invoice) -> bool:
    return lines.has_lines(InvoiceLine, "invoice", invoice)


def invoice_line_list(invoice: Invoice) -> list[InvoiceLine]:
    """The invoice's lines in order, with their units."""
    return lines.ordered_lines(InvoiceLine, "invoice", invoice)


def invoice_list(
    user,
    *,
    number: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    customer: int | None = None,
    contact: int | None = None,
    status: str | None = None,
    amount_min: Decimal | None = None,
    amount_max: Decimal | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    overdue: bool | None = None,
    deal: int | None = None,
    seller: int | None = None,
    today: dt.date | None = None,
):
    """I9 filters over the visible invoices, with X3's closing-document flags; one query per page."""
    qs = visible_invoices(user)
    for name, value in {"customer": customer, "contact": contact, "deal": deal, "seller": seller}.items():
        if value is not None and as_id(value) is None:
            raise InvalidInput(_("%(field)s: not an id.") % {"field": name}, field=name)
    if number:
        qs = qs.filter(number__icontains=number.strip())
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if customer is not None:
        qs = qs.filter(payer_company_id=customer)
    if contact is not None:
        qs = qs.filter(payer_contact_id=contact)
    if status:
        wanted = [s for s in status.split(",") if s]
        unknown = [s for s in wanted if s not in InvoiceStatus.values]
        if unknown:
            raise InvalidInput(_("status: unknown status '%(s)s'.") % {"s": unknown[0]}, field="status")
        qs = qs.filter(status__in=wanted)
    if amount_min is not None:
        qs = qs.filter(total__gte=amount_min)
    if amount_max is not None:
        qs = qs.filter(total__lte=amount_max)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    if overdue is not None:
        from django.utils import timezone

        late = overdue_q(today or timezone.localdate())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if deal is not None:
        qs = qs.filter(deal_id=deal)
    if seller is not None:
        qs = qs.filter(seller_id=seller)
    return _with_closing(qs).select_related("seller", "payer_company", "payer_contact")


def deal_invoices(user, deal) -> tuple[list[Invoice], Decimal]:
    """The deal's Invoices tab (step 53): its invoices and the paid total."""
    items = list(invoice_list(user, deal=deal.pk).order_by("-id")[:200])
    paid = sum(
        (
            i.total
            for i in items
            if i.status in (InvoiceStatus.PAID, InvoiceStatus.PAID_SHIPPED, InvoiceStatus.EXPORTED)
        ),
        Decimal("0"),
    )
    return items, paid


def visible_payments(user):
    """Payments whose every invoice the user may see."""
    invoices = visible_invoices(user)
    hidden = PaymentAllocation.objects.filter(payment=OuterRef("pk")).exclude(invoice__in=invoices)
    return Payment.objects.annotate(_hidden=Exists(hidden)).filter(_hidden=False)


def payment_list(user, *, invoice: int | None = None, date_from=None, date_to=None):
    qs = visible_payments(user)
    if invoice is not None:
        qs = qs.filter(allocations__invoice_id=as_id(invoice) or 0)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.prefetch_related("allocations__invoice")


def payment_for(user, pk) -> Payment:
    pk = as_id(pk)
    found = (
        visible_payments(user).prefetch_related("allocations__invoice").filter(pk=pk).first() if pk else None
    )
    if found is None:
        raise NotFound(_("Payment not found."), field="id")
    return found


def closing_document_for(user, pk) -> ClosingDocument:
    pk = as_id(pk)
    found = (
        ClosingDocument.objects.filter(pk=pk, invoice__in=visible_invoices(user))
        .select_related("invoice")
        .first()
        if pk
        else None
    )
    if found is None:
        raise NotFound(_("Closing document not found."), field="id")
    return found


def closing_documents_of(invoice: Invoice):
    return ClosingDocument.objects.filter(invoice=invoice).prefetch_related("lines").order_by("id")


def visible_templates(user):
    """I11 templates: R1 billing roles; R2 by the template's responsible."""
    require_billing(user)
    return policy.filter_visible(InvoiceTemplate.objects.all(), user, shared=None)


def template_for(user, pk) -> InvoiceTemplate:
    pk = as_id(pk)
    found = (
        visible_templates(user)
        .select_related("seller", "payer_company", "payer_contact")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if found is None:
        raise NotFound(_("Invoice template not found."), field="id")
    return found


def invoice_by_token(token: str) -> Invoice:
    """I8: the invoice behind a public link (no login). The token holds 192 random bits; anything
    that is not exactly a stored token is a 404, cancelled invoices included."""
    token = (token or "").strip()
    found = None
    if 20 <= len(token) <= 64:
        found = (
            Invoice.objects.select_related("seller", "payer_company", "payer_contact")
            .filter(public_token=token)
            .exclude(status=InvoiceStatus.CANCELLED)
            .first()
        )
    if found is None:
        raise NotFound(_("Invoice not found."), field="token")
    return found
