"""Print forms → PDF (I8, X2): content, images, safety of user text and of uploaded forms."""

import datetime
import hashlib
import io
import os
from decimal import Decimal

import pypdf
import pytest

from dealbook.core.errors import InvalidInput
from dealbook.documents.invoice_data import (
    SEED_BUYER,
    SEED_SELLER,
    invoice_data,
    print_line,
    sample_invoice,
    sample_invoice_eu,
)
from dealbook.documents.render import builtin_forms, check_form, font_families, render_pdf, render_png
from tests.documents.images import LOGO_SVG, SIGNATURE_SVG, STAMP_SVG, png_bytes

HOSTILE = '#panic("x") *bold* $math$ <label> @ref `raw` // not a comment'


def test_seed_invoice_renders_with_number_totals_and_words_I8(text_of):
    """The seed's invoice 2018 / 943 from ООО "ВЕСТ ГРУПП": 4 000,00 with 610,17 VAT, in words."""
    pdf = render_pdf("invoice_ru", sample_invoice("ru"), language="ru")
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert "Счёт на оплату № 2018 / 943 от 14 мая 2018 г." in text
    assert 'ООО "ВЕСТ ГРУПП", ИНН 7806210729, КПП 780601001' in text
    assert "ЭЛЕКСИС ООО" in text
    assert "1 Кольцо стеновое КС 10-3 3 шт 700,00 2 100,00" in text
    assert "2 фундаментный блок ФБС 9-5-3т 2 шт 950,00 1 900,00" in text
    assert "Итого: 4 000,00" in text
    assert "В том числе НДС 18%: 610,17" in text
    assert "Всего к оплате: 4 000,00" in text
    assert "Всего наименований 2, на сумму 4 000,00 руб." in text
    assert "Четыре тысячи рублей 00 копеек" in text
    assert "сорок рублей" not in text.lower()
    # the bank block
    for value in (
        "044030790",
        "30101810900000000790",
        "40702810390000000008",
        "Банк получателя",
        "Получатель",
    ):
        assert value in text


def test_pdf_is_pdf_a_3b_with_title_I8():
    pdf = render_pdf("invoice_ru", sample_invoice("ru"))
    assert b"<pdfaid:part>3</pdfaid:part>" in pdf
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in pdf
    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert meta.title == "Счёт на оплату № 2018 / 943 от 14 мая 2018 г."


def test_same_data_and_timestamp_give_identical_bytes():
    """The e-signature stores the SHA-256 of the exact PDF shown: a render must be reproducible."""
    ts = datetime.datetime(2018, 5, 14, 9, 30, tzinfo=datetime.UTC)
    first = render_pdf("invoice_ru", sample_invoice("ru"), timestamp=ts)
    second = render_pdf("invoice_ru", sample_invoice("ru"), timestamp=ts)
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_english_eu_invoice_has_vat_ids_breakdown_and_payment_details_I8(text_of):
    pdf = render_pdf("invoice_en", sample_invoice_eu(), language="en")
    text = text_of(pdf)
    assert "INVOICE" in text
    assert "2024 / 117" in text
    assert "VAT ID: DE136695976" in text and "VAT ID: NL004495445B01" in text
    assert "DE89 3704 0044 0532 0130 00" in text and "HASPDEHHXXX" in text
    assert "19% 981.90 186.56 1,168.46" in text  # breakdown per rate
    assert "7% 35.00 2.45 37.45" in text
    assert "Subtotal 1,066.00 EUR" in text and "Discount −49.10 EUR" in text
    assert "Total net 1,016.90 EUR" in text
    assert "Total due 1,205.91 EUR" in text
    assert "19 March 2024" in text  # due date
    assert "One thousand, two hundred and five euro and 91 cents" in text


def _ru_invoice(lines, *, price_includes_tax):
    return invoice_data(
        number="2024 / 5",
        date=datetime.date(2024, 2, 1),
        currency="RUB",
        language="ru",
        seller=SEED_SELLER,
        buyer=SEED_BUYER,
        lines=lines,
        price_includes_tax=price_includes_tax,
    )


def test_russian_invoice_with_vat_on_top_and_a_discount_I8(text_of):
    lines = [
        print_line(
            name="Доставка манипулятором",
            quantity=Decimal("1"),
            unit="рейс",
            price=Decimal("5000"),
            tax_rate=Decimal("20"),
            currency="RUB",
            price_includes_tax=False,
            discount_kind="amount",
            discount_value=Decimal("500"),
        ),
        print_line(
            name="Кольцо КС 10-9",
            quantity=Decimal("2.5"),
            unit="т",
            price=Decimal("1234.5"),
            tax_rate=Decimal("10"),
            currency="RUB",
            price_includes_tax=False,
        ),
    ]
    text = text_of(render_pdf("invoice_ru", _ru_invoice(lines, price_includes_tax=False)))
    assert "Скидка" in text and "1 Доставка манипулятором 1 рейс 5 000,00 500,00 4 500,00" in text
    assert "2 Кольцо КС 10-9 2,5 т 1 234,50 3 086,25" in text
    assert "Итого: 7 586,25 НДС 20%: 900,00 НДС 10%: 308,63 Всего к оплате: 8 794,88" in text
    assert "Восемь тысяч семьсот девяносто четыре рубля 88 копеек" in text


def test_russian_invoice_without_vat_I8(text_of):
    line = print_line(
        name="Консультация",
        quantity=Decimal("2"),
        unit="ч",
        price=Decimal("1500"),
        tax_rate=None,
        currency="RUB",
        price_includes_tax=False,
    )
    text = text_of(render_pdf("invoice_ru", _ru_invoice([line], price_includes_tax=False)))
    assert "Итого: 3 000,00 Без налога (НДС): — Всего к оплате: 3 000,00" in text
    assert "Три тысячи рублей 00 копеек" in text


def test_seed_invoice_in_english_form_reads_roubles_I8(text_of):
    text = text_of(render_pdf("invoice_en", sample_invoice("en"), language="en"))
    assert "Four thousand roubles and 00 kopecks" in text
    assert "Total due 4,000.00 RUB" in text
    assert "Gross amount" in text  # prices include VAT: the lines show gross amounts
    assert "1 Кольцо стеновое КС 10-3 3 pcs 700.00 18% 2,100.00" in text


def test_user_text_is_printed_literally_never_evaluated_I8(text_of):
    """A customer name or line made of Typst markup prints as typed: no panic, no bold, no math."""
    for form, data, lang in (
        ("invoice_ru", sample_invoice("ru"), "ru"),
        ("invoice_en", sample_invoice_eu(), "en"),
    ):
        data["buyer"]["name"] = HOSTILE
        data["lines"][0]["name"] = HOSTILE
        data["notes"] = '#read("/etc/passwd")'
        text = text_of(render_pdf(form, data, language=lang))
        assert text.count('#panic("x") *bold* $math$ <label> @ref `raw`') == 2
        assert '#read("/etc/passwd")' in text
        assert "root:" not in text


def test_images_go_in_under_fixed_names_and_caller_paths_are_ignored_X2(text_of):
    data = sample_invoice("ru")
    data["images"] = {"logo": "/etc/passwd", "stamp": "../../secret.png"}  # ignored: render sets images
    plain = render_pdf("invoice_ru", data)
    assert not pypdf.PdfReader(io.BytesIO(plain)).pages[0].images
    with_images = render_pdf(
        "invoice_ru",
        data,
        assets={"logo": png_bytes(120, 40), "signature": SIGNATURE_SVG, "stamp": STAMP_SVG},
    )
    page = pypdf.PdfReader(io.BytesIO(with_images)).pages[0]
    assert len(page.images) == 1  # the PNG logo; the SVG signature and stamp stay vector
    assert "ИНН 7806210729" in text_of(with_images).split("Бухгалтер")[-1]  # the stamp's text


def test_both_forms_render_every_image_X2():
    assets = {"logo": LOGO_SVG, "signature": SIGNATURE_SVG, "signature_accountant": SIGNATURE_SVG}
    assets["stamp"] = png_bytes(80, 80, (35, 64, 168, 160))
    for form, data in (("invoice_ru", sample_invoice("ru")), ("invoice_en", sample_invoice_eu())):
        pdf = render_pdf(form, data, assets=assets)
        assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images) == 1


def test_bad_assets_are_refused_X2():
    with pytest.raises(InvalidInput) as err:
        render_pdf("invoice_ru", sample_invoice(), assets={"background": png_bytes()})
    assert err.value.field == "assets"
    with pytest.raises(InvalidInput) as err:
        render_pdf("invoice_ru", sample_invoice(), assets={"logo": b"MZ\x90\x00 not an image"})
    assert err.value.field == "assets.logo"


def test_attachments_are_embedded_in_the_pdf():
    xml = b'<?xml version="1.0"?><rsm:CrossIndustryInvoice/>'
    pdf = render_pdf(
        "invoice_en",
        sample_invoice_eu(),
        language="en",
        attachments=[
            {"name": "factur-x.xml", "content": xml, "mime_type": "text/xml", "description": "Factur-X"}
        ],
    )
    assert pypdf.PdfReader(io.BytesIO(pdf)).attachments["factur-x.xml"] == [xml]
    with pytest.raises(InvalidInput) as err:
        render_pdf("invoice_en", sample_invoice_eu(), attachments=[{"name": "../x.xml", "content": xml}])
    assert err.value.field == "attachments"


def test_numbers_must_be_formatted_before_rendering():
    data = sample_invoice()
    data["totals"]["total"] = Decimal("4000.00")
    with pytest.raises(TypeError, match="totals.total"):
        render_pdf("invoice_ru", data)


def test_bad_colour_and_language_are_refused():
    data = sample_invoice()
    data["style"] = {"accent": 'red"); #panic("x'}
    with pytest.raises(InvalidInput) as err:
        render_pdf("invoice_ru", data)
    assert err.value.field == "style.accent"
    with pytest.raises(InvalidInput) as err:
        render_pdf("invoice_ru", sample_invoice(), language='ru"; #panic')
    assert err.value.field == "language"


def test_accent_colour_is_applied():
    data = sample_invoice_eu()
    data["style"] = {"accent": "#AA0011"}
    pdf = render_pdf("invoice_en", data, language="en")
    assert b"0.6666667 0 0.06666667" in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()


def test_unknown_builtin_form_is_invalid():
    with pytest.raises(InvalidInput) as err:
        render_pdf("no_such_form", sample_invoice())
    assert err.value.field == "form"
    assert {"invoice_ru", "invoice_en"} <= set(builtin_forms())


def test_png_preview_of_each_page():
    pages = render_png("invoice_ru", sample_invoice(), ppi=30)
    assert len(pages) == 1 and pages[0].startswith(b"\x89PNG")


def test_forms_have_a_font_with_cyrillic():
    """Typst's own Libertinus Serif has Cyrillic; Debian's Liberation/DejaVu are preferred when present."""
    assert "Libertinus Serif" in font_families()


# --- uploaded (custom) forms: test-rendered, confined to their own folder (X2) --------------------


def _custom_form(tmp_path, source: str, name: str = "my_invoice.typ"):
    folder = tmp_path / "forms" / "company-1"
    folder.mkdir(parents=True)
    (folder / name).write_text(source, encoding="utf-8")
    return folder / name


def test_custom_form_renders_with_its_own_files_X2(tmp_path, text_of):
    path = _custom_form(
        tmp_path,
        '#import "parts.typ": title\n#let d = json(bytes(sys.inputs.data))\n#title(d.number)\n#d.amount_in_words',
    )
    (path.parent / "parts.typ").write_text("#let title(n) = [*Custom invoice #n*]\n", encoding="utf-8")
    text = text_of(render_pdf(path, sample_invoice("ru")))
    assert "Custom invoice 2018 / 943" in text
    assert "Четыре тысячи рублей 00 копеек" in text


@pytest.mark.parametrize("target", ["/etc/passwd", "../secret.txt", "../../secret.txt", "/../secret.txt"])
def test_custom_form_cannot_read_outside_its_folder_X2(tmp_path, target):
    (tmp_path / "forms" / "secret.txt").parent.mkdir(parents=True)
    (tmp_path / "forms" / "secret.txt").write_text("top secret")
    (tmp_path / "secret.txt").write_text("top secret")
    path = _custom_form(tmp_path, f'#read("{target}")')
    with pytest.raises(InvalidInput) as err:
        render_pdf(path, sample_invoice())
    assert err.value.field == "form"
    assert err.value.code == "form_error"
    assert "can only read files in its own folder" in err.value.message
    assert target.rsplit("/", 1)[-1] in err.value.message  # the read is what failed ...
    assert "my_invoice.typ:1:" in err.value.message  # ... at the form's line 1
    assert "top secret" not in err.value.message


def test_custom_form_cannot_follow_a_symlink_out_of_its_folder_X2(tmp_path):
    (tmp_path / "secret.txt").write_text("top secret")
    path = _custom_form(tmp_path, '#read("link.txt")')
    os.symlink(tmp_path / "secret.txt", path.parent / "link.txt")
    with pytest.raises(InvalidInput) as err:
        render_pdf(path, sample_invoice())
    assert "file not found" in err.value.message and "link.txt" in err.value.message


def test_custom_form_cannot_import_installed_packages_X2(tmp_path):
    path = _custom_form(tmp_path, '#import "@local/company-secrets:0.1.0": *')
    with pytest.raises(InvalidInput) as err:
        render_pdf(path, sample_invoice())
    assert err.value.field == "form"
    assert "package" in err.value.message


def test_form_that_does_not_compile_raises_invalid_input_with_typst_message_X2(tmp_path):
    path = _custom_form(tmp_path, "#let d = json(bytes(sys.inputs.data))\n#d.no_such_key\n#let = (")
    with pytest.raises(InvalidInput) as err:
        render_pdf(path, sample_invoice())
    assert err.value.field == "form"
    assert "The print form cannot be rendered" in err.value.message
    assert "my_invoice.typ:" in err.value.message  # where, as the form's author sees it
    with pytest.raises(InvalidInput) as err:
        render_pdf(_custom_form(tmp_path / "p", '#panic("broken form")'), sample_invoice())
    assert "broken form" in err.value.message


def test_custom_form_path_must_be_a_typ_file(tmp_path):
    with pytest.raises(InvalidInput) as err:
        render_pdf(tmp_path / "missing.typ", sample_invoice())
    assert err.value.field == "form"
    other = tmp_path / "form.txt"
    other.write_text("hello")
    with pytest.raises(InvalidInput):
        render_pdf(other, sample_invoice())


# --- check_form: the test render an upload passes before it is saved (X2) -------------------------


@pytest.mark.slow
def test_check_form_returns_the_pdf_of_a_good_form_X2(tmp_path, text_of):
    path = _custom_form(tmp_path, "#let d = json(bytes(sys.inputs.data))\nCheck #d.number")
    assert "Check 2018 / 943" in text_of(check_form(path, sample_invoice(), timeout=60))


@pytest.mark.slow
def test_check_form_reports_compile_errors_and_escapes_X2(tmp_path):
    path = _custom_form(tmp_path, '#read("../../secret.txt")')
    with pytest.raises(InvalidInput) as err:
        check_form(path, sample_invoice(), timeout=60)
    assert err.value.field == "form" and err.value.code == "form_error"
    assert "own folder" in err.value.message


@pytest.mark.slow
def test_check_form_stops_a_form_that_runs_too_long_X2(tmp_path):
    # nested small ranges: a long computation without a big allocation (range(10**9) would be an
    # 8 GB array and trip the memory limit first; a while loop is cut by Typst's own loop guard)
    path = _custom_form(
        tmp_path, "#let x = 0\n#for i in range(20000) { for j in range(20000) { x += 1 } }\n#x"
    )
    with pytest.raises(InvalidInput) as err:
        check_form(path, sample_invoice(), timeout=2)
    assert err.value.code == "form_timeout"


@pytest.mark.slow
def test_check_form_stops_a_form_that_eats_memory_X2(tmp_path):
    """The same limit lets an ordinary form through, so it is the form's appetite that is stopped."""
    assert check_form("invoice_ru", sample_invoice(), timeout=60, memory_mb=400).startswith(b"%PDF")
    path = _custom_form(tmp_path, '#let s = "x"\n#for i in range(40) { s = s + s }\n#s.len()')
    with pytest.raises(InvalidInput) as err:
        check_form(path, sample_invoice(), timeout=60, memory_mb=400)
    assert err.value.code == "form_memory"


def test_builtin_forms_share_one_root_per_process_and_leave_no_render_files_behind():
    """Built-in forms are copied once per process; each render's images and attachments live in
    a folder of its own that is removed after the render, whether it succeeded or not."""
    from dealbook.documents import render

    xml = b'<?xml version="1.0"?><rsm:CrossIndustryInvoice/>'
    attachments = [{"name": "factur-x.xml", "content": xml, "mime_type": "text/xml"}]
    render_pdf("invoice_ru", sample_invoice(), assets={"logo": png_bytes(120, 40)})
    base = render._builtin_bases[os.getpid()]
    pdf = render_pdf("invoice_en", sample_invoice_eu(), language="en", attachments=attachments)
    assert render._builtin_bases[os.getpid()] == base
    assert pypdf.PdfReader(io.BytesIO(pdf)).attachments["factur-x.xml"] == [xml]
    with pytest.raises(InvalidInput):
        render_pdf("invoice_ru", sample_invoice(), assets={"logo": png_bytes(), "stamp": b"not an image"})
    for kind in ("_assets", "_attachments"):
        assert not list((base / "root" / kind).iterdir())


def test_builtin_root_is_made_again_when_something_removed_it(text_of):
    import shutil

    from dealbook.documents import render

    render_pdf("invoice_ru", sample_invoice())
    base = render._builtin_bases[os.getpid()]
    shutil.rmtree(base)
    assert "Счёт на оплату" in text_of(render_pdf("invoice_ru", sample_invoice()))
    assert render._builtin_bases[os.getpid()] != base and not base.exists()


def test_renders_in_threads_each_print_their_own_images():
    """Concurrent renders in one process (the server's threads, WEB_THREADS) share the built-in root but never
    each other's images."""
    from concurrent.futures import ThreadPoolExecutor

    def logo_pixels(size: int) -> tuple[int, int]:
        pdf = render_pdf("invoice_ru", sample_invoice(), assets={"logo": png_bytes(size, size)})
        xobjects = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"]
        [image] = [x.get_object() for x in xobjects.values() if x.get_object()["/Subtype"] == "/Image"]
        return image["/Width"], image["/Height"]

    sizes = [20 + i for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(logo_pixels, sizes)) == [(s, s) for s in sizes]
