"""Admin for the CRM: an administrator's set-up (pipelines, stages, routing, segments, sources, loss
reasons) and a read-only view of the business records.

What is written here, and how:
- pipelines and stages (D1), routing rules (D3): through crm.services.pipelines / routing;
- companies with bank accounts and contacts with phones (C2, C4): through crm.services, which validate
  requisites and write the timeline;
- segments, sources, loss reasons: plain reference lists;
- deals, deal lines, stage totals, leads and counterparty requests: VIEW ONLY. Their state changes
  (stage moves, amounts, conversion) carry rules, running totals and timeline entries that only the
  services keep right (D2, D4, D8, L2); they are changed in the app and the API, never here.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dealbook.core.admin import (
    LargeTablePaginator,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    formset_saved,
)
from dealbook.crm.models import (
    BankAccount,
    Company,
    Contact,
    ContactPoint,
    CounterpartyRequest,
    Deal,
    DealContact,
    DealLine,
    Lead,
    LostReason,
    Pipeline,
    RoutingRule,
    Segment,
    Source,
    Stage,
    StageTotal,
)
from dealbook.crm.services import companies as company_services
from dealbook.crm.services import contacts as contact_services
from dealbook.crm.services import pipelines as pipeline_services
from dealbook.crm.services import routing as routing_services


def timeline_link(obj) -> str:
    """A link to the record's timeline in the event list (T4)."""
    from django.contrib.contenttypes.models import ContentType

    if obj is None or obj.pk is None:
        return "—"
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    url = reverse("admin:core_event_changelist") + f"?subject_type__id__exact={ct.pk}&subject_id={obj.pk}"
    return format_html('<a href="{}">{}</a>', url, _("Open the timeline"))


# ---------------------------------------------------------------- reference lists


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    """C1: the configurable list of industry segments."""

    list_display = ["name", "sort"]
    list_editable = ["sort"]
    search_fields = ["name"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    """L1, D5: where leads and deals come from."""

    list_display = ["name", "code", "sort"]
    list_editable = ["sort"]
    search_fields = ["name", "code"]


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    """D1: a lost deal needs one of these reasons (the loss analysis)."""

    list_display = ["name", "sort", "is_active"]
    list_editable = ["sort", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]


# ---------------------------------------------------------------- pipelines and stages (D1)


class StageInline(admin.TabularInline):
    """The pipeline's stages: rename, recolour, reorder. Code and kind are what rules refer to."""

    model = Stage
    fields = ["sort", "name", "code", "kind", "color"]
    readonly_fields = ["code", "kind"]
    extra = 0
    can_delete = False  # deals reference their stage; a stage is never removed under them

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class NewStageInline(admin.TabularInline):
    """Stages to add. On a new pipeline, leaving these empty gives the seed's default stages."""

    model = Stage
    fields = ["name", "code", "kind", "color"]
    extra = 1
    can_delete = False
    verbose_name = _("new stage")
    verbose_name_plural = _("new stages")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # code is derived from the name when left empty (pipeline services do it)
        formset.form.base_fields["code"].required = False
        return formset


@admin.register(Pipeline)
class PipelineAdmin(ServiceAdmin):
    list_display = ["name", "sort", "is_default", "is_active", "stage_list"]
    list_editable = ["sort", "is_active"]
    fields = ["name", "sort", "is_default", "is_active"]
    inlines = [StageInline, NewStageInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("stages")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deals keep their pipeline; retire one by making it inactive

    @admin.display(description=_("stages"))
    def stage_list(self, obj: Pipeline) -> str:
        return " → ".join(s.name for s in obj.stages.all())

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            return  # created in save_related, where the stages to create it with are known
        if "is_default" in form.changed_data and obj.is_default:
            # one default pipeline, as pipeline_create keeps it
            Pipeline.objects.filter(is_default=True).exclude(pk=obj.pk).update(is_default=False)
        obj.save()

    def save_related(self, request, form, formsets, change) -> None:
        existing = next(f for f in formsets if f.model is Stage and f.prefix == "stages")
        new = [f for f in formsets if f.model is Stage and f is not existing]
        new_rows = [row.cleaned_data for fs in new for row in fs.forms if row.has_changed()]
        for formset in formsets:
            formset_saved(formset)
        if not change:
            data = form.cleaned_data
            language = "ru" if (get_language() or "").startswith("ru") else "en"
            pipeline = pipeline_services.pipeline_create(
                actor=request.user,
                name=data["name"],
                sort=data.get("sort") or 0,
                is_default=bool(data.get("is_default")),
                stages=[{k: r.get(k) for k in ("name", "code", "kind", "color")} for r in new_rows] or None,
                language=language,
            )
            if not data.get("is_active", True):
                Pipeline.objects.filter(pk=pipeline.pk).update(is_active=False)
                pipeline.is_active = False
            self.adopt(form.instance, pipeline)
            return
        pipeline = form.instance
        self._save_existing_stages(request, pipeline, existing)
        for row in new_rows:
            pipeline_services.stage_add(
                actor=request.user,
                pipeline=pipeline,
                name=row.get("name"),
                code=row.get("code") or "",
                kind=row.get("kind"),
                color=row.get("color") or "",
            )

    def _save_existing_stages(self, request, pipeline, formset) -> None:
        order_changed = False
        for row in formset.forms:
            if not row.has_changed():
                continue
            changed = set(row.changed_data)
            if changed & {"name", "color"}:
                pipeline_services.stage_rename(
                    actor=request.user,
                    stage=row.instance,
                    name=row.cleaned_data.get("name"),
                    color=row.cleaned_data.get("color"),
                )
            order_changed |= "sort" in changed
        if order_changed:
            rows = sorted(formset.forms, key=lambda r: (r.cleaned_data.get("sort") or 0, r.instance.pk))
            pipeline_services.stage_reorder(
                actor=request.user, pipeline=pipeline, stage_ids=[r.instance.pk for r in rows]
            )


@admin.register(Stage)
class StageAdmin(ReadOnlyAdmin):
    """Listed for overview; stages are edited on their pipeline."""

    list_display = ["name", "pipeline", "code", "kind", "sort"]
    list_filter = ["pipeline", "kind"]
    list_select_related = ["pipeline"]
    ordering = ["pipeline__sort", "pipeline_id", "sort"]


# ---------------------------------------------------------------- routing (D3)


@admin.register(RoutingRule)
class RoutingRuleAdmin(ServiceAdmin):
    """D3: who takes a new deal of a direction and segment (segment-specific rules win)."""

    list_display = ["pipeline", "segment", "responsible", "priority", "is_active"]
    list_filter = ["pipeline", "segment", "is_active"]
    list_select_related = ["pipeline", "segment", "responsible"]
    list_editable = ["priority", "is_active"]
    autocomplete_fields = ["responsible"]
    fields = ["pipeline", "segment", "responsible", "priority", "is_active"]

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if not change:
            rule = routing_services.routing_rule_create(
                actor=request.user,
                pipeline=data["pipeline"],
                segment=data.get("segment"),
                responsible=data["responsible"],
                priority=data.get("priority") or 0,
            )
            if not data.get("is_active", True):
                RoutingRule.objects.filter(pk=rule.pk).update(is_active=False)
                rule.is_active = False
            return rule
        # priority, activity and target of an existing rule are plain settings
        form.instance.save()
        return form.instance


# ---------------------------------------------------------------- companies and contacts (C1–C5)


def _kept_rows(formset):
    """Rows of an inline formset that stay after saving (filled in and not marked for deletion)."""
    return [
        row
        for row in formset.forms
        if row.cleaned_data and not row.cleaned_data.get("DELETE") and (row.instance.pk or row.has_changed())
    ]


def _formset_changed(formset) -> bool:
    return any(row.has_changed() for row in formset.forms)


def _points(formset, kinds) -> dict[str, list[dict]]:
    """Phones / e-mails / messengers of a points inline as the services take them."""
    names = {ContactPoint.Kind.PHONE: "phones", ContactPoint.Kind.EMAIL: "emails"}
    names[ContactPoint.Kind.MESSENGER] = "messengers"
    out: dict[str, list[dict]] = {names[k]: [] for k in kinds}
    for row in _kept_rows(formset):
        kind = row.cleaned_data.get("kind")
        if kind not in kinds:
            from dealbook.core.errors import InvalidInput

            raise InvalidInput(_("This kind of contact detail cannot be kept here."), field="kind")
        out[names[kind]].append(
            {"value": row.cleaned_data.get("value"), "label": row.cleaned_data.get("label")}
        )
    return out


class PointInline(admin.TabularInline):
    """Phones and e-mails, normalised by the services (E.164, lower case) for duplicate checks (L3)."""

    model = ContactPoint
    fields = ["kind", "label", "value"]
    extra = 1


class CompanyPointInline(PointInline):
    fk_name = "company"


class ContactPointInline(PointInline):
    fk_name = "contact"


class BankAccountInline(admin.TabularInline):
    """C2: BIK with correspondent and settlement accounts (control keys checked), or IBAN and BIC."""

    model = BankAccount
    fields = ["bank_name", "bik", "corr_account", "account", "iban", "bic", "currency", "is_primary"]
    extra = 0


@admin.register(Company)
class CompanyAdmin(ServiceAdmin):
    """C4: accounting and administrators register companies and change requisites (checked, C2);
    the profile (type, segment, responsible) goes through the profile service (step 39)."""

    list_display = ["name", "inn", "kpp", "kind", "segment", "responsible", "is_own", "created_at"]
    list_filter = ["is_own", "kind", "segment", "country"]
    list_select_related = ["segment", "responsible"]
    search_fields = ["name", "legal_name", "=inn", "=vat_id"]
    autocomplete_fields = ["responsible"]
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50
    inlines = [BankAccountInline, CompanyPointInline]
    readonly_fields = ["timeline"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "segment", "is_own", "responsible", "is_shared", "timeline"]}),
        (
            _("Requisites"),
            {
                "fields": [
                    "legal_name",
                    "country",
                    "inn",
                    "kpp",
                    "ogrn",
                    "vat_id",
                    "legal_address",
                    "postal_address",
                    "director_name",
                    "accountant_name",
                ]
            },
        ),
        (_("More"), {"fields": ["website", "comment"]}),
    ]
    POINT_KINDS = (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL)

    def get_readonly_fields(self, request, obj=None):
        # whether a company is one of our sellers is decided when accounting registers it
        return ["timeline", "is_own"] if obj is not None else ["timeline"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deals, invoices and the timeline refer to companies

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_link(obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            return  # created in save_related with its bank accounts and phones, in one service call
        data, changed = form.cleaned_data, set(form.changed_data)
        company = Company.objects.get(pk=obj.pk)
        requisites = {f: data[f] for f in company_services.REQUISITE_FIELDS if f in changed}
        if requisites:
            company = company_services.company_update_requisites(
                actor=request.user, company=company, **requisites
            )
        profile = {f: data[f] for f in company_services.PROFILE_FIELDS if f in changed}
        if profile:
            company = company_services.company_update_profile(actor=request.user, company=company, **profile)
        self.adopt(obj, company)

    def save_related(self, request, form, formsets, change) -> None:
        banks = next(f for f in formsets if f.model is BankAccount)
        points = next(f for f in formsets if f.model is ContactPoint)
        for formset in formsets:
            formset_saved(formset)
        if not change:
            data = form.cleaned_data
            fields = [*company_services.REQUISITE_FIELDS, *company_services.PROFILE_FIELDS, "is_own"]
            company = company_services.company_create(
                actor=request.user,
                **{f: data[f] for f in fields if f in data and data[f] is not None},
                **_points(points, self.POINT_KINDS),
                bank_accounts=[
                    {k: v for k, v in row.cleaned_data.items() if k in company_services.BANK_FIELDS}
                    for row in _kept_rows(banks)
                ],
            )
            self.adopt(form.instance, company)
            return
        company = form.instance
        self._save_bank_accounts(request, company, banks)
        if _formset_changed(points):
            company_services.company_update_profile(
                actor=request.user, company=company, **_points(points, self.POINT_KINDS)
            )

    def _save_bank_accounts(self, request, company, formset) -> None:
        for row in formset.forms:
            if not row.has_changed() and not row.cleaned_data.get("DELETE"):
                continue
            account = row.instance
            if row.cleaned_data.get("DELETE"):
                if account.pk:
                    company_services.company_bank_account_remove(actor=request.user, account=account)
                continue
            values = {
                k: row.cleaned_data.get(k) for k in row.changed_data if k in company_services.BANK_FIELDS
            }
            if account.pk:
                account = BankAccount.objects.get(pk=account.pk)
                company_services.company_bank_account_update(actor=request.user, account=account, **values)
            else:
                values = {k: v for k, v in row.cleaned_data.items() if k in company_services.BANK_FIELDS}
                company_services.company_bank_account_add(actor=request.user, company=company, **values)


@admin.register(Contact)
class ContactAdmin(ServiceAdmin):
    """People (C5): created and changed through the contact services (phones normalised, L3)."""

    list_display = ["full_name", "position", "responsible", "is_shared", "created_at"]
    list_filter = ["is_shared", "source"]
    list_select_related = ["responsible"]
    search_fields = ["last_name", "first_name", "=points__normalized"]
    autocomplete_fields = ["responsible", "companies"]
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50
    inlines = [ContactPointInline]
    readonly_fields = ["timeline"]
    fields = [
        "first_name",
        "middle_name",
        "last_name",
        "position",
        "companies",
        "responsible",
        "is_shared",
        "source",
        "comment",
        "timeline",
    ]
    POINT_KINDS = (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL, ContactPoint.Kind.MESSENGER)
    SIMPLE = (
        "first_name",
        "middle_name",
        "last_name",
        "position",
        "comment",
        "is_shared",
        "source",
        "responsible",
    )

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_link(obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            return  # created in save_related together with its phones and e-mails
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in self.SIMPLE}
        contact = Contact.objects.get(pk=obj.pk)
        if changes:
            contact = contact_services.contact_update(actor=request.user, contact=contact, **changes)
        self.adopt(obj, contact)

    def save_related(self, request, form, formsets, change) -> None:
        points = next(f for f in formsets if f.model is ContactPoint)
        for formset in formsets:
            formset_saved(formset)
        data = form.cleaned_data
        wanted = list(data.get("companies") or [])
        if not change:
            contact = contact_services.contact_create(
                actor=request.user,
                **{f: data[f] for f in self.SIMPLE if f in data and data[f] is not None},
                **_points(points, self.POINT_KINDS),
                company=wanted[0] if wanted else None,
            )
            self.adopt(form.instance, contact)
        else:
            contact = form.instance
            if _formset_changed(points):
                contact_services.contact_update(
                    actor=request.user, contact=contact, **_points(points, self.POINT_KINDS)
                )
        current = set(contact.companies.values_list("pk", flat=True))
        for company in wanted:
            if company.pk not in current:
                contact_services.contact_link_company(actor=request.user, contact=contact, company=company)
        for company in Company.objects.filter(pk__in=current - {c.pk for c in wanted}):
            contact_services.contact_unlink_company(actor=request.user, contact=contact, company=company)


# ---------------------------------------------------------------- business records: view only


class DealContactInline(ReadOnlyInline):
    model = DealContact
    fields = ["contact", "is_primary", "role"]
    readonly_fields = fields
    verbose_name = _("contact")
    verbose_name_plural = _("contacts")


class DealLineInline(ReadOnlyInline):
    model = DealLine
    fields = ["name", "quantity", "unit", "price", "discount_amount", "tax_rate", "tax", "total"]
    readonly_fields = fields


@admin.register(Deal)
class DealAdmin(ReadOnlyAdmin):
    """View only: stage moves, assignment and lines go through the deal services (D2, D4, D8)."""

    list_display = [
        "id",
        "title",
        "pipeline",
        "stage",
        "responsible",
        "company",
        "amount",
        "currency",
        "created_at",
    ]
    list_display_links = ["id", "title"]
    list_filter = ["pipeline", "stage__kind", "is_shared", "responsible"]
    list_select_related = ["pipeline", "stage", "responsible", "company"]
    search_fields = ["=id", "title"]
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50
    readonly_fields = ["timeline"]
    inlines = [DealContactInline, DealLineInline]
    fieldsets = [
        (None, {"fields": ["title", "pipeline", "stage", "responsible", "is_shared", "timeline"]}),
        (_("Client"), {"fields": ["company", "lead", "source", "deal_type"]}),
        (
            _("Amount and tax"),
            {"fields": ["amount", "tax_amount", "currency", "tax_profile", "tax_date", "location"]},
        ),
        (
            _("Details"),
            {
                "fields": [
                    "delivery_address",
                    "begin_date",
                    "close_date",
                    "probability",
                    "comment",
                    "lost_reason",
                    "lost_comment",
                ]
            },
        ),
        (
            _("History"),
            {"fields": ["created_by", "created_at", "updated_at", "stage_changed_at", "closed_at"]},
        ),
    ]

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_link(obj)


@admin.register(DealLine)
class DealLineAdmin(ReadOnlyAdmin):
    """View only: lines are priced by core.tax through the line services (P1–P6, D4)."""

    list_display = ["id", "deal", "name", "quantity", "unit", "price", "tax_rate", "tax", "total"]
    list_select_related = ["deal", "unit"]
    search_fields = ["=deal__id", "name"]
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50


@admin.register(StageTotal)
class StageTotalAdmin(ReadOnlyAdmin):
    """View only: running kanban totals kept by crm.totals (equal to a recount, tested)."""

    list_display = ["pipeline", "stage", "responsible_key", "is_shared", "currency", "count", "amount"]
    list_filter = ["pipeline", "currency", "is_shared"]
    list_select_related = ["pipeline", "stage"]
    ordering = ["pipeline_id", "stage__sort", "responsible_key"]


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    """View only: leads arrive by the intake channels and are converted by the lead services (L1–L3)."""

    list_display = [
        "id",
        "title",
        "status",
        "source",
        "channel",
        "name",
        "phone",
        "responsible",
        "created_at",
    ]
    list_filter = ["status", "channel", "source"]
    list_select_related = ["source", "responsible"]
    search_fields = ["=id", "title", "name", "phone_normalized", "email_normalized", "inn"]
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50
    readonly_fields = ["timeline"]

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return timeline_link(obj)


@admin.register(CounterpartyRequest)
class CounterpartyRequestAdmin(ReadOnlyAdmin):
    """View only: filed by managers and completed by accounting through the request services (C4)."""

    list_display = ["id", "name", "inn", "status", "requested_by", "handled_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["requested_by", "handled_by"]
    search_fields = ["name", "inn"]
