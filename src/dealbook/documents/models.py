"""Uploaded print forms and .docx templates (X2): what an administrator adds to the built-in forms.

documents sits low in the dependency order, so neither model knows deals or companies: a custom
form replaces the built-in one for a document type and language, a .docx template is filled with
a plain dict that billing builds from a deal.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MAIN_FILE = "main.typ"


class DocType(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    PROPOSAL = "proposal", _("Proposal")
    ACT = "act", pgettext_lazy("closing document", "Act")
    UPD = "upd", pgettext_lazy("closing document", "UPD")


class FormLanguage(models.TextChoices):
    RU = "ru", _("Russian")
    EN = "en", _("English")


def forms_root() -> Path:
    """Where uploaded forms live: DOCUMENT_FORMS_DIR, else <data dir>/forms."""
    configured = getattr(settings, "DOCUMENT_FORMS_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "forms"


class CustomForm(models.Model):
    """An administrator's own `.typ` print form for one document type and language (X2).

    Its files (main.typ and the images it uses) sit in their own folder, forms_root()/<id>/, which
    is the only folder the form can read when rendered. At most one form is active per type and
    language; printing uses it instead of the built-in form.
    """

    doc_type = models.CharField(_("document type"), max_length=16, choices=DocType.choices)
    language = models.CharField(_("language"), max_length=8, choices=FormLanguage.choices)
    name = models.CharField(_("name"), max_length=255, blank=True)
    original_name = models.CharField(_("uploaded file"), max_length=255)
    is_active = models.BooleanField(_("active"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("custom print form")
        verbose_name_plural = _("custom print forms")
        ordering = ["doc_type", "language", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["doc_type", "language"],
                condition=models.Q(is_active=True),
                name="customform_one_active",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.original_name

    @property
    def folder(self) -> Path:
        return forms_root() / str(self.pk)

    @property
    def main_path(self) -> Path:
        return self.folder / MAIN_FILE


def template_upload_to(instance, filename: str) -> str:
    return f"doc_templates/{filename}"


class DocumentTemplate(models.Model):
    """A user's .docx template (contract, order) with docxtpl variables, generated from a deal (X2).

    `variables` lists the variables found in it at upload, all from the documented set
    (documents.docx.VARIABLES).
    """

    name = models.CharField(_("name"), max_length=255)
    file = models.FileField(_("file"), upload_to=template_upload_to, max_length=300)
    original_name = models.CharField(_("uploaded file"), max_length=255)
    variables = models.JSONField(_("variables"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
