"""A seller's print settings (X2): accounting and administrators upload the logo, facsimile
signatures and stamp (PNG, JPEG or SVG up to 2 MB), the accent colour and texts; every refusal names
its field and changes nothing; the page, the API and the preview."""

import io
import os

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dealbook.accounts.models import Role
from dealbook.billing.models import SellerSettings
from dealbook.billing.services.print_settings import MAX_IMAGE_BYTES, seller_print_settings_update
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.core.models import Event
from tests.documents.images import LOGO_SVG, STAMP_SVG, png_bytes

pytestmark = pytest.mark.django_db

JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f"
    "141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000"
    "017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a"
    "3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293949596"
    "9798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2"
    "f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)


@pytest.fixture
def seller(f):
    return f.make_company('ООО "ВЕСТ ГРУПП"', is_own=True, inn="7806210729", kpp="780601001")


@pytest.fixture
def accountant(f):
    return f.make_user(Role.ACCOUNTANT)


def state(seller):
    """Everything a refused change must leave as it was: the row and the files on disk."""
    row = list(SellerSettings.objects.filter(seller=seller).values())
    from django.conf import settings

    folder = os.path.join(settings.MEDIA_ROOT, "print")
    files = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    return row, files, Event.objects.count()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_x2_accountant_uploads_images_colour_and_texts(seller, accountant):
    settings = seller_print_settings_update(
        actor=accountant,
        seller=seller,
        logo=upload("logo.svg", LOGO_SVG),
        signature=upload("sign.png", png_bytes()),
        signature_accountant=upload("acc.jpg", JPEG),
        stamp=upload("stamp.svg", STAMP_SVG),
        accent_color="#1F4E79",
        header_text="  Оплата счёта означает согласие с условиями поставки. ",
        footer_text="ООО «ВЕСТ ГРУПП»",
    )
    settings.refresh_from_db()
    assert settings.logo.name.startswith("print/") and settings.logo.name.endswith(".svg")
    assert settings.signature.name.endswith(".png") and settings.signature_accountant.name.endswith(".jpg")
    assert settings.stamp.read() == STAMP_SVG
    assert settings.accent_color == "#1f4e79"
    assert settings.header_text == "Оплата счёта означает согласие с условиями поставки."
    event = Event.objects.get(kind="updated", subject_id=seller.pk)
    assert event.data["field"] == "print_settings" and "stamp" in event.data["changed"]


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"logo": b"GIF89a\x01\x00\x01\x00"}, "logo", "image_type"),
        ({"stamp": b"%PDF-1.7 not an image"}, "stamp", "image_type"),
        ({"signature": b""}, "signature", "empty"),
        (
            {"signature_accountant": b"\x89PNG\r\n\x1a\n" + b"broken" * 10},
            "signature_accountant",
            "image_broken",
        ),
        ({"stamp": b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg"}, "stamp", "image_broken"),
        ({"logo": png_bytes() + b"\x00" * MAX_IMAGE_BYTES}, "logo", "too_large"),
        ({"accent_color": "blue"}, "accent_color", "colour"),
        ({"accent_color": "#12345"}, "accent_color", "colour"),
        ({"header_text": "x" * 2001}, "header_text", "too_long"),
        ({"remove": ["signature", "banner"]}, "remove", "invalid"),
    ],
)
def test_x2_bad_input_names_the_field_and_changes_nothing(seller, accountant, kwargs, field, code):
    seller_print_settings_update(actor=accountant, seller=seller, logo=png_bytes(), accent_color="#000000")
    before = state(seller)
    # a valid image next to the bad value is not stored either
    given = {"stamp": STAMP_SVG, **kwargs} if "stamp" not in kwargs else {"logo": LOGO_SVG, **kwargs}
    with pytest.raises(InvalidInput) as err:
        seller_print_settings_update(actor=accountant, seller=seller, **given)
    assert (err.value.field, err.value.code) == (field, code)
    assert state(seller) == before


@pytest.mark.parametrize("role", [Role.SALES_MANAGER, Role.GROUP_MANAGER, Role.DIRECTOR, Role.OPERATOR])
def test_x2_only_accounting_and_administrators_change_print_settings(seller, f, role):
    before = state(seller)
    with pytest.raises(Forbidden):
        seller_print_settings_update(actor=f.make_user(role), seller=seller, accent_color="#ff0000")
    assert state(seller) == before
    admin = f.make_user(Role.ADMIN)
    assert (
        seller_print_settings_update(actor=admin, seller=seller, accent_color="#ff0000").accent_color
        == "#ff0000"
    )


def test_x2_settings_belong_to_our_own_legal_entity(f, accountant):
    client = f.make_company("ЭЛЕКСИС ООО")
    with pytest.raises(InvalidInput) as err:
        seller_print_settings_update(actor=accountant, seller=client, accent_color="#ff0000")
    assert err.value.field == "seller"
    assert not SellerSettings.objects.exists()


def test_x2_replacing_or_removing_an_image_deletes_the_old_file_after_commit(
    seller, accountant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = seller_print_settings_update(actor=accountant, seller=seller, stamp=png_bytes()).stamp
    old = first.name
    assert first.storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        new = seller_print_settings_update(actor=accountant, seller=seller, stamp=STAMP_SVG).stamp.name
    assert new != old and first.storage.exists(new) and not first.storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        settings = seller_print_settings_update(actor=accountant, seller=seller, remove=["stamp"])
    assert not settings.stamp and not first.storage.exists(new)


# ---------------------------------------------------------------- API


def test_x2_api_reads_and_updates_print_settings(seller, accountant, api_as):
    api = api_as(accountant)
    got = api.get(f"sellers/{seller.pk}/print-settings")
    assert got.status_code == 200 and got.json()["images"] == dict.fromkeys(
        ("logo", "signature", "signature_accountant", "stamp"), False
    )
    put = api.put(f"sellers/{seller.pk}/print-settings", {"accent_color": "#336699", "footer_text": "Подвал"})
    assert put.status_code == 200, put.content
    assert (put.json()["accent_color"], put.json()["footer_text"]) == ("#336699", "Подвал")
    url = f"/api/v1/sellers/{seller.pk}/print-settings/images/stamp"
    posted = api.client.post(url, {"file": upload("stamp.png", png_bytes())}, **api.headers)
    assert posted.status_code == 200, posted.content
    assert posted.json()["images"]["stamp"] is True
    assert api.delete(url).json()["images"]["stamp"] is False


def test_x2_api_refusals_name_the_field_and_change_nothing(seller, accountant, api_as):
    api = api_as(accountant)
    before = state(seller)
    bad = api.put(f"sellers/{seller.pk}/print-settings", {"accent_color": "red"})
    assert bad.status_code == 400 and bad.json()["field"] == "accent_color"
    url = f"/api/v1/sellers/{seller.pk}/print-settings/images/logo"
    gif = api.client.post(url, {"file": upload("logo.gif", b"GIF89a....")}, **api.headers)
    assert gif.status_code == 400 and gif.json()["field"] == "logo"
    unknown = api.client.post(
        url.replace("logo", "banner"), {"file": upload("b.png", png_bytes())}, **api.headers
    )
    assert unknown.status_code == 404
    assert state(seller) == before


def test_x2_api_sales_manager_cannot_change_print_settings(seller, f, api_as):
    api = api_as(f.make_user(Role.SALES_MANAGER))
    assert api.get(f"sellers/{seller.pk}/print-settings").status_code == 200
    put = api.put(f"sellers/{seller.pk}/print-settings", {"accent_color": "#ff0000"})
    assert put.status_code == 403 and put.json()["code"] == "forbidden"
    url = f"/api/v1/sellers/{seller.pk}/print-settings/images/stamp"
    assert api.client.post(url, {"file": upload("s.png", png_bytes())}, **api.headers).status_code == 403
    assert not SellerSettings.objects.exists()


def test_x2_api_print_settings_of_a_client_company_are_not_found(f, accountant, api_as):
    client = f.make_company("ЭЛЕКСИС ООО")
    assert api_as(accountant).get(f"sellers/{client.pk}/print-settings").status_code == 404


def test_x2_api_preview_renders_a_sample_invoice_in_the_settings(seller, accountant, api_as):
    seller_print_settings_update(actor=accountant, seller=seller, logo=png_bytes(), footer_text="Подвал ВЕСТ")
    response = api_as(accountant).get(f"sellers/{seller.pk}/print-settings/preview", {"lang": "ru"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert "Подвал ВЕСТ" in reader.pages[0].extract_text() and len(reader.pages[0].images) == 1


# ---------------------------------------------------------------- page


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_x2_page_shows_the_form_and_saves_an_upload(seller, accountant):
    client = _client(accountant)
    page = client.get(f"/settings/print/{seller.pk}/")
    assert page.status_code == 200 and b'name="stamp"' in page.content
    response = client.post(
        f"/settings/print/{seller.pk}/",
        {
            "accent_color": "#1f4e79",
            "header_text": "",
            "footer_text": "",
            "stamp": upload("s.png", png_bytes()),
        },
    )
    assert response.status_code == 302
    assert SellerSettings.objects.get(seller=seller).stamp
    image = client.get(f"/settings/print/{seller.pk}/image/stamp/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert "sandbox" in image["Content-Security-Policy"]
    preview = client.get(f"/settings/print/{seller.pk}/preview/?lang=en")
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")


def test_x2_page_shows_the_error_at_its_field_and_saves_nothing(seller, accountant):
    client = _client(accountant)
    before = state(seller)
    response = client.post(
        f"/settings/print/{seller.pk}/",
        {"accent_color": "#zzzzzz", "logo": upload("logo.png", png_bytes())},
    )
    assert response.status_code == 400
    assert 'id="ps-accent-error"' in response.content.decode()
    assert state(seller) == before


def test_x2_page_refuses_a_sales_manager_with_403(seller, f):
    client = _client(f.make_user(Role.SALES_MANAGER))
    assert client.get(f"/settings/print/{seller.pk}/").status_code == 200  # sees, read-only
    response = client.post(f"/settings/print/{seller.pk}/", {"accent_color": "#ff0000"})
    assert response.status_code == 403
    assert not SellerSettings.objects.exists()
