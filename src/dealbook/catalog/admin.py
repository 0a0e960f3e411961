"""Admin for units, tax profiles with their dated rates (P3) and products (P1, C4).

Products and tax rates are written through catalog.services (C4 permission, validation, timeline;
P3: periods of one kind never overlap). Units are plain reference data.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dealbook.catalog import services
from dealbook.catalog.models import Product, TaxProfile, TaxRate, Unit
from dealbook.core.admin import ReadOnlyAdmin, ServiceAdmin, formset_saved


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "allows_fraction"]
    search_fields = ["name", "code"]


class TaxRateInline(admin.TabularInline):
    """Rates in force or past: history is kept, a period can only be ended (tax_rate_end)."""

    model = TaxRate
    fields = ["kind", "rate", "valid_from", "valid_to"]
    readonly_fields = ["kind", "rate", "valid_from"]
    extra = 0
    can_delete = False
    verbose_name_plural = _("tax rates")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class NewTaxRateInline(admin.TabularInline):
    """A new rate with its validity dates (tax_rate_add refuses overlapping periods)."""

    model = TaxRate
    fields = ["kind", "rate", "valid_from", "valid_to"]
    extra = 1
    can_delete = False
    verbose_name = _("new tax rate")
    verbose_name_plural = _("new tax rates")

    def get_queryset(self, request):
        return super().get_queryset(request).none()


@admin.register(TaxProfile)
class TaxProfileAdmin(ServiceAdmin):
    """P3: where a sale happens decides its tax; rates are data with validity dates."""

    list_display = ["name", "code", "country", "tax_name", "expects_tax", "prices_include_tax", "is_default"]
    list_filter = ["country", "expects_tax"]
    search_fields = ["name", "code"]
    fields = ["code", "name", "country", "tax_name", "expects_tax", "prices_include_tax", "is_default"]
    inlines = [TaxRateInline, NewTaxRateInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deals keep their profile (PROTECT); a profile is never removed

    def get_readonly_fields(self, request, obj=None):
        # the code is the profile's key in integrations; the default moves only by creating one
        return ["code", "is_default"] if obj is not None else []

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if not change:
            return services.tax_profile_create(
                actor=request.user,
                **{f: data[f] for f in self.fields if f in data},
            )
        # name, country and flags are plain settings without rules of their own
        profile = form.instance
        profile.save()
        return profile

    def save_formset(self, request, form, formset, change) -> None:
        profile = form.instance
        new, changed = [], []
        for row in formset.forms:
            if not row.has_changed():
                continue
            data = row.cleaned_data
            if row.instance.pk is None:
                rate = services.tax_rate_add(
                    actor=request.user,
                    profile=profile,
                    kind=data["kind"],
                    rate=data["rate"],
                    valid_from=data["valid_from"],
                    valid_to=data.get("valid_to"),
                )
                new.append(rate)
            elif "valid_to" in row.changed_data:
                rate = services.tax_rate_end(
                    actor=request.user, rate=row.instance, valid_to=data.get("valid_to")
                )
                changed.append((rate, ["valid_to"]))
        formset_saved(formset, new=new, changed=changed)


@admin.register(TaxRate)
class TaxRateAdmin(ReadOnlyAdmin):
    """Listed for overview; rates are added and ended on their tax profile."""

    list_display = ["profile", "kind", "rate", "valid_from", "valid_to"]
    list_filter = ["profile", "kind"]
    list_select_related = ["profile"]


@admin.register(Product)
class ProductAdmin(ServiceAdmin):
    """Catalog (P1): administrators and accountants keep it (C4); a deal line copies what it needs."""

    list_display = [
        "name",
        "sku",
        "unit",
        "price",
        "currency",
        "tax_kind",
        "price_includes_tax",
        "is_service",
        "is_active",
    ]
    list_filter = ["is_active", "is_service", "tax_kind", "unit", "currency"]
    list_select_related = ["unit"]
    search_fields = ["name", "sku"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["name", "sku", "description", "is_active", "is_service"]}),
        (_("Price"), {"fields": ["unit", "price", "currency", "tax_kind", "price_includes_tax"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a product leaves the catalog by being made inactive (lines keep it)

    def service_save(self, request, form, change):
        data = form.cleaned_data
        fields = services.PRODUCT_FIELDS
        if not change:
            product = services.product_create(actor=request.user, **{f: data[f] for f in fields if f in data})
        else:
            changes = {f: data[f] for f in form.changed_data if f in fields}
            product = Product.objects.get(pk=form.instance.pk)
            if changes:
                product = services.product_update(actor=request.user, product=product, **changes)
        if "is_active" in form.changed_data or (not change and not data.get("is_active", True)):
            toggle = services.product_restore if data.get("is_active") else services.product_archive
            product = toggle(actor=request.user, product=product)
        return product
