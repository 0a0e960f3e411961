"""X2: .docx document templates (docxtpl) — variables checked at upload, filled from a deal, the
generated file on the deal's timeline, only on deals the user sees (R2)."""

from __future__ import annotations

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from docx import Document

from dealbook.accounts.models import Role
from dealbook.billing.documents_from_deal import deal_document_generate
from dealbook.core.errors import Forbidden, InvalidInput, NotFound
from dealbook.core.models import Attachment, Event, EventKind
from dealbook.crm.models import Deal
from dealbook.documents import services
from dealbook.documents.docx import render_docx
from dealbook.documents.models import DocumentTemplate
from tests.billing.conftest import w  # noqa: F401 — the seed's billing world fixture


def docx_bytes(*paragraphs: str, line_rows: bool = False) -> bytes:
    """A .docx built here (no binaries in the repository): paragraphs and an optional lines table."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if line_rows:
        table = document.add_table(rows=3, cols=4)
        table.cell(0, 0).text = "{%tr for l in lines %}"
        for i, key in enumerate(("n", "name", "quantity", "amount")):
            table.cell(1, i).text = "{{ l." + key + " }}"
        table.cell(2, 0).text = "{%tr endfor %}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload_file(content: bytes, name: str = "contract.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


CONTRACT = docx_bytes(
    "Договор поставки № {{ deal.number }} от {{ today }}",
    "{{ seller.name }}, ИНН {{ seller.inn }}, и {{ client.name }}, ИНН {{ client.inn }}",
    "Сделка: {{ deal.title }}. Контакт: {{ client.contact_name }}. Менеджер: {{ manager }}",
    "Итого {{ totals.total }}, в т. ч. НДС {{ totals.tax }} ({{ totals.total_in_words }})",
    line_rows=True,
)


def text_of_docx(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts).replace("\xa0", " ")  # money is formatted with no-break spaces


@pytest.fixture
def admin(f):
    return f.make_user(Role.ADMIN)


@pytest.fixture
def contract(admin):
    return services.template_upload(actor=admin, uploaded_file=upload_file(CONTRACT), name="Договор")


def deal_events(deal, kind):
    return Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(Deal), subject_id=deal.pk, kind=kind
    )


@pytest.mark.django_db
def test_upload_lists_the_variables_the_template_uses_X2(contract):
    assert contract.name == "Договор" and contract.original_name == "contract.docx"
    assert contract.variables == [
        "client.contact_name",
        "client.inn",
        "client.name",
        "deal.number",
        "deal.title",
        "lines[].amount",
        "lines[].n",
        "lines[].name",
        "lines[].quantity",
        "manager",
        "seller.inn",
        "seller.name",
        "today",
        "totals.tax",
        "totals.total",
        "totals.total_in_words",
    ]


@pytest.mark.django_db
def test_template_with_unknown_variables_is_refused_naming_them_X2(admin, settings):
    content = docx_bytes(
        "{{ deal.titel }} для {{ clent.name }}", "{% for l in lines %}{{ l.sum }}{% endfor %}"
    )
    with pytest.raises(InvalidInput) as err:
        services.template_upload(actor=admin, uploaded_file=upload_file(content))
    assert err.value.field == "file" and err.value.code == "unknown_variables"
    for name in ("deal.titel", "clent", "lines[].sum"):
        assert name in err.value.message
    assert not DocumentTemplate.objects.exists() and not Event.objects.exists()
    assert not (settings.MEDIA_ROOT / "doc_templates").exists() or not any(
        (settings.MEDIA_ROOT / "doc_templates").iterdir()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    [
        "{{ deal.title.__class__ }}",  # attributes of values: the sandbox reads dict keys only
        "{{ deal.items() }}",
        "{{ range(10) }}",  # no globals
        "{% include 'other.docx' %}",
    ],
)
def test_template_reaching_beyond_the_documented_data_is_refused_X2(admin, text):
    with pytest.raises(InvalidInput) as err:
        services.template_upload(actor=admin, uploaded_file=upload_file(docx_bytes(text)))
    assert err.value.field == "file"
    assert not DocumentTemplate.objects.exists()


def test_rendering_reads_dict_keys_only_and_escapes_values_X2():
    """Even a template that skipped the upload check gets nothing but the data it was given."""
    content = docx_bytes("[{{ deal.__class__ }}][{{ deal.title|attr('upper') }}]", "{{ client.name }}")
    out = text_of_docx(render_docx(content, {"deal": {"title": "x"}, "client": {"name": 'ООО "A & B" <b>'}}))
    assert "[][]" in out and "class" not in out
    assert 'ООО "A & B" <b>' in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("contract.docx", b"not a zip", "not a .docx"),
        ("contract.doc", CONTRACT, ".docx"),
        ("contract.docx", docx_bytes("{{ deal.title "), "error"),
    ],
)
def test_broken_or_foreign_files_are_refused_X2(admin, name, content, message):
    with pytest.raises(InvalidInput) as err:
        services.template_upload(actor=admin, uploaded_file=SimpleUploadedFile(name, content))
    assert err.value.field == "file" and message in err.value.message
    assert not DocumentTemplate.objects.exists()


@pytest.mark.django_db
def test_only_an_administrator_uploads_and_deletes_templates_X2(f, contract):
    manager = f.make_user(Role.SALES_MANAGER)
    with pytest.raises(Forbidden):
        services.template_upload(actor=manager, uploaded_file=upload_file(CONTRACT))
    with pytest.raises(Forbidden):
        services.template_delete(actor=manager, template=contract)
    assert DocumentTemplate.objects.count() == 1


@pytest.mark.django_db
def test_generated_document_holds_the_deals_values_X2(w, contract):  # noqa: F811
    attachment = deal_document_generate(actor=w.manager, deal=w.deal, template=contract)
    with attachment.file.open("rb") as fh:
        text = text_of_docx(fh.read())
    assert f"Договор поставки № {w.deal.pk} от " in text
    assert 'ООО "ВЕСТ ГРУПП", ИНН 7806210729, и ЭЛЕКСИС ООО, ИНН 7802345676' in text
    assert "Сделка: 01/12.05 КС, ФБС тест. Контакт: Роман" in text
    assert f"Менеджер: {w.manager.display_name}" in text
    assert "Итого 4 000,00, в т. ч. НДС 610,17 (Четыре тысячи рублей 00 копеек)" in text
    assert "1 | Кольцо стеновое КС 10-3 | 3 | 2 100,00" in text
    assert "2 | фундаментный блок ФБС 9-5-3т | 2 | 1 900,00" in text


@pytest.mark.django_db
def test_generated_document_is_an_attachment_on_the_deals_timeline_X2(w, contract):  # noqa: F811
    attachment = deal_document_generate(actor=w.manager, deal=w.deal, template=contract)
    assert attachment.subject_type.model == "deal" and attachment.subject_id == w.deal.pk
    assert attachment.name.endswith(".docx") and attachment.size > 0
    (event,) = deal_events(w.deal, EventKind.DOCUMENT_GENERATED)
    assert event.actor == w.manager
    assert event.data["attachment_id"] == attachment.pk and event.data["template"] == "Договор"


@pytest.mark.django_db
def test_manager_cannot_generate_on_a_deal_they_do_not_see_R2(w, contract):  # noqa: F811
    with pytest.raises(NotFound):
        deal_document_generate(actor=w.outsider, deal=w.deal, template=contract)
    assert not Attachment.objects.exists()
    assert not deal_events(w.deal, EventKind.DOCUMENT_GENERATED).exists()

    client = Client()
    client.force_login(w.outsider)
    response = client.post(f"/deals/{w.deal.pk}/documents/", {"template": contract.pk})
    assert response.status_code == 404
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_deal_card_documents_tab_generates_from_a_template_X2(w, contract):  # noqa: F811
    client = Client()
    client.force_login(w.manager)
    page = client.get(f"/deals/{w.deal.pk}/?tab=documents")
    assert page.status_code == 200
    assert "Договор" in page.content.decode() and 'name="template"' in page.content.decode()

    response = client.post(f"/deals/{w.deal.pk}/documents/", {"template": contract.pk})
    assert response.status_code == 302 and response["Location"].endswith("?tab=documents")
    attachment = Attachment.objects.get()
    page = client.get(f"/deals/{w.deal.pk}/?tab=documents").content.decode()
    assert f"/files/{attachment.pk}/" in page
    download = client.get(f"/files/{attachment.pk}/")
    assert download.status_code == 200


@pytest.mark.django_db
def test_template_page_shows_unknown_variables_at_the_file_field_X2(admin):
    client = Client()
    client.force_login(admin)
    assert client.get("/settings/document-templates/").status_code == 200
    response = client.post(
        "/settings/document-templates/", {"name": "X", "file": upload_file(docx_bytes("{{ deal.colour }}"))}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="dt-file-error"' in body and "deal.colour" in body
    assert not DocumentTemplate.objects.exists()


@pytest.mark.django_db
def test_documents_tab_runs_a_fixed_number_of_queries_X2(w, contract):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(w.manager)
    url = f"/deals/{w.deal.pk}/?tab=documents"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    deal_document_generate(actor=w.manager, deal=w.deal, template=contract)
    one = count()
    for _ in range(3):
        deal_document_generate(actor=w.manager, deal=w.deal, template=contract)
    assert count() == one
