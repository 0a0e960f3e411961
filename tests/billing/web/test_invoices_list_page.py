"""The invoices list page (I9, X3, R2): filters, sorting, keyset pages, a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from dealbook.billing.models import Invoice
from dealbook.billing.services import closing_document_create, closing_document_receive, invoice_pay
from tests.billing.conftest import make_invoice

pytestmark = pytest.mark.django_db
URL = "/invoices/"


def rows(response) -> str:
    html = response.content.decode()
    return html.split('<table class="grid" id="invoices">')[1].split("</table>")[0]


def test_list_shows_own_invoices_and_hides_another_managers(w, client_as, f):
    """R2: a manager sees their own invoices; another group's manager sees none of them; an operator
    (no billing, R1) is refused."""
    invoice = make_invoice(w)
    html = rows(client_as(w.manager).get(URL))
    assert invoice.number in html and "ЭЛЕКСИС ООО" in html
    assert invoice.number not in rows(client_as(w.outsider).get(URL))
    assert invoice.number in rows(client_as(w.accountant).get(URL))
    assert client_as(w.operator).get(URL).status_code == 403


def test_sidebar_links_the_invoices_list(w, client_as):
    html = client_as(w.manager).get(reverse("deals_list")).content.decode()
    assert f'href="{URL}"' in html


def test_filters_number_status_customer_amount_and_dates(w, client_as, f):
    """I9: number, status, customer (name fragment), amount range, date range and due date range."""
    first = make_invoice(w, due_date=dt.date(2018, 5, 20))
    second = make_invoice(w, date=dt.date(2018, 6, 1), due_date=dt.date(2018, 6, 30))
    invoice_pay(actor=w.manager, invoice=second, amount=second.total)
    client = client_as(w.manager)

    def shown(**params):
        html = rows(client.get(URL, params))
        return {inv.number for inv in (first, second) if f">{inv.number}<" in html}

    assert shown(number="2018 / 2") == {second.number}
    assert shown(status="paid") == {second.number}
    assert shown(status="new") == {first.number}
    assert shown(customer="ЭЛЕКС") == {first.number, second.number}
    assert shown(customer="nobody") == set()
    assert shown(amount_min="3999", amount_max="4000.00") == {first.number, second.number}
    assert shown(amount_min="4000.01") == set()
    assert shown(date_from="2018-05-15") == {second.number}
    assert shown(due_to="2018-05-31") == {first.number}


def test_customer_filter_ignores_case_in_cyrillic_on_every_database(w, client_as):
    """I9 (step 52): the customer box finds "ЭЛЕКСИС ООО" typed as "элексис" and a contact payer
    "Роман" typed as "роман" — SQLite's LIKE folds ASCII only, so core.search.ucontains is used; an
    invoice without a contact payer still matches its company (no inner join drops it)."""
    by_company = make_invoice(w, payer_contact=None)
    by_contact = make_invoice(w, payer_company=None, payer_contact=w.roman)
    assert by_company.payer_contact_id is None and by_contact.payer_company_id is None
    client = client_as(w.manager)

    def shown(text):
        html = rows(client.get(URL, {"customer": text}))
        return {inv.number for inv in (by_company, by_contact) if f">{inv.number}<" in html}

    assert shown("элексис") == shown("ЭЛЕКСИС") == {by_company.number}
    assert shown("роман") == shown("РОМАН") == {by_contact.number}
    assert shown("рога") == set()


def test_overdue_is_derived_and_filterable(w, client_as):
    """I5: Overdue is not stored; an unpaid invoice past its due date shows and filters as overdue."""
    late = make_invoice(w, due_date=dt.date(2018, 5, 13))
    client = client_as(w.manager)
    html = rows(client.get(URL, {"status": "overdue"}))
    assert late.number in html and "Overdue" in html
    assert Invoice.objects.get(pk=late.pk).status == "new"


def test_batch_filter_and_label(w, client_as):
    """I9: invoices made together share a batch; the list shows it and filters by it."""
    batched = make_invoice(w, batch="2026-11-23 14:05 templates")
    other = make_invoice(w)
    client = client_as(w.manager)
    html = rows(client.get(URL, {"batch": "2026-11-23 14:05 templates"}))
    assert batched.number in html and other.number not in html
    assert "2026-11-23 14:05 templates" in html


def test_closing_document_marker(w, client_as):
    """X3: each invoice shows whether its act/UPD was formed and whether it came back signed."""
    plain = make_invoice(w)
    formed = make_invoice(w)
    signed = make_invoice(w)
    for inv in (formed, signed):
        invoice_pay(actor=w.manager, invoice=inv, amount=inv.total)
    closing_document_create(actor=w.manager, invoice=formed, kind="act")
    upd = closing_document_create(actor=w.manager, invoice=signed, kind="upd")
    closing_document_receive(actor=w.manager, document=upd)
    html = rows(client_as(w.manager).get(URL))

    def marker(inv):
        row = html.split(f'data-invoice="{inv.pk}"')[1].split("</tr>")[0]
        return row.split("data-closing>")[1]

    assert "Act/UPD" not in marker(plain)
    assert "Act/UPD formed" in marker(formed)
    assert "received signed" in marker(signed)


def test_sorting_and_cursor_pages_in_a_fixed_number_of_queries(w, client_as, django_assert_max_num_queries):
    """I9 sort by amount; keyset pages of 50; the query count does not grow with the rows."""
    for _ in range(55):
        make_invoice(w, confirmed=False)
    client = client_as(w.manager)
    with django_assert_max_num_queries(14):
        first = client.get(URL, {"ordering": "-number"})
    assert first.status_code == 200
    html = first.content.decode()
    assert html.index("2018 / 55<") < html.index("2018 / 54<")
    cursor = html.split("cursor=")[1].split('"')[0]
    second = rows(client.get(URL, {"ordering": "-number", "cursor": cursor}))
    assert "2018 / 1<" in second and "2018 / 55<" not in second


def test_bad_filter_shows_the_message_at_the_field(w, client_as):
    response = client_as(w.manager).get(URL, {"date_from": "12.05.2018", "amount_min": "x"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
    assert client_as(w.manager).get(URL, {"cursor": "garbage"}).status_code == 400
