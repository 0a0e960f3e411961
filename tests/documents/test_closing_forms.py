"""Acts and UPDs as print forms (X1, X2, I8): the built-in forms render for each language with the
standard content, the amount in words, both UPD statuses, and the seller's print settings (images,
colour, texts) from a real closing document."""
# ruff: noqa: F811 — the billing world's fixtures (w, invoice) are imported and then requested by name

import datetime as dt
import io

import pypdf
import pytest

from dealbook.billing.models import ClosingDocument, SellerSettings
from dealbook.billing.printing import closing_pdf, closing_print_data, invoice_pdf
from dealbook.billing.services import closing_document_create, invoice_pay, invoice_send
from dealbook.billing.services.print_settings import seller_print_settings_update
from dealbook.core.errors import InvalidInput
from dealbook.crm.models import BankAccount
from dealbook.documents.closing_data import sample_closing
from dealbook.documents.render import render_pdf
from tests.billing.conftest import invoice, w  # noqa: F401  (the seed's billing world)
from tests.documents.conftest import pdf_text
from tests.documents.images import SIGNATURE_SVG, png_bytes

UPD_COLUMNS = (
    "№ п/п",
    "Код товара/ работ, услуг",
    "Наименование товара",
    "Код вида товара",
    "Единица измерения",
    "условное обозначение (национальное)",
    "Количество (объём)",
    "Цена (тариф) за единицу измерения",
    "имущественных прав без налога — всего",
    "В том числе сумма акциза",
    "Налоговая ставка",
    "Сумма налога, предъявляемая покупателю",
    "имущественных прав с налогом — всего",
    "Страна происхождения товара",
    "Регистрационный номер декларации на товары",
)
UPD_HEADER = (
    "Счёт-фактура № 2018 / 1 от 15 мая 2018 г.",
    'Продавец: ООО "ВЕСТ ГРУПП"',
    "ИНН/КПП продавца: 7806210729/780601001",
    "Грузоотправитель и его адрес: он же",
    "Грузополучатель и его адрес: ЭЛЕКСИС ООО",
    "К платёжно-расчётному документу № 15 от 14 мая 2018 г.",
    "Покупатель: ЭЛЕКСИС ООО",
    "ИНН/КПП покупателя: 7802345676/780201001",
    "Валюта: наименование, код Российский рубль, 643",
)


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def page_sizes(pdf: bytes) -> list[tuple[int, int]]:
    return [
        (round(p.mediabox.width), round(p.mediabox.height)) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages
    ]


# ---------------------------------------------------------------- the forms with sample data


@pytest.mark.parametrize("status", [1, 2])
def test_x1_upd_renders_with_standard_header_columns_and_amount_in_words(status):
    """X1/I8: the UPD (landscape A4) shows its status, the invoice-for-VAT header, the standard
    columns, the totals and "Четыре тысячи рублей 00 копеек" for 4 000,00 — never "сорок рублей"."""
    pdf = render_pdf("upd_ru", sample_closing("upd", "ru", upd_status=status))
    text = pdf_text(pdf)
    assert "Универсальный передаточный документ" in text
    assert f"Статус: {status}" in text
    for expected in UPD_HEADER + UPD_COLUMNS:
        assert expected in text, expected
    assert "3 389,83 X 610,17 4 000,00" in text.replace("\u00a0", " ")
    assert "Четыре тысячи рублей 00 копеек" in text and "сорок" not in text.lower()
    assert "Перевозчик: ТрансЛогистик ООО" in text
    w_, h_ = page_sizes(pdf)[0]
    assert w_ > h_  # landscape


def test_x1_upd_status_2_has_no_chief_accountant_signature():
    """Status 2 is only a transfer document: the chief accountant's line stays empty."""
    one = pdf_text(render_pdf("upd_ru", sample_closing("upd", "ru", upd_status=1)))
    two = pdf_text(render_pdf("upd_ru", sample_closing("upd", "ru", upd_status=2)))
    assert "Новоселова С. И." in one and "Новоселова С. И." not in two


def test_x1_act_ru_renders_lines_totals_and_amount_in_words():
    text = pdf_text(render_pdf("act_ru", sample_closing("act", "ru"))).replace("\u00a0", " ")
    assert "Акт № 2018 / 1 от 15 мая 2018 г." in text
    assert 'Исполнитель: ООО "ВЕСТ ГРУПП", ИНН 7806210729' in text
    assert "Основание: Счёт на оплату № 2018 / 943 от 12 мая 2018 г." in text
    assert "Кольцо стеновое КС 10-3 3 шт 700,00 2 100,00" in text
    assert "Итого: 4 000,00 В том числе НДС: 610,17" in text
    assert "Всего оказано услуг 2, на сумму 4 000,00 руб." in text
    assert "Четыре тысячи рублей 00 копеек" in text


def test_x1_act_en_renders_in_english_with_amount_in_words():
    text = pdf_text(render_pdf("act_en", sample_closing("act", "en"), language="en"))
    assert "CERTIFICATE OF COMPLETION" in text and "2018 / 1" in text
    assert "Total 4,000.00 RUB" in text
    assert "Four thousand roubles and 00 kopecks" in text


@pytest.mark.parametrize(
    ("form", "kind", "lang"), [("upd_ru", "upd", "ru"), ("act_ru", "act", "ru"), ("act_en", "act", "en")]
)
def test_x2_closing_forms_print_images_only_when_uploaded(form, kind, lang):
    """X2: facsimile signature and stamp appear as images when given, and nothing when not."""
    data = sample_closing(kind, lang)
    assert image_count(render_pdf(form, data, language=lang)) == 0
    assets = {"signature": png_bytes(80, 30), "stamp": png_bytes(60, 60, (35, 64, 168, 200))}
    assert image_count(render_pdf(form, data, language=lang, assets=assets)) >= 2


# ---------------------------------------------------------------- from a real closing document


@pytest.fixture
def demo_seller(w):
    """The demo's seller: full requisites, director and chief accountant, a bank account."""
    own = w.own
    own.legal_name = 'Общество с ограниченной ответственностью "ВЕСТ ГРУПП"'
    own.legal_address = "195027, г. Санкт-Петербург, Свердловская наб., д. 44, лит. Ю"
    own.director_name = "Новиков Андрей Петрович"
    own.accountant_name = "Новоселова Светлана Игоревна"
    own.save()
    BankAccount.objects.create(
        company=own, bank_name="ПАО Сбербанк", bik="044030653", corr_account="30101810500000000653"
    )
    return own


@pytest.fixture
def upd(w, invoice, demo_seller):
    invoice_send(actor=w.manager, invoice=invoice)
    invoice_pay(actor=w.manager, invoice=invoice, amount="4000.00", reference="15", date=dt.date(2018, 5, 14))
    return closing_document_create(actor=w.manager, invoice=invoice, kind="upd", date=dt.date(2018, 5, 15))


@pytest.mark.django_db
def test_x1_upd_of_the_seed_invoice_prints_its_parties_payment_and_carrier(w, upd):
    """The UPD from the stored document: seller and buyer requisites, the payment as the
    payment document (line 5), the supplier as shipper ("он же": our own entity), the carrier (I4)."""
    pdf, filename = closing_pdf(upd)
    text = pdf_text(pdf).replace("\u00a0", " ")
    assert filename == "upd-2018-1.pdf"
    assert "Счёт-фактура № 2018 / 1 от 15 мая 2018 г." in text and "Статус: 1" in text
    assert 'Общество с ограниченной ответственностью "ВЕСТ ГРУПП"' in text
    assert "ИНН/КПП продавца: 7806210729/780601001" in text
    assert "Грузоотправитель и его адрес: он же" in text
    assert "К платёжно-расчётному документу № 15 от 14 мая 2018 г." in text
    assert "Перевозчик: ТрансЛогистик ООО" in text
    assert f"Основание передачи (сдачи) / получения (приёмки) Счёт на оплату № {upd.invoice.number}" in text
    assert "796 шт 3" in text  # ОКЕИ code of "шт"
    assert "3 389,83 X 610,17 4 000,00" in text
    assert "Четыре тысячи рублей 00 копеек" in text
    assert "Новиков А. П." in text and "Новоселова С. И." in text


@pytest.mark.django_db
def test_x1_upd_prints_another_supplier_as_the_shipper(w, invoice, demo_seller, f):
    """I4: goods shipped by another company show it as грузоотправитель with its address."""
    from dealbook.billing.services import invoice_set_parties

    plant = f.make_company('ООО "Завод ЖБИ"', kind="supplier", legal_address="Тосно, Промзона, 1")
    invoice_set_parties(actor=w.manager, invoice=invoice, supplier=plant, carrier=w.carrier, confirmed=True)
    invoice_send(actor=w.manager, invoice=invoice)
    doc = closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    data = closing_print_data(ClosingDocument.objects.get(pk=doc.pk), "ru")
    shipper = data["shipper"]
    assert (shipper["name"], shipper["address"], shipper["same"]) == (
        'ООО "Завод ЖБИ"',
        "Тосно, Промзона, 1",
        False,
    )
    text = pdf_text(closing_pdf(doc)[0])
    assert 'Грузоотправитель и его адрес: ООО "Завод ЖБИ", Тосно, Промзона, 1' in text


@pytest.mark.django_db
def test_x1_act_prints_in_russian_and_english_upd_in_russian_only(w, invoice, demo_seller):
    invoice_send(actor=w.manager, invoice=invoice)
    act = closing_document_create(actor=w.manager, invoice=invoice, kind="act")
    ru = pdf_text(closing_pdf(act)[0])
    en = pdf_text(closing_pdf(act, "en")[0])
    assert "Акт №" in ru and "Четыре тысячи рублей 00 копеек" in ru
    assert "CERTIFICATE OF COMPLETION" in en and "Four thousand roubles and 00 kopecks" in en
    upd = closing_document_create(actor=w.manager, invoice=invoice, kind="upd")
    with pytest.raises(InvalidInput) as err:
        closing_pdf(upd, "en")
    assert err.value.field == "lang"


@pytest.mark.django_db
def test_x2_uploaded_signature_and_stamp_appear_in_invoice_act_and_upd(w, upd, demo_seller):
    """X2/I8: once uploaded, the facsimile signatures and stamp are printed as images on every
    document of the seller, with its colour and texts; before, there are no images at all."""
    act = closing_document_create(actor=w.manager, invoice=upd.invoice, kind="act")
    before = [closing_pdf(upd)[0], closing_pdf(act)[0], invoice_pdf(upd.invoice)[0]]
    assert [image_count(p) for p in before] == [0, 0, 0]
    seller_print_settings_update(
        actor=w.accountant,
        seller=demo_seller,
        signature=png_bytes(80, 30),
        signature_accountant=png_bytes(80, 30, (10, 10, 120, 255)),
        stamp=png_bytes(60, 60, (35, 64, 168, 200)),
        accent_color="#7A1F1F",
        header_text="Товар отпускается по факту прихода денег",
        footer_text="ООО «ВЕСТ ГРУПП» · www.westgroup.example",
    )
    after = [closing_pdf(upd)[0], closing_pdf(act)[0], invoice_pdf(upd.invoice)[0]]
    assert [image_count(p) >= 2 for p in after] == [True, True, True]
    for pdf in after:
        text = pdf_text(pdf)
        assert "Товар отпускается по факту прихода денег" in text
        assert "www.westgroup.example" in text


@pytest.mark.django_db
def test_x2_a_stored_image_gone_missing_prints_without_it(w, upd, demo_seller):
    """Invalid images never break rendering: a file lost from the disk is left out."""
    settings = seller_print_settings_update(actor=w.accountant, seller=demo_seller, stamp=SIGNATURE_SVG)
    settings.stamp.storage.delete(settings.stamp.name)
    assert SellerSettings.objects.get(pk=settings.pk).stamp
    text = pdf_text(closing_pdf(upd)[0])
    assert "Универсальный передаточный документ" in text
