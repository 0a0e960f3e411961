"""Print forms → PDF with Typst (I8, X2).

A print form is a `.typ` file. It receives the document's data as one JSON string in
`sys.inputs.data` and reads it with `json(bytes(sys.inputs.data))`; user text therefore only ever
reaches Typst as string values, which Typst prints literally — nothing is spliced into markup.
Every number arrives already formatted (dealbook.documents.words), so a form prints strings only.

Typst's project root is a folder holding a copy of the form's own folder (regular files only, no
symbolic links) and a small generated `_main.typ` that attaches files (PDF/A-3b, e.g. Factur-X XML)
and includes the form. A form can read nothing outside that folder, and no local or downloaded
Typst package is in reach (empty package folders). A custom (uploaded) form gets a fresh root for
every render. The built-in forms are copied once per process into a root kept for the process's
life (copying them for every render cost a quarter of a render); they are our own code, so they
may share it. Uploaded images and attachments are written for each render under fixed names in a
folder of that render's own (`_assets/<id>/`, `_attachments/<id>/`) and removed afterwards.

Data contract of the invoice forms (invoice_ru.typ, invoice_en.typ). All values are strings unless
noted; optional keys may be absent or "":

    number            "2018 / 943"
    date              "12 марта 2018 г."            (words.format_date)
    due_date          optional, formatted date
    currency          "RUB"                          ISO 4217
    currency_label    "руб."                         (words.currency_label)
    basis             optional, "Договор № 5 от …"   (ru: Основание)
    notice            optional, text above the bank block (ru) / under the title (en)
    notes             optional, free text under the totals (payment terms, reverse charge, …)
    footer            optional, page footer text
    seller, buyer     {name, inn, kpp, ogrn, vat_id, reg_no, address, phone, email}
    seller.bank       {name, bik, corr_account, account, iban, bic, recipient}
    signers           {director, director_title, accountant}   names as printed, "Иванов И. И."
    lines             [{n, name, sku, quantity, unit, price, discount, net, tax_rate, tax, total}]
                      price: unit price as charged (gross when tax_mode is "included");
                      discount: "" or e.g. "10%" / "50,00"; net/tax/total: line amounts
    totals            {subtotal, net, tax, total, discount, count, tax_mode,
                       tax_by_rate: [{rate, net, tax, total}]}
                      subtotal: price × quantity before discounts (gross when tax is included);
                      discount: "" when there is none; count: number of lines as a string;
                      tax_mode: "included" (prices include VAT), "excluded" (VAT on top) or "none"
    amount_in_words   "Четыре тысячи рублей 00 копеек"          (words.amount_in_words)
    style             {accent: "#1f4e79"}             colours as #RRGGBB
    payment_reference optional (en), defaults to the number

Set by render_pdf, not by the caller:
    language          "ru" / "en" (primary subtag of the `language` argument)
    images            {logo, signature, signature_accountant, stamp}: present only for the images
                      given in `assets`, each the in-root path of that image ("/_assets/<id>/logo.png")
"""

from __future__ import annotations

import atexit
import datetime
import functools
import json
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

import typst
from django.utils import translation
from django.utils.translation import gettext as _

from dealbook.core.errors import DomainError, InvalidInput
from dealbook.documents.words import (  # noqa: F401 — re-exported: billing formats through render
    amount_in_words,
    base_language,
    currency_label,
    format_date,
    format_money,
    format_percent,
    format_quantity,
)

log = logging.getLogger(__name__)

FORMS_DIR = Path(__file__).resolve().parent / "forms"
ASSET_NAMES = ("logo", "signature", "signature_accountant", "stamp")
MAX_ASSET_BYTES = 5 * 1024 * 1024
MAX_FORM_FOLDER_BYTES = 20 * 1024 * 1024
PDF_STANDARDS = ["a-3b"]
# Debian's fonts-liberation2 (Arial-compatible metrics, the usual look of Russian forms) and
# fonts-dejavu-core; Typst's own embedded Libertinus Serif (with Cyrillic) is the last resort.
DEFAULT_FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/dejavu",
)
_RESERVED = {"_main.typ", "_assets", "_attachments"}
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_BUILTIN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_RELATIONSHIPS = {"data", "alternative", "source", "supplement"}
_IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)

# The generated entry point: names and metadata of attachments come in as JSON like all data,
# attachment bytes are read from fixed file names in the render's own folder, and the form is
# included by its in-root path.
_MAIN = """\
#let _attachments = json(bytes(sys.inputs.attachments))
#for (i, a) in _attachments.enumerate() {
  pdf.attach(
    a.name,
    read(sys.inputs.attachments_dir + "/" + str(i), encoding: none),
    relationship: a.relationship,
    mime-type: a.mime_type,
    description: a.description,
  )
}
#include sys.inputs.form
"""


def builtin_forms() -> list[str]:
    """Names of the print forms shipped with Dealbook ("invoice_ru", "invoice_en", …)."""
    return sorted(p.stem for p in FORMS_DIR.glob("*.typ") if not p.name.startswith("_"))


@functools.lru_cache(maxsize=1)
def _fonts() -> typst.Fonts:
    # Loaded once per process: scanning font files is the slow part of a cold render.
    try:
        from django.conf import settings

        dirs = getattr(settings, "DOCUMENT_FONT_DIRS", DEFAULT_FONT_DIRS)
    except Exception:  # settings not configured (scripts): the defaults will do
        dirs = DEFAULT_FONT_DIRS
    existing = [d for d in dirs if os.path.isdir(d)]
    return typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=existing)


@functools.lru_cache(maxsize=1)
def _scratch_dir() -> str | None:
    """Where render folders are made: memory-backed /dev/shm when there is one (file system calls on
    an ordinary disk cost more than the Typst compile itself), else the system's temporary folder."""
    try:
        from django.conf import settings

        configured = getattr(settings, "DOCUMENT_TMP_DIR", None)
    except Exception:  # settings not configured (scripts)
        configured = None
    for candidate in (configured, "/dev/shm"):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return None


def font_families() -> list[str]:
    """Font families the forms can use on this machine (for diagnostics and the admin's form help)."""
    return _fonts().families()


def _resolve_form(form: str | os.PathLike) -> tuple[Path, str]:
    """(folder, file name) of a built-in form given by name, or of a custom form given by its path."""
    text = os.fspath(form)
    if _BUILTIN_NAME.match(text):
        path = FORMS_DIR / f"{text}.typ"
        if not path.is_file():
            raise InvalidInput(_("Unknown print form: %(form)s") % {"form": text}, field="form")
        return FORMS_DIR, path.name
    path = Path(text)
    if path.suffix != ".typ" or not path.is_file() or path.is_symlink():
        raise InvalidInput(_("The print form must be an existing .typ file."), field="form")
    if path.name in _RESERVED:
        raise InvalidInput(_("This file name is reserved: %(name)s") % {"name": path.name}, field="form")
    return path.resolve().parent, path.name


def _copy_form_folder(source: Path, target: Path) -> None:
    """Copy the form's folder into the render root: regular files only, so no link can lead outside."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        rel = Path(dirpath).relative_to(source)
        dirnames[:] = [
            d for d in dirnames if not os.path.islink(os.path.join(dirpath, d)) and not d.startswith(".")
        ]
        if rel == Path("."):
            dirnames[:] = [d for d in dirnames if d not in _RESERVED and d != "__pycache__"]
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            src = os.path.join(dirpath, name)
            if os.path.islink(src) or (rel == Path(".") and name in _RESERVED):
                continue
            total += os.path.getsize(src)
            if total > MAX_FORM_FOLDER_BYTES:
                raise InvalidInput(_("The print form's folder is too large."), field="form")
            shutil.copyfile(src, target / rel / name)


def _image_type(data: bytes) -> str | None:
    for magic, kind in _IMAGE_TYPES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "svg"
    return None


def _write_assets(root: Path, render_id: str, assets: dict[str, bytes] | None) -> dict[str, str]:
    images: dict[str, str] = {}
    if not assets:
        return images
    folder = root / "_assets" / render_id
    folder.mkdir(parents=True)
    for name, content in assets.items():
        if name not in ASSET_NAMES:
            raise InvalidInput(_("Unknown image: %(name)s") % {"name": name}, field="assets")
        if content is None:
            continue
        if not isinstance(content, bytes | bytearray) or len(content) > MAX_ASSET_BYTES:
            raise InvalidInput(_("The image %(name)s is too large.") % {"name": name}, field=f"assets.{name}")
        kind = _image_type(bytes(content))
        if kind is None:
            raise InvalidInput(
                _("The image %(name)s must be PNG, JPEG, GIF, WebP or SVG.") % {"name": name},
                field=f"assets.{name}",
            )
        (folder / f"{name}.{kind}").write_bytes(content)
        images[name] = f"/_assets/{render_id}/{name}.{kind}"
    return images


def _write_attachments(root: Path, render_id: str, attachments: list[dict] | None) -> list[dict]:
    """Attachments are dicts {name, content: bytes, mime_type, description, relationship}."""
    meta: list[dict] = []
    if not attachments:
        return meta
    folder = root / "_attachments" / render_id
    folder.mkdir(parents=True)
    for i, item in enumerate(attachments):
        name = str(item.get("name") or "")
        if not name or "/" in name or "\\" in name:
            raise InvalidInput(_("An attachment needs a plain file name."), field="attachments")
        relationship = item.get("relationship", "data")
        if relationship not in _RELATIONSHIPS:
            raise InvalidInput(_("Unknown attachment relationship."), field="attachments")
        (folder / str(i)).write_bytes(bytes(item["content"]))
        meta.append(
            {
                "name": name,
                "mime_type": str(item.get("mime_type") or "application/octet-stream"),
                "description": str(item.get("description") or name),
                "relationship": relationship,
            }
        )
    return meta


def _check_plain(value: Any, path: str = "data") -> None:
    """Forms print strings only: a Decimal, float or date here is a formatting step left out."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings")
            _check_plain(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_plain(item, f"{path}[{i}]")
    elif value is not None and not isinstance(value, str | bool | int):
        raise TypeError(
            f"{path}: {type(value).__name__} given; format numbers and dates with dealbook.documents.words"
        )


def _validate_style(style: Any) -> None:
    if style in (None, ""):
        return
    if not isinstance(style, dict):
        raise InvalidInput(_("Document colours must be given as a mapping."), field="style")
    for key, colour in style.items():
        if colour not in ("", None) and not (isinstance(colour, str) and _COLOUR.match(colour)):
            raise InvalidInput(_("A colour must look like #1F4E79."), field=f"style.{key}")


def _typst_error(exc: typst.TypstError, root: Path) -> InvalidInput:
    # The temporary root is an implementation detail: show paths as the form sees them.
    message = str(getattr(exc, "message", "") or exc).replace(str(root), "")
    diagnostic = str(getattr(exc, "diagnostic", "") or "")
    where = re.search(r"┌─ (\S+):(\d+):(\d+)", diagnostic)
    if where:
        # Typst names the file relative to the working directory; the author knows it by its own name.
        file = Path(where.group(1))
        try:
            file = (Path.cwd() / file).resolve().relative_to(root.resolve())
        except (ValueError, OSError):
            file = Path(file.name)
        message += f" ({file}:{where.group(2)}:{where.group(3)})"
    if "escape the project root" in message or "file not found" in message:
        message += " — " + _("a print form can only read files in its own folder")
    return InvalidInput(
        _("The print form cannot be rendered: %(error)s") % {"error": message},
        field="form",
        code="form_error",
    )


_logged: set[str] = set()


def _log_once(message: str) -> None:
    # A missing font is reported by every render; once per process is enough to be noticed.
    if message not in _logged and len(_logged) < 1000:
        _logged.add(message)
        log.warning("%s", message)


_builtin_bases: dict[int, Path] = {}  # process id → the folder holding this process's built-in root
_builtin_lock = threading.Lock()


def _make_root(base: Path, folder: Path) -> None:
    """base/root: the form's folder and the entry point; base/packages: empty, so none in reach."""
    (base / "root").mkdir()
    (base / "packages").mkdir()
    _copy_form_folder(folder, base / "root")
    (base / "root" / "_main.typ").write_text(_MAIN, encoding="utf-8")


def _builtin_base(name: str) -> Path:
    """This process's root for the built-in forms: made on first use, and made again should
    something (a cleaner of temporary files) have removed it. Keyed by process, because a forked
    worker must not share, nor remove at its exit, its parent's folder."""

    def usable(base: Path | None) -> bool:
        return (
            base is not None and (base / "root" / name).is_file() and (base / "root" / "_main.typ").is_file()
        )

    pid = os.getpid()
    base = _builtin_bases.get(pid)
    if usable(base):
        return base
    with _builtin_lock:
        base = _builtin_bases.get(pid)
        if usable(base):
            return base
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)
        base = Path(tempfile.mkdtemp(prefix="dealbook-forms-", dir=_scratch_dir()))
        _make_root(base, FORMS_DIR)
        _builtin_bases[pid] = base
        return base


@atexit.register
def _remove_builtin_base() -> None:
    base = _builtin_bases.pop(os.getpid(), None)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)


def _compile(form: str | os.PathLike, data: dict, *, language: str, **options):
    if not isinstance(data, dict):
        raise TypeError("data must be a dict")
    if not _LANGUAGE.match(language or ""):
        raise InvalidInput(_("Unknown document language."), field="language")
    _check_plain(data)
    _validate_style(data.get("style"))
    folder, name = _resolve_form(form)
    render_id = uuid.uuid4().hex
    if folder != FORMS_DIR:
        with tempfile.TemporaryDirectory(prefix="dealbook-doc-", dir=_scratch_dir()) as tmp:
            _make_root(Path(tmp), folder)
            return _compile_in(Path(tmp), name, render_id, data, language=language, **options)
    base = _builtin_base(name)
    try:
        return _compile_in(base, name, render_id, data, language=language, **options)
    finally:
        if options.get("assets") or options.get("attachments"):
            for kind in ("_assets", "_attachments"):
                shutil.rmtree(base / "root" / kind / render_id, ignore_errors=True)


def _compile_in(
    base: Path,
    name: str,
    render_id: str,
    data: dict,
    *,
    language: str,
    attachments: list[dict] | None,
    assets: dict[str, bytes] | None,
    output: str,
    ppi: float | None = None,
    timestamp: datetime.datetime | None = None,
):
    root = base / "root"
    payload = dict(data, language=base_language(language), images=_write_assets(root, render_id, assets))
    meta = _write_attachments(root, render_id, attachments)
    kwargs: dict[str, Any] = {}
    if output == "pdf":
        kwargs["pdf_standards"] = PDF_STANDARDS
    else:
        kwargs["ppi"] = ppi
    if timestamp is not None:
        kwargs["timestamp"] = timestamp
    try:
        result, warnings = typst.compile_with_warnings(
            str(root / "_main.typ"),
            root=str(root),
            font_paths=_fonts(),
            ignore_system_fonts=True,
            format=output,
            sys_inputs={
                "data": json.dumps(payload, ensure_ascii=False),
                "form": "/" + name,
                "attachments": json.dumps(meta, ensure_ascii=False),
                "attachments_dir": f"/_attachments/{render_id}",
            },
            package_path=str(base / "packages"),
            package_cache_path=str(base / "packages"),
            **kwargs,
        )
    except typst.TypstError as exc:
        raise _typst_error(exc, root) from None
    for warning in warnings:
        _log_once(f"print form {name}: {getattr(warning, 'message', warning)}")
    return result


def render_pdf(
    form: str | os.PathLike,
    data: dict,
    *,
    language: str = "ru",
    attachments: list[dict] | None = None,
    assets: dict[str, bytes] | None = None,
    timestamp: datetime.datetime | None = None,
) -> bytes:
    """Render a print form to a PDF/A-3b document (I8).

    `form` is a built-in form's name ("invoice_ru") or the path of a custom `.typ` form, which is
    compiled with its own folder as the only readable files. `data` follows the contract in this
    module's docstring and holds strings only. `assets` maps logo/signature/signature_accountant/
    stamp to image bytes; `attachments` are embedded files (dicts with name, content, mime_type,
    description, relationship). `timestamp` fixes the PDF's creation date for byte-identical output.
    A form that does not compile raises InvalidInput(field="form") carrying Typst's message.
    """
    return _compile(
        form,
        data,
        language=language,
        attachments=attachments,
        assets=assets,
        output="pdf",
        timestamp=timestamp,
    )


def render_png(
    form: str | os.PathLike,
    data: dict,
    *,
    language: str = "ru",
    assets: dict[str, bytes] | None = None,
    ppi: float = 96,
) -> list[bytes]:
    """Render a print form to one PNG per page, for previews and thumbnails."""
    result = _compile(form, data, language=language, attachments=None, assets=assets, output="png", ppi=ppi)
    return result if isinstance(result, list) else [result]


def _check_in_child(conn, form, data, language, assets, memory_mb, ui_language) -> None:
    # Runs in a fresh interpreter: bounded memory, Django set up from the inherited environment.
    # Rust reports running out of memory with a backtrace on stderr; the pipe already says why.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    try:
        import django
        from django.apps import apps

        if not apps.ready and os.environ.get("DJANGO_SETTINGS_MODULE"):
            django.setup()
        with translation.override(ui_language):
            conn.send(("ok", render_pdf(form, data, language=language, assets=assets)))
    except DomainError as exc:
        conn.send(("invalid", exc.message, exc.field, exc.code))
    except MemoryError:
        conn.send(("memory", ""))
    except BaseException as exc:  # anything else is the form's fault as far as the uploader can tell
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def check_form(
    form: str | os.PathLike,
    data: dict,
    *,
    language: str = "ru",
    assets: dict[str, bytes] | None = None,
    timeout: float = 20.0,
    memory_mb: int = 1024,
) -> bytes:
    """Test-render an uploaded form before it is saved (X2) and return the PDF.

    The render runs in a separate process so a form that loops for ever or eats memory costs a
    bounded time and memory and never the web worker: past `timeout` seconds or `memory_mb` the
    process is stopped and InvalidInput(field="form") says why. Compile errors and reads outside
    the form's folder raise the same InvalidInput as render_pdf.
    """
    ctx = multiprocessing.get_context("spawn")  # not fork: Typst's worker threads do not survive a fork
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_check_in_child,
        args=(sender, os.fspath(form), data, language, assets, memory_mb, translation.get_language()),
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise InvalidInput(
                _("The print form took longer than %(seconds)d seconds to render.") % {"seconds": timeout},
                field="form",
                code="form_timeout",
            )
        try:
            outcome = receiver.recv()
        except EOFError:
            outcome = ("memory", "")  # the process died without a word: killed for its memory
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if outcome[0] == "ok":
        return outcome[1]
    if outcome[0] == "invalid":
        raise InvalidInput(outcome[1], field=outcome[2], code=outcome[3])
    if outcome[0] == "memory":
        raise InvalidInput(
            _("The print form needs more than %(mb)d MB of memory to render.") % {"mb": memory_mb},
            field="form",
            code="form_memory",
        )
    raise InvalidInput(
        _("The print form cannot be rendered: %(error)s") % {"error": outcome[1]},
        field="form",
        code="form_error",
    )
