"""Admin for billing: documents are read-only here — their lifecycles (I1–I6, X1) run through
billing.services, which number, lock, guard and write the timelines. Seller settings are plain
configuration."""

from __future__ import annotations

from django.contrib import admin

from dealbook.billing.models import (
    ClosingDocument,
    ClosingDocumentLine,
    EmailTemplate,
    Invoice,
    InvoiceLine,
    InvoiceTemplate,
    InvoiceTemplateLine,
    Payment,
    PaymentAllocation,
    SellerSettings,
)
from dealbook.core.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(SellerSettings)
class SellerSettingsAdmin(admin.ModelAdmin):
    """I1 number patterns and I5 approval per own legal entity."""

    list_display = ["seller", "number_pattern", "approval_required", "approval_threshold", "due_days"]
    list_select_related = ["seller"]
    raw_id_fields = ["seller"]


@admin.register(EmailTemplate)
class EmailTemplateAdmin(ReadOnlyAdmin):
    """I8/Q2 e-mail texts: edited on Settings → E-mail templates, where placeholders are checked."""

    list_display = ["kind", "language", "seller", "subject", "updated_at"]
    list_filter = ["kind", "language"]
    list_select_related = ["seller"]


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["name", "quantity", "unit", "price", "discount_amount", "tax_rate", "tax", "total"]
    readonly_fields = fields


class AllocationInline(ReadOnlyInline):
    model = PaymentAllocation
    fields = ["payment", "invoice", "amount"]
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "date",
        "seller",
        "payer_company",
        "payer_contact",
        "status",
        "total",
        "currency",
    ]
    list_filter = ["status", "currency"]
    list_select_related = ["seller", "payer_company", "payer_contact"]
    search_fields = ["number", "title"]
    inlines = [InvoiceLineInline, AllocationInline]


@admin.register(InvoiceLine)
class InvoiceLineAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "name", "quantity", "price", "total"]
    list_select_related = ["invoice"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["date", "amount", "currency", "method", "reference"]
    list_filter = ["method"]
    search_fields = ["reference"]
    inlines = [AllocationInline]


@admin.register(PaymentAllocation)
class PaymentAllocationAdmin(ReadOnlyAdmin):
    list_display = ["payment", "invoice", "amount"]
    list_select_related = ["payment", "invoice"]


class ClosingLineInline(ReadOnlyInline):
    model = ClosingDocumentLine
    fields = ["name", "quantity", "unit_name", "price", "tax_rate", "tax", "total"]
    readonly_fields = fields


@admin.register(ClosingDocument)
class ClosingDocumentAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "date", "invoice", "status", "total"]
    list_filter = ["kind", "status"]
    list_select_related = ["invoice"]
    inlines = [ClosingLineInline]


@admin.register(ClosingDocumentLine)
class ClosingDocumentLineAdmin(ReadOnlyAdmin):
    list_display = ["document", "name", "quantity", "total"]
    list_select_related = ["document"]


class TemplateLineInline(ReadOnlyInline):
    model = InvoiceTemplateLine
    fields = ["product", "quantity", "price", "discount_kind", "discount_value"]
    readonly_fields = fields


@admin.register(InvoiceTemplate)
class InvoiceTemplateAdmin(ReadOnlyAdmin):
    """I11: templates are edited through billing.services (validated lines, timeline)."""

    list_display = ["name", "seller", "payer_company", "payer_contact", "currency", "is_active"]
    list_select_related = ["seller", "payer_company", "payer_contact"]
    inlines = [TemplateLineInline]


@admin.register(InvoiceTemplateLine)
class InvoiceTemplateLineAdmin(ReadOnlyAdmin):
    list_display = ["template", "product", "quantity", "price"]
    list_select_related = ["template", "product"]
