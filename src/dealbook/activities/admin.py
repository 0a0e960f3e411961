"""Admin for tasks with their checklists (T1–T3), written through activities.services.

Creating, changing, completing and reopening a task, and every checklist change, go through the
services so the timelines, notifications and the "complete only when the checklist is done" rule
(T2) hold here too. Links to records are set when a task is created.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dealbook.activities import services
from dealbook.activities.models import ChecklistItem, Task, TaskStatus
from dealbook.activities.services.tasks import UPDATABLE
from dealbook.core.admin import LargeTablePaginator, ServiceAdmin, formset_saved
from dealbook.core.errors import DomainError


class ChecklistInline(admin.TabularInline):
    """T2: items are added, reworded, ticked off or dropped while the task is open."""

    model = ChecklistItem
    fields = ["text", "is_done", "done_at", "done_by"]
    readonly_fields = ["done_at", "done_by"]
    extra = 1


class OverdueFilter(admin.SimpleListFilter):
    """T3: the overdue state is decided in one place (Task queryset / Task.is_overdue)."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.not_overdue()
        return queryset


@admin.register(Task)
class TaskAdmin(ServiceAdmin):
    list_display = [
        "title",
        "kind",
        "status",
        "responsible",
        "deadline",
        "is_overdue_shown",
        "progress_shown",
    ]
    list_filter = ["status", "kind", OverdueFilter, "responsible"]
    list_select_related = ["responsible"]
    search_fields = ["title", "=deal__id"]
    raw_id_fields = ["deal", "lead"]  # a million deals: never a select box
    autocomplete_fields = ["responsible", "contact", "company"]
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50
    inlines = [ChecklistInline]
    actions = ["complete_tasks", "reopen_tasks"]
    fieldsets = [
        (None, {"fields": ["kind", "title", "description", "responsible", "deadline", "remind_at"]}),
        (_("Linked to"), {"fields": ["deal", "lead", "contact", "company"]}),
        (_("Result"), {"fields": ["status", "result", "completed_at", "completed_by"]}),
    ]
    LINKS = ("deal", "lead", "contact", "company")

    def get_queryset(self, request):
        # progress "3 of 6" in the list without one query per row
        return (
            super()
            .get_queryset(request)
            .annotate(
                _items=Count("checklist"),
                _done=Count("checklist", filter=Q(checklist__is_done=True)),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status", "result", "completed_at", "completed_by"]
        return readonly + list(self.LINKS) if obj is not None else readonly

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue_shown(self, obj: Task) -> bool:
        return obj.is_overdue()

    @admin.display(description=_("checklist"))
    def progress_shown(self, obj: Task) -> str:
        if not getattr(obj, "_items", 0):
            return ""
        return _("%(done)s of %(total)s") % {"done": obj._done, "total": obj._items}

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if not change:
            return services.task_create(
                actor=request.user,
                title=data["title"],
                deadline=data["deadline"],
                responsible=data.get("responsible"),
                kind=data["kind"],
                description=data.get("description") or "",
                remind_at=data.get("remind_at"),
                **{link: data.get(link) for link in self.LINKS},
            )
        task = Task.objects.get(pk=form.instance.pk)
        changes = {f: data[f] for f in form.changed_data if f in UPDATABLE}
        return services.task_update(actor=request.user, task=task, **changes) if changes else task

    def save_formset(self, request, form, formset, change) -> None:
        task = form.instance
        for row in formset.forms:
            item = row.instance
            if row.cleaned_data.get("DELETE"):
                if item.pk:
                    services.checklist_remove(actor=request.user, item=item)
                continue
            if not row.has_changed():
                continue
            data = row.cleaned_data
            # row.instance already carries the posted values: compare with what the form started from
            if item.pk is None:
                item = services.checklist_add(actor=request.user, task=task, text=data["text"])
            elif "text" in row.changed_data:
                services.checklist_edit(actor=request.user, item=item, text=data["text"])
            if "is_done" in row.changed_data:
                services.checklist_toggle(actor=request.user, item=item, done=bool(data.get("is_done")))
        formset_saved(formset)

    def _bulk(self, request, queryset, action, done_message):
        count = 0
        for task in queryset.filter():
            try:
                action(actor=request.user, task=task)
                count += 1
            except DomainError as exc:
                self.message_user(request, f"{task}: {exc.message}", messages.ERROR)
        if count:
            self.message_user(request, done_message(count), messages.SUCCESS)

    @admin.action(description=_("Complete the selected tasks"))
    def complete_tasks(self, request, queryset):
        self._bulk(
            request,
            queryset.filter(status=TaskStatus.OPEN),
            services.task_complete,
            lambda n: ngettext("%(n)d task completed.", "%(n)d tasks completed.", n) % {"n": n},
        )

    @admin.action(description=_("Reopen the selected tasks"))
    def reopen_tasks(self, request, queryset):
        self._bulk(
            request,
            queryset.exclude(status=TaskStatus.OPEN),
            services.task_reopen,
            lambda n: ngettext("%(n)d task reopened.", "%(n)d tasks reopened.", n) % {"n": n},
        )
