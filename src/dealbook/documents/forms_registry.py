"""Which print form renders a document (X2): an administrator's active custom form for the document
type and language when there is one, else the built-in form "<doc_type>_<language>"."""

from __future__ import annotations

from dealbook.documents.services import form_for
from dealbook.documents.words import base_language


def form_path(doc_type: str, language: str) -> str:
    """The `form` argument for render_pdf: the custom form's path or the built-in form's name."""
    lang = base_language(language)
    custom = form_for(doc_type, lang)
    return str(custom) if custom is not None else f"{doc_type}_{lang}"
