import io

import pypdf
import pytest


def pdf_text(pdf: bytes) -> str:
    """All pages' text with whitespace collapsed: wrapping differs between fonts, the words do not."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def text_of():
    return pdf_text
