"""Sample data per document type: what an uploaded form is test-rendered with before it is saved
(X2), and the JSON an administrator downloads to write a form against.

Invoices and proposals follow the invoice contract of documents.render (a proposal adds the keys in
PROPOSAL_EXTRA, as sales.printing fills them); acts and UPDs follow documents.closing_data.
"""

from __future__ import annotations

from dealbook.documents.closing_data import sample_closing
from dealbook.documents.invoice_data import sample_invoice, sample_invoice_eu
from dealbook.documents.words import base_language

PROPOSAL_EXTRA = {
    "ru": {
        "title": "Кольца и блоки ФБС для объекта на Кантемировской",
        "intro": "Благодарим за интерес к нашей продукции. Предлагаем:",
        "valid_until": "21 мая 2018 г.",
    },
    "en": {
        "title": "Wall rings and foundation blocks",
        "intro": "Thank you for your interest. We are pleased to offer:",
        "valid_until": "19 March 2024",
    },
}


def sample_data(doc_type: str, language: str) -> dict:
    """The data a form of this type and language receives, filled with the seed's example."""
    lang = base_language(language)
    if doc_type in ("act", "upd"):
        return sample_closing(doc_type, lang)
    data = sample_invoice("ru") if lang == "ru" else sample_invoice_eu(lang)
    if doc_type == "proposal":
        data.update(PROPOSAL_EXTRA["ru" if lang == "ru" else "en"])
    return data
