"""Uploaded print forms and .docx templates (X2): only administrators change them.

A form is test-rendered with sample data for its document type in a separate, limited process
(documents.render.check_form) from a temporary folder before anything is saved; a form that does
not compile or reads outside its own folder is refused with Typst's message at the field "file",
and nothing is left behind. A .docx template is refused when it uses a variable outside the
documented set (documents.docx).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput, NotFound, RuleViolation
from dealbook.core.models import EventKind
from dealbook.documents import docx
from dealbook.documents.models import (
    MAIN_FILE,
    CustomForm,
    DocType,
    DocumentTemplate,
    FormLanguage,
    forms_root,
)
from dealbook.documents.render import MAX_FORM_FOLDER_BYTES, check_form
from dealbook.documents.samples import sample_data

log = logging.getLogger(__name__)

MAX_FORM_FILES = 200
# what a form's folder may hold: the form's Typst sources, the images and data files it reads
FORM_FILE_TYPES = {
    ".typ", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".json", ".csv", ".toml", ".yaml", ".yml",
    ".txt", ".xml", ".bib",
}  # fmt: skip
_RESERVED = {"_main.typ", "_assets", "_attachments"}


def require_admin(actor) -> None:
    policy.require(actor, "settings.manage", _("Only an administrator manages print forms and templates."))


# ---------------------------------------------------------------- print forms


def _read_upload(uploaded_file, limit: int) -> bytes:
    if uploaded_file is None:
        raise InvalidInput(_("Choose a file to upload."), field="file", code="required")
    if (getattr(uploaded_file, "size", 0) or 0) > limit:
        raise InvalidInput(_("The file is too large."), field="file", code="too_large")
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise InvalidInput(_("The file is too large."), field="file", code="too_large")
    return content


def _safe_member(name: str) -> PurePosixPath | None:
    """The archive member's relative path, None for folders and system clutter; refuses escapes."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or ":" in name:
        raise InvalidInput(
            _("The archive holds a path outside its folder: %(name)s") % {"name": name}, field="file"
        )
    if name.endswith("/") or any(p.startswith(".") or p == "__MACOSX" for p in path.parts):
        return None
    if path.suffix.lower() not in FORM_FILE_TYPES:
        raise InvalidInput(
            _("A print form's folder cannot hold %(name)s: use .typ sources, images and data files.")
            % {"name": name},
            field="file",
        )
    return path


def _zip_members(archive: zipfile.ZipFile) -> list[tuple[PurePosixPath, zipfile.ZipInfo]]:
    """The files to unpack, as paths inside the form's folder; refuses links, escapes and bombs."""
    infos = archive.infolist()
    if len(infos) > MAX_FORM_FILES or sum(i.file_size for i in infos) > MAX_FORM_FOLDER_BYTES:
        raise InvalidInput(
            _("The archive holds too many or too large files."), field="file", code="too_large"
        )
    members = []
    for info in infos:
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise InvalidInput(
                _("The archive holds a symbolic link: %(name)s") % {"name": info.filename}, field="file"
            )
        path = _safe_member(info.filename)
        if path is not None:
            members.append((path, info))
    # a zipped folder: "invoice/main.typ" counts as "main.typ"
    tops = {p.parts[0] for p, _i in members}
    if len(tops) == 1 and all(len(p.parts) > 1 for p, _i in members):
        members = [(PurePosixPath(*p.parts[1:]), i) for p, i in members]
    if not any(p == PurePosixPath(MAIN_FILE) for p, _i in members):
        raise InvalidInput(_("The archive must hold main.typ at its top."), field="file", code="no_main")
    if any(p.parts[0] in _RESERVED for p, _i in members):
        raise InvalidInput(_("The names _main.typ, _assets and _attachments are reserved."), field="file")
    return members


def _extract_zip(folder: Path, content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        raise InvalidInput(_("This is not a .zip archive."), field="file") from None
    with archive:
        for path, info in _zip_members(archive):
            target = folder.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)


def _write_form_folder(folder: Path, filename: str, content: bytes) -> None:
    """Unpack an upload into `folder`: a .typ becomes main.typ, a .zip is extracted member by member."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".typ":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(_("A .typ form must be UTF-8 text."), field="file") from None
        (folder / MAIN_FILE).write_bytes(content)
        return
    if suffix != ".zip":
        raise InvalidInput(
            _("Upload a .typ file or a .zip with main.typ and its images."), field="file", code="file_type"
        )
    _extract_zip(folder, content)


def _choice(value: str, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise InvalidInput(message, field=field)
    return value


def _test_render(folder: Path, doc_type: str, language: str) -> None:
    """X2: the form must compile with its type's sample data, within time and memory limits."""
    try:
        check_form(folder / MAIN_FILE, sample_data(doc_type, language), language=language)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="file", code=exc.code) from None


def form_upload(*, actor, doc_type: str, language: str, uploaded_file, name: str = "", activate: bool = True):
    """X2: an administrator uploads a .typ form (or a .zip with main.typ and its images) for a
    document type and language. It is test-rendered before it is saved; activating it replaces the
    active form of that type and language.

    Not one transaction on purpose: the test render may take seconds in its child process, and
    holding a write transaction that long would stall every other writer (SQLite locks the whole
    database). The row and its folder are written together in _save_form once the form passed."""
    require_admin(actor)
    _choice(doc_type, DocType, "doc_type", _("Unknown document type."))
    _choice(language, FormLanguage, "language", _("Unknown document language."))
    content = _read_upload(uploaded_file, MAX_FORM_FOLDER_BYTES)
    filename = os.path.basename(getattr(uploaded_file, "name", "") or "form.typ")
    root = forms_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".upload-", dir=root))
    try:
        _write_form_folder(staging, filename, content)
        _test_render(staging, doc_type, language)
        form = _save_form(
            actor=actor,
            staging=staging,
            doc_type=doc_type,
            language=language,
            name=(name or "").strip()[:255] or Path(filename).stem[:255],
            original_name=filename[:255],
            activate=activate,
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return form


@transaction.atomic
def _save_form(*, actor, staging: Path, doc_type, language, name, original_name, activate) -> CustomForm:
    form = CustomForm.objects.create(
        doc_type=doc_type, language=language, name=name, original_name=original_name, uploaded_by=actor
    )
    folder = form.folder
    shutil.rmtree(folder, ignore_errors=True)  # a folder left by a row id reused after a reset
    os.replace(staging, folder)
    try:
        timeline.record(form, EventKind.CREATED, actor=actor, data={"name": name, "file": original_name})
        if activate:
            _activate(form, actor)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return form


def _lock_form(form) -> CustomForm:
    locked = CustomForm.objects.select_for_update().filter(pk=getattr(form, "pk", form)).first()
    if locked is None:
        raise NotFound(_("Print form not found."), field="id")
    return locked


def _activate(form: CustomForm, actor) -> None:
    previous = list(
        CustomForm.objects.select_for_update()
        .filter(doc_type=form.doc_type, language=form.language, is_active=True)
        .exclude(pk=form.pk)
    )
    for other in previous:
        other.is_active = False
        other.save(update_fields=["is_active"])
        timeline.change(other, "is_active", True, False, actor=actor)
    form.is_active = True
    try:
        with transaction.atomic():
            form.save(update_fields=["is_active"])
    except IntegrityError:
        raise RuleViolation(
            _("Another form was activated at the same moment; try again."), field="is_active"
        ) from None
    timeline.change(form, "is_active", False, True, actor=actor)


@transaction.atomic
def form_activate(*, actor, form) -> CustomForm:
    """X2: use this form for its document type and language instead of the one active before."""
    require_admin(actor)
    form = _lock_form(form)
    if not form.is_active:
        _activate(form, actor)
    return form


@transaction.atomic
def form_deactivate(*, actor, form) -> CustomForm:
    """X2: go back to the built-in form for this document type and language."""
    require_admin(actor)
    form = _lock_form(form)
    if form.is_active:
        form.is_active = False
        form.save(update_fields=["is_active"])
        timeline.change(form, "is_active", True, False, actor=actor)
    return form


@transaction.atomic
def form_delete(*, actor, form) -> None:
    """X2: remove an uploaded form and its folder; printing falls back to the built-in form."""
    require_admin(actor)
    form = _lock_form(form)
    folder = form.folder
    timeline.record(
        form, EventKind.DELETED, actor=actor, data={"name": form.name, "file": form.original_name}
    )
    form.delete()
    transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))


def form_for(doc_type: str, language: str) -> Path | None:
    """The active custom form's main file for this document type and language, None for none."""
    pk = (
        CustomForm.objects.filter(doc_type=doc_type, language=language, is_active=True)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        return None
    path = forms_root() / str(pk) / MAIN_FILE
    if not path.is_file():
        log.error("custom print form %s has no %s; printing with the built-in form", pk, path)
        return None
    return path


# ---------------------------------------------------------------- .docx templates


@transaction.atomic
def template_upload(*, actor, uploaded_file, name: str = "") -> DocumentTemplate:
    """X2: an administrator uploads a .docx template; every variable in it must be documented."""
    require_admin(actor)
    if uploaded_file is not None and Path(uploaded_file.name or "").suffix.lower() != ".docx":
        raise InvalidInput(_("Upload a Word .docx file."), field="file", code="file_type")
    content = _read_upload(uploaded_file, docx.MAX_TEMPLATE_BYTES)
    variables = docx.template_variables(content)
    filename = os.path.basename(uploaded_file.name)[:200]
    template = DocumentTemplate(
        name=(name or "").strip()[:255] or Path(filename).stem[:255],
        original_name=filename,
        variables=variables,
        uploaded_by=actor,
    )
    template.file.save(filename, ContentFile(content), save=False)
    stored = template.file.name
    try:
        template.save()
        timeline.record(template, EventKind.CREATED, actor=actor, data={"name": template.name})
    except BaseException:
        template.file.storage.delete(stored)
        raise
    return template


@transaction.atomic
def template_delete(*, actor, template) -> None:
    """X2: remove a .docx template; documents generated from it stay on their deals."""
    require_admin(actor)
    template = (
        DocumentTemplate.objects.select_for_update().filter(pk=getattr(template, "pk", template)).first()
    )
    if template is None:
        raise NotFound(_("Template not found."), field="id")
    storage, stored = template.file.storage, template.file.name
    timeline.record(template, EventKind.DELETED, actor=actor, data={"name": template.name})
    template.delete()
    transaction.on_commit(lambda: storage.delete(stored))


def template_content(template: DocumentTemplate) -> bytes:
    with template.file.open("rb") as fh:
        return fh.read()
