"""Admin for X2: view only — forms and templates are uploaded on their own pages, where a form is
test-rendered and a template's variables are checked before anything is saved."""

from __future__ import annotations

from django.contrib import admin

from dealbook.core.admin import ReadOnlyAdmin
from dealbook.documents.models import CustomForm, DocumentTemplate


@admin.register(CustomForm)
class CustomFormAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "doc_type",
        "language",
        "is_active",
        "original_name",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["doc_type", "language", "is_active"]
    list_select_related = ["uploaded_by"]


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "original_name", "is_active", "uploaded_by", "uploaded_at"]
    list_select_related = ["uploaded_by"]
