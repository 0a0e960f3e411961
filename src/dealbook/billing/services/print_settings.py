"""A seller's print settings (X2): logo, facsimile signatures, stamp, accent colour, header and
footer texts, printed on its invoices, acts and UPDs.

Images are checked when uploaded — PNG, JPEG or SVG by their content (not their name), at most
2 MB, and decoded by Typst itself — so a stored image never breaks a render later. Every refusal
names its field and changes nothing: all values are checked before anything is written.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.billing.models import SellerSettings
from dealbook.core import timeline
from dealbook.core.errors import DomainError, InvalidInput
from dealbook.core.models import EventKind
from dealbook.crm.models import Company

IMAGE_FIELDS = ("logo", "signature", "signature_accountant", "stamp")
TEXT_FIELDS = ("accent_color", "header_text", "footer_text")
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_TEXT = 2000
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "svg": "image/svg+xml"}
# renders each uploaded image once, from the render's own folder, to prove Typst can decode it
_CHECK_FORM = "#let d = json(bytes(sys.inputs.data))\n#for (k, p) in d.images { image(p, width: 2cm) }\n"


def image_kind(content: bytes) -> str | None:
    """ "png", "jpg" or "svg" by the file's first bytes; None for anything else."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in content[:4096].lower()):
        return "svg"
    return None


def require_print_settings(actor) -> None:
    """Accounting and administrators keep the company's paperwork (C4), so its print look too."""
    policy.require(
        actor,
        "company.edit_requisites",
        _("Only accounting or an administrator changes print settings."),
    )


def _own_seller(seller) -> Company:
    pk = getattr(seller, "pk", seller)
    found = Company.objects.filter(pk=pk, is_own=True).first() if isinstance(pk, int) else None
    if found is None:
        raise InvalidInput(_("Print settings belong to one of our own legal entities."), field="seller")
    return found


def _read_upload(name: str, upload) -> tuple[bytes, str]:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        raise InvalidInput(_("The image is larger than 2 MB."), field=name, code="too_large")
    content = upload.read(MAX_IMAGE_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(content) > MAX_IMAGE_BYTES:
        raise InvalidInput(_("The image is larger than 2 MB."), field=name, code="too_large")
    if not content:
        raise InvalidInput(_("The file is empty."), field=name, code="empty")
    kind = image_kind(content)
    if kind is None:
        raise InvalidInput(_("Upload a PNG, JPEG or SVG image."), field=name, code="image_type")
    _check_decodes(name, content)
    return content, kind


def _check_decodes(name: str, content: bytes) -> None:
    from dealbook.documents.render import render_pdf

    with tempfile.TemporaryDirectory(prefix="dealbook-image-check-") as folder:
        form = Path(folder) / "check.typ"
        form.write_text(_CHECK_FORM, encoding="utf-8")
        try:
            render_pdf(form, {}, language="ru", assets={name: content})
        except DomainError:
            raise InvalidInput(
                _("This image cannot be read; save it again as PNG, JPEG or SVG."),
                field=name,
                code="image_broken",
            ) from None


def _clean_texts(accent_color, header_text, footer_text) -> dict[str, str]:
    texts: dict[str, str] = {}
    if accent_color is not None:
        colour = accent_color.strip()
        if colour and not _COLOUR.match(colour):
            raise InvalidInput(_("A colour must look like #1F4E79."), field="accent_color", code="colour")
        texts["accent_color"] = colour.lower()
    for name, value in (("header_text", header_text), ("footer_text", footer_text)):
        if value is None:
            continue
        value = value.strip()
        if len(value) > MAX_TEXT:
            raise InvalidInput(
                _("At most %(count)d characters.") % {"count": MAX_TEXT}, field=name, code="too_long"
            )
        texts[name] = value
    return texts


def _clean_remove(remove: Iterable[str]) -> set[str]:
    names = {str(x) for x in remove or () if x}
    for name in names:
        if name not in IMAGE_FIELDS:
            raise InvalidInput(_("Unknown image: %(name)s") % {"name": name}, field="remove")
    return names


@transaction.atomic
def seller_print_settings_update(
    *,
    actor,
    seller,
    logo=None,
    signature=None,
    signature_accountant=None,
    stamp=None,
    remove: Iterable[str] = (),
    accent_color: str | None = None,
    header_text: str | None = None,
    footer_text: str | None = None,
) -> SellerSettings:
    """X2: change what the seller's print forms show. An upload (a file or bytes) replaces that
    image, a name in `remove` drops it, None leaves a value as it is. The new files are written
    under fresh names and the old ones deleted only after the commit, so a failure leaves the
    previous images in place."""
    require_print_settings(actor)
    seller = _own_seller(seller)
    texts = _clean_texts(accent_color, header_text, footer_text)
    dropped = _clean_remove(remove)
    uploads = {
        "logo": logo,
        "signature": signature,
        "signature_accountant": signature_accountant,
        "stamp": stamp,
    }
    images = {name: _read_upload(name, up) for name, up in uploads.items() if up is not None}
    settings, _created = SellerSettings.objects.get_or_create(seller=seller)
    settings = SellerSettings.objects.select_for_update().get(pk=settings.pk)
    old_files = [getattr(settings, n).name for n in set(images) | dropped if getattr(settings, n)]
    changed = [n for n, v in texts.items() if getattr(settings, n) != v]
    for name, value in texts.items():
        setattr(settings, name, value)
    written: list = []
    try:
        for name in dropped - set(images):
            setattr(settings, name, "")
        for name, (content, kind) in images.items():
            getattr(settings, name).save(f"{seller.pk}-{name}.{kind}", ContentFile(content), save=False)
            written.append(getattr(settings, name).name)
        settings.save()
    except BaseException:
        _delete_files(written)
        raise
    transaction.on_commit(lambda: _delete_files(old_files))
    changed += sorted(set(images) | dropped)
    if changed:
        timeline.record(
            seller, EventKind.UPDATED, actor=actor, data={"field": "print_settings", "changed": changed}
        )
    return settings


def _delete_files(names: Iterable[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                pass
