"""Admin for proposals: read-only here — their lifecycle (Q1–Q3) runs through sales.services, which
number, lock, guard, sign and write the timelines."""

from __future__ import annotations

from django.contrib import admin

from dealbook.core.admin import ReadOnlyAdmin, ReadOnlyInline
from dealbook.sales.models import Proposal, ProposalLine, ProposalSignature


class ProposalLineInline(ReadOnlyInline):
    model = ProposalLine
    fields = ["name", "quantity", "unit", "price", "discount_amount", "tax_rate", "tax", "total"]
    readonly_fields = fields


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
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
    exclude = [
        "public_token"
    ]  # the client's link is a secret: the manager's card shows it to those who see it
    inlines = [ProposalLineInline]


@admin.register(ProposalLine)
class ProposalLineAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "name", "quantity", "price", "total"]
    list_select_related = ["proposal"]


@admin.register(ProposalSignature)
class ProposalSignatureAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "signer_name", "signed_at", "ip", "document_sha256"]
    list_select_related = ["proposal"]
    search_fields = ["signer_name", "proposal__number"]
