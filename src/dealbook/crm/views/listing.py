"""The deals list (D6): presets as tabs, chosen columns, sortable, keyset pages; bulk assign/move."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dealbook.accounts import policy
from dealbook.accounts.queries import active_users
from dealbook.api.pagination import paginate
from dealbook.core.errors import DomainError
from dealbook.crm.models import Stage
from dealbook.crm.queries import deals as dq
from dealbook.crm.services import deals as deal_services
from dealbook.crm.views.common import _decorate, _filters
from dealbook.web.pages import page

LIST_COLUMNS = (
    ("stage", gettext_lazy("Stage")),
    ("client", gettext_lazy("Client")),
    ("responsible", gettext_lazy("Responsible")),
    ("amount", gettext_lazy("Amount")),
    ("created", gettext_lazy("Created")),
    ("close_date", gettext_lazy("Expected close date")),
)
DEFAULT_COLUMNS = ("stage", "client", "responsible", "amount", "created")


def _list_columns(request) -> list[str]:
    """The columns the user picked (kept in their session until they pick again)."""
    known = {name for name, _label in LIST_COLUMNS}
    if "columns" in request.GET:
        picked = [c for c in request.GET.getlist("cols") if c in known]
        request.session["deal_list_columns"] = picked
    picked = request.session.get("deal_list_columns")
    if picked is None:
        picked = list(DEFAULT_COLUMNS)
    return [name for name, _label in LIST_COLUMNS if name in picked]


LIST_ORDERINGS = {"id", "-id", "title", "-title", "amount", "-amount", "created_at", "-created_at"}
PRESETS = {
    "in_work": {"status": "open"},
    "mine": {"mine": True, "status": "open"},
    "won": {"status": "won"},
    "lost": {"status": "lost"},
    "all": {},
}


@page
def deals_list(request):
    """D6 the deals table: presets as tabs, sortable columns, keyset pages of 50."""
    user = request.user
    preset = request.GET.get("preset", "in_work")
    if preset not in PRESETS:
        preset = "in_work"
    ordering = request.GET.get("ordering", "-id")
    if ordering not in LIST_ORDERINGS:
        ordering = "-id"
    args = dict(PRESETS[preset])
    q = request.GET.get("q", "").strip()
    try:
        filters = _filters(request)
        filters["mine"] = filters["mine"] or args.pop("mine", False)
        qs = dq.deal_list(
            user, q=q or None, pipeline=dq.as_id(request.GET.get("pipeline")), **args, **filters
        )
        rows, next_cursor = paginate(
            qs,
            ordering=ordering,
            allowed=dq.ORDERINGS,
            default="-id",
            cursor=request.GET.get("cursor"),
            limit=50,
        )
    except DomainError as exc:
        return render(request, "web/error.html", {"title": _("Deals"), "message": exc.message}, status=400)
    _decorate(rows)
    colors = dict(Stage.objects.values_list("pk", "color"))  # the small stage table, once
    for row in rows:
        row["stage_color"] = colors.get(row["stage_id"], "")
    base = request.GET.copy()
    base.pop("cursor", None)
    for name in ("cols", "columns"):
        base.pop(name, None)
    sort_base = base.copy()
    sort_base.pop("ordering", None)
    return render(
        request,
        "crm/deals_list.html",
        {
            "section": "deals",
            "rows": rows,
            "next": next_cursor,
            "preset": preset,
            "presets": [
                ("in_work", _("In work")),
                ("mine", _("Mine")),
                ("won", _("Won")),
                ("lost", _("Lost")),
                ("all", _("All")),
            ],
            "ordering": ordering,
            "q": q,
            "query": base.urlencode(),
            "sort_query": sort_base.urlencode(),
            "pipelines": list(dq.pipelines_active()),
            "users": list(active_users()),
            "columns": _list_columns(request),
            "all_columns": LIST_COLUMNS,
            "bulk_stages": _bulk_stages(),
            "lost_reasons": list(dq.lost_reasons_active()),
            "can_assign": policy.can(user, "deal.assign") or user.role == "group_manager",
        },
    )


def _bulk_stages() -> list[tuple[str, str]]:
    """Stages to move to in bulk, by code (each deal moves within its own pipeline, D1)."""
    pipelines = list(dq.pipelines_active())
    if not pipelines:
        return []
    default = next((p for p in pipelines if p.is_default), pipelines[0])
    return [(s.code, s.name) for s in default.stages.all()]


BULK_MAX = 100


@require_POST
@page
def deals_bulk(request):
    """Bulk assign or move the ticked deals: each deal goes through the same service as one by one
    (R2 visibility, R1 roles, D8 closed deals), so what a rule refuses is reported, not forced."""
    from django.utils.http import url_has_allowed_host_and_scheme

    ids = [i for i in (dq.as_id(v) for v in request.POST.getlist("ids")) if i][:BULK_MAX]
    action = request.POST.get("action")
    back = request.POST.get("next") or reverse("deals_list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("deals_list")
    if not ids:
        messages.error(request, _("Tick the deals first."))
        return redirect(back)
    done, refused = 0, []
    responsible = None
    if action == "assign":
        responsible = active_users().filter(pk=dq.as_id(request.POST.get("responsible")) or 0).first()
        if responsible is None:
            messages.error(request, _("Choose the new responsible."))
            return redirect(back)
    elif action != "move" or not request.POST.get("stage"):
        messages.error(request, _("Choose what to do with the deals."))
        return redirect(back)
    for deal_id in ids:
        try:
            deal = dq.deal_for(request.user, deal_id)
            if action == "assign":
                deal_services.deal_assign(actor=request.user, deal=deal, responsible=responsible)
            else:
                deal_services.deal_move(
                    actor=request.user,
                    deal=deal,
                    stage=request.POST["stage"],
                    lost_reason=request.POST.get("lost_reason") or None,
                )
            done += 1
        except DomainError as exc:
            refused.append(f"#{deal_id}: {exc.message}")
    if done:
        messages.success(request, _("%(n)d deal(s) changed.") % {"n": done})
    for line in refused[:10]:
        messages.error(request, line)
    return redirect(back)
