""".docx document templates with docxtpl (X2): which variables a template uses, and filling it in.

A template may only use the documented variables (VARIABLES): an unknown name or key is refused
at upload, so a typo shows up when the administrator uploads the file, not when a manager needs a
contract. Rendering runs Jinja in a sandbox that reads dict keys and list items only — no
attributes, no methods, no globals such as range() — and escapes every value for the XML.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from django.utils.translation import gettext as _
from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from dealbook.core.errors import InvalidInput

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 60 * 1024 * 1024  # a zip bomb is refused before python-docx unpacks it
MAX_ENTRIES = 2000

LEAF = None
_PARTY = {"name": LEAF, "inn": LEAF, "kpp": LEAF, "address": LEAF}
# name -> LEAF (a string), a dict of keys, or a one-item list describing the items of a list
VARIABLES: dict = {
    "deal": {"title": LEAF, "number": LEAF, "id": LEAF, "amount": LEAF, "currency": LEAF, "date": LEAF},
    "client": {**_PARTY, "contact_name": LEAF, "contact_phone": LEAF, "contact_email": LEAF},
    "seller": {
        **_PARTY,
        "ogrn": LEAF,
        "director": LEAF,
        "bank": {
            "name": LEAF,
            "bik": LEAF,
            "corr_account": LEAF,
            "account": LEAF,
            "iban": LEAF,
            "bic": LEAF,
        },
    },
    "lines": [{"n": LEAF, "name": LEAF, "quantity": LEAF, "unit": LEAF, "price": LEAF, "amount": LEAF}],
    "totals": {"net": LEAF, "tax": LEAF, "total": LEAF, "total_in_words": LEAF},
    "today": LEAF,
    "manager": LEAF,
}
_LOOP_KEYS = {"index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem", "nextitem"}


def documented_variables() -> list[str]:
    """Every variable a template may use, as written in it ("deal.title", "lines[].name")."""
    out: list[str] = []

    def walk(spec, prefix: str) -> None:
        if isinstance(spec, dict):
            for key, sub in spec.items():
                walk(sub, f"{prefix}.{key}" if prefix else key)
        elif isinstance(spec, list):
            out.append(prefix)
            walk(spec[0], prefix + "[]")
        else:
            out.append(prefix)

    walk(VARIABLES, "")
    return out


class _Environment(ImmutableSandboxedEnvironment):
    """Dict keys and list items only; the loop helper is the one object with attributes."""

    def getattr(self, obj, attribute):
        if isinstance(obj, dict):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, LoopContext) and attribute in _LOOP_KEYS:
            return super().getattr(obj, attribute)
        return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj, argument):
        if isinstance(obj, dict | list | tuple):
            try:
                return obj[argument]
            except (LookupError, TypeError):
                return self.undefined(obj=obj, name=argument)
        return self.undefined(obj=obj, name=argument)


def _environment() -> _Environment:
    env = _Environment(autoescape=True)
    env.globals = {}
    return env


def _check_archive(content: bytes) -> None:
    if len(content) > MAX_TEMPLATE_BYTES:
        raise InvalidInput(_("The template is larger than 10 MB."), field="file", code="too_large")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, ValueError):
        raise InvalidInput(_("This is not a .docx file."), field="file", code="not_docx") from None
    if "word/document.xml" not in names:
        raise InvalidInput(_("This is not a .docx file."), field="file", code="not_docx")
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise InvalidInput(_("The template unpacks to too much data."), field="file", code="too_large")


def _chains(tree: nodes.Template) -> Iterator[tuple[str, list]]:
    """(root name, [keys]) for every variable read; a loop over `lines` maps its target to an item."""
    aliases: dict[str, object] = {}
    for loop in tree.find_all(nodes.For):
        if isinstance(loop.iter, nodes.Name) and isinstance(loop.target, nodes.Name):
            spec = VARIABLES.get(loop.iter.name)
            if isinstance(spec, list):
                aliases[loop.target.name] = loop.iter.name
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        keys: list = []
        current = node
        while isinstance(current, nodes.Getattr | nodes.Getitem):
            if isinstance(current, nodes.Getattr):
                keys.append(current.attr)
            elif isinstance(current.arg, nodes.Const):
                keys.append(current.arg.value)
            else:
                keys.append(None)  # computed key: checked by the sandbox at render
            current = current.node
        if isinstance(current, nodes.Name):
            name = current.name
            if name in aliases:
                yield aliases[name], [0, *reversed(keys)]
            else:
                yield name, list(reversed(keys))


def _unknown_path(name: str, keys: list) -> str | None:
    """The first part of name.keys… that the documented set lacks, as "deal.foo"; None if all known."""
    spec = VARIABLES[name]
    path = name
    for key in keys:
        if isinstance(spec, list) and isinstance(key, int | type(None)):
            spec, path = spec[0], path + "[]"
            continue
        if isinstance(spec, dict) and (key is None or key in spec):
            if key is None:
                return None
            spec, path = spec[key], f"{path}.{key}"
            continue
        return f"{path}.{key}"
    return None


def _path_text(name: str, keys: list) -> str:
    path = name
    for key in keys:
        if key is None:
            break
        path = path + "[]" if isinstance(key, int) else f"{path}.{key}"
    return path


def _used_paths(tree: nodes.Template, names: set[str]) -> tuple[list[str], list[str]]:
    """(paths used, unknown paths) of a parsed template."""
    used = set(names)
    unknown = {n for n in names if n not in VARIABLES}
    for name, keys in _chains(tree):
        if name not in VARIABLES:
            continue
        bad = _unknown_path(name, keys)
        if bad:
            unknown.add(bad)
        else:
            used.add(_path_text(name, keys))
    # "deal" is read on the way to "deal.title": list the full paths only
    leaves = {p for p in used if not any(o.startswith((p + ".", p + "[]")) for o in used)}
    return sorted(leaves), sorted(unknown)


def _template_source(template: DocxTemplate) -> str:
    """The template's Jinja text as docxtpl renders it: body, headers and footers, tags repaired."""
    template.init_docx()
    xml = template.patch_xml(template.get_xml())
    for part in template.get_headers_footers(template.HEADER_URI):
        xml += template.patch_xml(template.get_part_xml(part[1]))
    for part in template.get_headers_footers(template.FOOTER_URI):
        xml += template.patch_xml(template.get_part_xml(part[1]))
    return xml


def template_variables(content: bytes) -> list[str]:
    """The variables a .docx template uses, refusing unknown ones and what the sandbox cannot do
    (X2). Raises InvalidInput(field="file") naming the unknown variables."""
    _check_archive(content)
    env = _environment()
    try:
        template = DocxTemplate(io.BytesIO(content))
        names = template.get_undeclared_template_variables(jinja_env=env)
        tree = env.parse(_template_source(template))
    except TemplateSyntaxError as exc:
        raise InvalidInput(
            _("The template has an error in a {{ … }} or {%% … %%} tag: %(error)s") % {"error": exc.message},
            field="file",
            code="template_syntax",
        ) from None
    except Exception:  # python-docx and lxml raise many kinds for a damaged file
        raise InvalidInput(_("This .docx file cannot be read."), field="file", code="not_docx") from None
    if any(True for _node in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport))):
        raise InvalidInput(
            _("A template cannot include or import other templates."), field="file", code="template_include"
        )
    used, unknown = _used_paths(tree, set(names))
    if unknown:
        raise InvalidInput(
            _("Unknown variables in the template: %(names)s.") % {"names": ", ".join(unknown)},
            field="file",
            code="unknown_variables",
        )
    return used


def render_docx(content: bytes, data: dict) -> bytes:
    """Fill a template with `data` (strings, dicts and lists of the documented shape) → .docx bytes."""
    template = DocxTemplate(io.BytesIO(content))
    try:
        template.render(data, jinja_env=_environment(), autoescape=True)
    except TemplateError as exc:
        raise InvalidInput(
            _("The template cannot be filled in: %(error)s") % {"error": exc.message},
            field="template",
            code="template_error",
        ) from None
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
