"""Admin for timeline events, attachments and numbering sequences — all read-only.

The timeline is the audit log (T4, R3): entries are written by services and never edited by hand.
Sequences are numbering state (I1); a hand edit would break gapless numbering.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from dealbook.core.errors import DomainError
from dealbook.core.models import Attachment, Event, Sequence

admin.site.site_header = _("Dealbook administration")
admin.site.site_title = _("Dealbook")
admin.site.index_title = _("Settings and data")


class LargeTablePaginator(Paginator):
    """Pages of a table with millions of rows (deals, events) without counting them all.

    An unfiltered list on PostgreSQL takes the planner's row estimate once the table is big; a
    filtered list, or a small table, is counted exactly. Paired with show_full_result_count = False.
    """

    ESTIMATE_FROM = 100_000

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        connection = connections[getattr(qs, "db", "default")]
        if connection.vendor == "postgresql" and hasattr(qs, "query") and not qs.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                    [qs.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] and row[0] >= self.ESTIMATE_FROM:
                return int(row[0])
        return super().count


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: rows of this model change only through services (the reason is on each subclass)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ServiceAdmin(admin.ModelAdmin):
    """An admin whose writes go through the app's services, never straight to the rows.

    Subclasses implement `service_save(request, form, change)` returning the saved object, and may
    override `save_related` to pass inline rows to services too. A DomainError raised anywhere in
    the save rolls the whole request back (the admin wraps it in one transaction); the form is then
    shown again with the posted values and the service's message on the field it names.
    """

    def service_save(self, request, form, change):
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            if request.method != "POST":
                raise
            request._service_error = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class ServiceForm(form_class):
            def clean(self):
                cleaned = super().clean()
                exc = getattr(request, "_service_error", None)
                if exc is not None:
                    field = exc.field if exc.field in self.fields else None
                    self.add_error(field, exc.message)
                return cleaned

        ServiceForm.__name__ = form_class.__name__
        return ServiceForm

    def save_model(self, request, obj, form, change) -> None:
        self.adopt(obj, self.service_save(request, form, change))

    def adopt(self, obj, saved) -> None:
        """The admin goes on with `obj` (inlines, log entry, redirect): make it the saved row."""
        for field in self.model._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db

    def save_related(self, request, form, formsets, change) -> None:
        # many-to-many values reach the service through form.cleaned_data, not form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


def formset_saved(formset, *, new=(), changed=(), deleted=()) -> None:
    """Tell the admin's change message what a service-driven formset save did.

    The admin reads these attributes, which `formset.save()` would have set, to write its log.
    `changed` holds (object, [field names]) pairs.
    """
    formset.new_objects = list(new)
    formset.changed_objects = list(changed)
    formset.deleted_objects = list(deleted)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Timeline entries (T4, R3): permanent; filter one record's timeline with ?subject_type=&subject_id=."""

    list_display = ["id", "created_at", "kind", "subject_type", "subject_id", "actor", "short_text"]
    list_filter = ["kind", "subject_type"]
    list_select_related = ["actor", "subject_type"]
    search_fields = ["=subject_id", "text"]
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50

    @admin.display(description=_("text"))
    def short_text(self, obj: Event) -> str:
        return Truncator(obj.text or "").chars(80)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """Files on records (D5): attached through services, which also write the timeline entry."""

    list_display = [
        "id",
        "name",
        "purpose",
        "subject_type",
        "subject_id",
        "size",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["purpose", "subject_type"]
    list_select_related = ["uploaded_by", "subject_type"]
    search_fields = ["name", "=subject_id"]
    show_full_result_count = False
    paginator = LargeTablePaginator


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    """Numbering counters (I1): changed only under a row lock by core.numbering."""

    list_display = ["scope", "doc_type", "year", "last"]
    list_filter = ["doc_type", "year"]
