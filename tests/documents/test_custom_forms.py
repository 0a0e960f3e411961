"""X2: an administrator's own .typ print forms — test-rendered before they are saved, confined to
their own folder, used for printing instead of the built-in form while active."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dealbook.accounts.models import Role
from dealbook.billing.printing import invoice_pdf
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import Event
from dealbook.documents import services
from dealbook.documents.forms_registry import form_path
from dealbook.documents.models import CustomForm
from tests.billing.conftest import make_invoice, w  # noqa: F401 — the seed's billing world fixture

GOOD = "#let d = json(bytes(sys.inputs.data))\nCustom form #d.number, #d.amount_in_words\n"
BROKEN = "#let d = json(bytes(sys.inputs.data))\n\n#no_such_function(d)\n"


@pytest.fixture(autouse=True)
def forms_dir(settings, tmp_path):
    settings.DOCUMENT_FORMS_DIR = tmp_path / "forms"
    return tmp_path / "forms"


@pytest.fixture
def admin(f):
    return f.make_user(Role.ADMIN)


def typ(text: str, name: str = "my_invoice.typ") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def zipped(files: dict[str, bytes | str], name: str = "form.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def upload(actor, file, doc_type="invoice", language="ru", **kw) -> CustomForm:
    return services.form_upload(actor=actor, doc_type=doc_type, language=language, uploaded_file=file, **kw)


def nothing_saved(forms_dir) -> bool:
    leftovers = list(forms_dir.iterdir()) if forms_dir.exists() else []
    return not CustomForm.objects.exists() and not Event.objects.exists() and leftovers == []


@pytest.mark.slow
@pytest.mark.django_db
def test_form_that_does_not_compile_is_refused_with_typsts_message_and_line_X2(admin, forms_dir):
    with pytest.raises(InvalidInput) as err:
        upload(admin, typ(BROKEN))
    assert err.value.field == "file"
    assert "unknown variable: no_such_function" in err.value.message
    assert "main.typ:3:" in err.value.message  # the line the author has to fix
    assert nothing_saved(forms_dir)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize(
    "source",
    [
        '#read("/etc/passwd")',
        '#read("../../../../../../etc/passwd")',
        '#image("../../x.png")',
    ],
)
def test_form_reading_outside_its_folder_is_refused_X2(admin, forms_dir, source):
    with pytest.raises(InvalidInput) as err:
        upload(admin, typ(source))
    assert err.value.field == "file"
    assert "own folder" in err.value.message
    assert "root:" not in err.value.message  # the password file's contents never come back
    assert nothing_saved(forms_dir)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "files, message",
    [
        ({"main.typ": GOOD, "../escape.typ": "x"}, "outside its folder"),
        ({"main.typ": GOOD, "/abs/evil.typ": "x"}, "outside its folder"),
        ({"main.typ": GOOD, "tool.py": "print(1)"}, "cannot hold tool.py"),
        ({"form.typ": GOOD}, "main.typ"),
    ],
)
def test_archive_with_escaping_or_foreign_files_is_refused_before_rendering_X2(
    admin, forms_dir, files, message
):
    with pytest.raises(InvalidInput) as err:
        upload(admin, zipped(files))
    assert err.value.field == "file" and message in err.value.message
    assert nothing_saved(forms_dir)


@pytest.mark.django_db
def test_archive_with_a_symbolic_link_is_refused_X2(admin, forms_dir):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.typ", GOOD)
        link = zipfile.ZipInfo("passwd.txt")
        link.external_attr = (0o120777 << 16) | 0x20
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(InvalidInput) as err:
        upload(admin, SimpleUploadedFile("form.zip", buffer.getvalue()))
    assert "symbolic link" in err.value.message
    assert nothing_saved(forms_dir)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SALES_MANAGER, Role.DIRECTOR, Role.ACCOUNTANT])
def test_only_an_administrator_uploads_print_forms_X2(f, forms_dir, role):
    with pytest.raises(Forbidden):
        upload(f.make_user(role), typ(GOOD))
    assert nothing_saved(forms_dir)


@pytest.mark.slow
@pytest.mark.django_db
def test_good_form_is_saved_and_prints_the_invoice_until_deactivated_X2(w, admin, forms_dir, text_of):  # noqa: F811
    invoice = make_invoice(w)
    form = upload(admin, typ(GOOD), name="Наш счёт")
    assert form.is_active and form.name == "Наш счёт" and form.original_name == "my_invoice.typ"
    assert (forms_dir / str(form.pk) / "main.typ").read_text() == GOOD
    assert form_path("invoice", "ru") == str(form.main_path)
    assert form_path("invoice", "en") == "invoice_en"  # another language keeps the built-in form

    text = text_of(invoice_pdf(invoice, "ru")[0])
    assert f"Custom form {invoice.number}, Четыре тысячи рублей 00 копеек" in text

    services.form_deactivate(actor=admin, form=form)
    assert "Счёт на оплату" in text_of(invoice_pdf(invoice, "ru")[0])


@pytest.mark.slow
@pytest.mark.django_db
def test_zipped_form_reads_its_own_images_X2(admin, forms_dir, text_of):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    source = '#let d = json(bytes(sys.inputs.data))\n#image("img/logo.svg", width: 1cm)\nZipped #d.number\n'
    form = upload(admin, zipped({"invoice/main.typ": source, "invoice/img/logo.svg": svg}))
    assert (form.folder / "img" / "logo.svg").read_text() == svg
    from dealbook.documents.invoice_data import sample_invoice
    from dealbook.documents.render import render_pdf

    assert "Zipped 2018 / 943" in text_of(render_pdf(form.main_path, sample_invoice(), language="ru"))


@pytest.mark.slow
@pytest.mark.django_db
def test_activating_a_form_replaces_the_previous_one_for_its_type_and_language_X2(
    admin, forms_dir, django_capture_on_commit_callbacks
):
    first = upload(admin, typ(GOOD))
    second = upload(admin, typ(GOOD.replace("Custom", "Second")))
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    services.form_activate(actor=admin, form=first)
    second.refresh_from_db()
    assert list(CustomForm.objects.filter(is_active=True)) == [first]

    with django_capture_on_commit_callbacks(execute=True):
        services.form_delete(actor=admin, form=first)
    assert not (forms_dir / str(first.pk)).exists()
    assert form_path("invoice", "ru") == "invoice_ru"  # no active form: the built-in one prints


@pytest.mark.slow
@pytest.mark.django_db
def test_upload_page_shows_the_compile_error_at_the_file_field_X2(admin, forms_dir):
    client = Client()
    client.force_login(admin)
    assert client.get("/settings/print-forms/").status_code == 200
    response = client.post(
        "/settings/print-forms/",
        {"doc_type": "invoice", "language": "ru", "file": typ(BROKEN), "activate": "on"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="pf-file-error"' in body and "no_such_function" in body
    assert nothing_saved(forms_dir)


@pytest.mark.django_db
def test_print_forms_pages_are_for_administrators_only_X2(f):
    client = Client()
    client.force_login(f.make_user(Role.SALES_MANAGER))
    assert client.get("/settings/print-forms/").status_code == 403
    assert client.post("/settings/print-forms/", {"file": typ(GOOD)}).status_code == 403
    assert client.get("/settings/print-forms/sample/invoice/ru/").status_code == 403
    assert not CustomForm.objects.exists()


@pytest.mark.django_db
def test_sample_data_download_holds_the_keys_a_form_reads_X2(admin):
    client = Client()
    client.force_login(admin)
    response = client.get("/settings/print-forms/sample/upd/ru/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["amount_in_words"] == "Четыре тысячи рублей 00 копеек"
    assert data["upd_status"] == "1" and data["lines"]


@pytest.mark.django_db
def test_print_forms_page_runs_a_fixed_number_of_queries_X2(admin, f):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/settings/print-forms/").status_code == 200
        return len(ctx.captured_queries)

    CustomForm.objects.create(doc_type="invoice", language="ru", original_name="a.typ", uploaded_by=admin)
    one = count()
    for doc_type in ("act", "upd", "proposal"):
        CustomForm.objects.create(
            doc_type=doc_type, language="en", original_name="b.typ", uploaded_by=f.make_user(Role.ADMIN)
        )
    assert count() == one
