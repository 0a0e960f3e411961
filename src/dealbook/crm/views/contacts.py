"""Contacts: the list, a new contact, the card with details edited in place (names, position,
phones, e-mails, messengers) and "Merge with…" a duplicate. Each action calls one crm service;
its message is shown at the field it names."""

from __future__ import annotations

import json

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealbook.accounts.queries import active_users
from dealbook.activities.models import TaskKind
from dealbook.activities.queries import tasks_of_record
from dealbook.core import timeline
from dealbook.core.errors import DomainError, InvalidInput, NotFound
from dealbook.crm.duplicates import find_matches
from dealbook.crm.models import (
    ContactPoint,
    DealContact,
)
from dealbook.crm.queries import deals as dq
from dealbook.crm.queries.parties import contact_get
from dealbook.crm.queries.parties import contacts_list as contacts_query
from dealbook.crm.services import contacts as contact_services
from dealbook.crm.views.common import _decorate, _list_page
from dealbook.web.pages import page, render_form

NAME_FIELDS = (
    ("last_name", gettext_lazy("Last name"), False),
    ("first_name", gettext_lazy("First name"), True),
    ("middle_name", gettext_lazy("Middle name"), False),
    ("position", gettext_lazy("Position"), False),
)
POINT_FIELDS = (
    ("phones", ContactPoint.Kind.PHONE, gettext_lazy("Phones"), "tel"),
    ("emails", ContactPoint.Kind.EMAIL, gettext_lazy("E-mails"), "email"),
    ("messengers", ContactPoint.Kind.MESSENGER, gettext_lazy("Messengers"), "text"),
)
CANDIDATES = 10


CONTACT_FIELDS = (
    ("last_name", gettext_lazy("Last name"), False),
    ("first_name", gettext_lazy("First name"), True),
    ("middle_name", gettext_lazy("Middle name"), False),
    ("position", gettext_lazy("Position"), False),
    ("phone", gettext_lazy("Phone"), False),
    ("email", gettext_lazy("E-mail"), False),
)


@page
def contact_new(request):
    """Step 3: operators and managers create contacts; phones and e-mails are checked by the service
    and a wrong one is shown under its field."""
    from dealbook.crm.services.contacts import contact_create

    values = request.POST if request.method == "POST" else {}
    error = None
    if request.method == "POST":
        try:
            contact = contact_create(
                actor=request.user,
                first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""),
                middle_name=values.get("middle_name", ""),
                position=values.get("position", ""),
                phones=[values["phone"]] if values.get("phone", "").strip() else [],
                emails=[values["email"]] if values.get("email", "").strip() else [],
                responsible=request.user,
            )
            return redirect("contact", contact.pk)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error = exc
    errors = {}
    if error is not None:
        # the service names list fields ("phones", "phones.0"); the form has one of each
        field = (error.field or "general").split("[")[0].split(".")[0]
        errors[{"phones": "phone", "emails": "email"}.get(field, field)] = error.message
    fields = [
        {"name": n, "label": label, "required": req, "value": values.get(n, ""), "error": errors.get(n)}
        for n, label, req in CONTACT_FIELDS
    ]
    context = {"section": "contacts", "fields": fields, "errors": errors}
    return render_form(request, "crm/contact_new.html", context, error)


@page
def contacts_list(request):
    from dealbook.crm.queries.parties import contacts_list as contacts_query

    return _list_page(
        request,
        "crm/contacts_list.html",
        "contacts",
        contacts_query(request.user, q=request.GET.get("q") or None),
    )


@page
def contact_card(request, pk: int):
    """The contact card: details edited in place, deals, timeline, and "Merge with…" offering the
    duplicates found by phone and e-mail first (merge_candidates)."""
    from dealbook.crm.queries.parties import contact_get

    contact = contact_get(request.user, pk)
    deals = _decorate(
        list(
            dq.deal_list(request.user)
            .filter(id__in=DealContact.objects.filter(contact=contact).values("deal_id"))
            .order_by("-id")[:20]
        )
    )
    events = list(timeline.events_for(contact, limit=30))
    duplicates, _found = merge_candidates(request.user, contact)
    tasks = list(tasks_of_record(request.user, contact))
    now = timezone.now()
    for task in tasks:
        task.overdue = task.is_overdue(now)
        task.may_edit = task.can_edit(request.user)
    return render(
        request,
        "crm/contact_card.html",
        {
            **_details_context(request, contact),
            "section": "contacts",
            "deals": deals,
            "events": events,
            "duplicates": duplicates,
            "found": [],
            "q": "",
            "tasks": tasks,
            "task_create_url": reverse("contact_task_create", args=[contact.pk]),
            "users": list(active_users()),
            "kinds": TaskKind.choices,
        },
    )


def _typed(values: list[str]) -> tuple[list[str], list[int]]:
    """The non-empty inputs of one list and, for each, its position among the inputs (so an error
    on the service's "phones.1" lands under the input the user typed it in)."""
    kept = [(i, v.strip()) for i, v in enumerate(values) if v.strip()]
    return [v for _i, v in kept], [i for i, _v in kept]


def _error_at(error: DomainError | None, positions: dict[str, list[int]]) -> tuple[str, int | None]:
    """(form field, input index) of a service error: "phones.1" is the phones input it came from."""
    if error is None or not error.field:
        return "general", None
    name, _dot, index = error.field.partition(".")
    if name in positions and index.isdigit() and int(index) < len(positions[name]):
        return name, positions[name][int(index)]
    return name, None


def _edit_context(contact, values=None, error=None) -> dict:
    """The edit form: names, then one input per phone/e-mail/messenger plus an empty one to add."""
    values = values or {}
    positions = values.get("_positions", {})
    error_field, error_index = _error_at(error, positions)
    names = [
        {
            "name": n,
            "label": label,
            "required": req,
            "value": values.get(n, getattr(contact, n)),
            "error": error.message if error is not None and error_field == n else None,
        }
        for n, label, req in NAME_FIELDS
    ]
    lists = []
    for name, kind, label, input_type in POINT_FIELDS:
        items = values.get(name)
        if items is None:
            items = [p.value for p in contact.points.all() if p.kind == kind]
        items = [*items, ""] if not items or items[-1] else items
        rows = [
            {
                "value": v,
                "error": error.message
                if error is not None and error_field == name and error_index in (i, None) and v
                else None,
            }
            for i, v in enumerate(items)
        ]
        if error is not None and error_field == name and not any(r["error"] for r in rows):
            rows[0]["error"] = error.message
        lists.append({"name": name, "label": label, "type": input_type, "rows": rows})
    return {"contact": contact, "names": names, "lists": lists, "editing": True}


def _details_context(request, contact) -> dict:
    points = list(ContactPoint.objects.filter(contact=contact).order_by("kind", "id"))
    return {
        "contact": contact,
        "points": points,
        "companies": list(contact.companies.order_by("name")),
        "editing": False,
    }


@page
def contact_edit(request, pk: int):
    """Edit in place: GET the form (or the details with ?cancel=1), POST save through contact_update;
    a wrong phone or e-mail comes back under the input it was typed in."""
    contact = contact_get(request.user, pk)
    if request.method != "POST":
        if request.GET.get("cancel"):
            return render(request, "crm/_contact_details.html", _details_context(request, contact))
        return render(request, "crm/_contact_details.html", _edit_context(contact))
    values: dict = {n: request.POST.get(n, "") for n, _label, _req in NAME_FIELDS}
    values["_positions"] = {}
    lists = {}
    for name, _kind, _label, _type in POINT_FIELDS:
        raw = request.POST.getlist(name)
        lists[name], values["_positions"][name] = _typed(raw)
        values[name] = [v.strip() for v in raw]
    try:
        contact_services.contact_update(
            actor=request.user,
            contact=contact,
            **{n: values[n] for n, _label, _req in NAME_FIELDS},
            **lists,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return render_form(request, "crm/_contact_details.html", _edit_context(contact, values, exc), exc)
    contact = contact_get(request.user, pk)
    response = render(request, "crm/_contact_details.html", _details_context(request, contact))
    response["HX-Trigger"] = json.dumps({"toast": {"message": _("Contact saved."), "kind": "success"}})
    return response


def merge_candidates(user, contact, text: str = "") -> tuple[list, list]:
    """L3 "Merge with…": the duplicates crm.duplicates finds by phone and e-mail first (only those
    the user may see), then contacts matching the typed name. Bounded: a few indexed lookups."""
    points = list(contact.points.values_list("kind", "normalized"))
    matches = find_matches(
        phones=[v for k, v in points if k == ContactPoint.Kind.PHONE],
        emails=[v for k, v in points if k == ContactPoint.Kind.EMAIL],
        exclude=contact,
        viewer=user,
    )
    seen, duplicates = {contact.pk}, []
    for match in matches.phone + matches.email:
        if match.record == "contact" and match.visible and match.id not in seen:
            seen.add(match.id)
            duplicates.append(
                {"id": match.id, "name": match.name, "why": match.matched, "value": match.value}
            )
    found = []
    if len(text.strip()) >= 2:
        rows = contacts_query(user, q=text).exclude(pk__in=seen).order_by("last_name", "first_name", "id")
        found = list(rows[:CANDIDATES])
    return duplicates, found


@page
def contact_merge_options(request, pk: int):
    contact = contact_get(request.user, pk)
    duplicates, found = merge_candidates(request.user, contact, request.GET.get("q", ""))
    return render(
        request,
        "crm/_merge_options.html",
        {"contact": contact, "duplicates": duplicates, "found": found, "q": request.GET.get("q", "")},
    )


@require_POST
@page
def contact_merge(request, pk: int):
    """Fold the chosen contact into this one (contact_merge); the refusal comes back as a message."""
    contact = contact_get(request.user, pk)
    try:
        other_id = request.POST.get("other_id", "")
        if not other_id.isdigit():
            raise InvalidInput(_("Choose the contact to merge with."), field="other_id")
        other = contact_get(request.user, int(other_id))
        name = other.full_name
        contact_services.contact_merge(actor=request.user, keep=contact, merge=other)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("contact", pk)
    messages.success(request, _("“%(name)s” was merged into this contact.") % {"name": name})
    return redirect("contact", pk)
