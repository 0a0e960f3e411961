"""The public invoice page (I8): no login, the token only, a phone-friendly page with the PDF."""

import pytest
from django.test import Client

from dealbook.billing.services import invoice_cancel, invoice_send

pytestmark = pytest.mark.django_db


def test_public_page_opens_without_login(w, invoice):
    """I8: anyone with the link sees the summary, lines, totals and payment requisites, with the PDF
    inline and as a download; search engines are told to stay away."""
    response = Client().get(f"/i/{invoice.public_token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert invoice.number in html and "Кольцо стеновое КС 10-3" in html
    assert "7806210729" in html  # the seller's INN among the payment requisites
    assert 'name="viewport"' in html and "noindex" in response["X-Robots-Tag"]
    assert f"/i/{invoice.public_token}/pdf/?download=1" in html
    pdf = Client().get(f"/i/{invoice.public_token}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_altered_or_unknown_token_is_404(w, invoice):
    token = invoice.public_token
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (altered, token[:10], "x" * 70):
        assert Client().get(f"/i/{bad}/").status_code == 404
        assert Client().get(f"/i/{bad}/pdf/").status_code == 404


def test_cancelled_invoice_says_so_and_offers_no_pdf(w, invoice):
    invoice_send(actor=w.manager, invoice=invoice)
    invoice_cancel(actor=w.manager, invoice=invoice)
    response = Client().get(f"/i/{invoice.public_token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "has been cancelled" in html and "/pdf/" not in html
    assert Client().get(f"/i/{invoice.public_token}/pdf/").status_code == 404
