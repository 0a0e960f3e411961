"""/api/v1/companies, bank accounts, counterparty requests and company search: C1–C4, R1–R3 over HTTP."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dealbook.accounts.models import Notification, Role
from dealbook.core.models import Event
from dealbook.crm.models import BankAccount, Company, ContactPoint, CounterpartyRequest

pytestmark = pytest.mark.django_db

SBER = {"bank_name": "ПАО Сбербанк", "bik": "044525225", "corr_account": "30101810400000000225"}
ELEXIS = {
    "name": "ЭЛЕКСИС ООО",
    "inn": "7806210729",
    "kpp": "780601001",
    "phones": ["+7 (812) 325-96-46"],
    "emails": ["elecsys@list.ru"],
    "bank_accounts": [{**SBER, "account": "40702810938000000001"}],
}


@pytest.fixture
def people(f):
    group = f.make_group()
    return {
        "accountant": f.make_user(Role.ACCOUNTANT),
        "manager": f.make_user(Role.SALES_MANAGER, group=group),
        "other": f.make_user(Role.SALES_MANAGER),
        "operator": f.make_user(Role.OPERATOR),
        "admin": f.make_user(Role.ADMIN),
    }


def create_company(api_as, people, **extra):
    res = api_as(people["accountant"]).post("companies", {**ELEXIS, **extra})
    assert res.status_code == 201, res.json()
    return res.json()


# ---------------------------------------------------------------- create, C2 / C4


def test_c4_accountant_creates_a_company_over_the_api(api_as, people):
    body = create_company(api_as, people)
    assert body["inn"] == "7806210729" and body["responsible_id"] is None
    assert body["bank_accounts"][0]["account"] == "40702810938000000001"
    assert body["phones"] == ["+7 (812) 325-96-46"]
    assert {p["normalized"] for p in body["points"]} == {"+78123259646", "elecsys@list.ru"}


@pytest.mark.parametrize("role", ["manager", "operator"])
def test_c4_sales_manager_or_operator_creating_a_company_gets_403_and_nothing_is_written(
    api_as, people, role
):
    res = api_as(people[role]).post("companies", ELEXIS)
    assert res.status_code == 403
    assert res.json()["code"] == "forbidden"
    assert not Company.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize(
    "override,field",
    [
        ({"inn": "7806210728"}, "inn"),
        ({"kpp": "7806010"}, "kpp"),
        ({"ogrn": "1027700132194"}, "ogrn"),
        ({"vat_id": "DE136695975", "country": "DE"}, "vat_id"),
        ({"phones": ["call me"]}, "phones.0"),
        (
            {"bank_accounts": [{**SBER, "bik": "04452522X", "account": "40702810938000000001"}]},
            "bank_accounts.0.bik",
        ),
        ({"bank_accounts": [{**SBER, "account": "40702810938000000000"}]}, "bank_accounts.0.account"),
        ({"bank_accounts": [{"iban": "DE89370400440532013001"}]}, "bank_accounts.0.iban"),
    ],
)
def test_c2_bad_requisite_gives_400_naming_the_field_and_nothing_is_written(api_as, people, override, field):
    res = api_as(people["accountant"]).post("companies", {**ELEXIS, **override})
    assert res.status_code == 400
    body = res.json()
    assert body["field"] == field and body["code"] == "invalid" and body["detail"]
    assert (
        not Company.objects.exists()
        and not BankAccount.objects.exists()
        and not ContactPoint.objects.exists()
    )


def test_missing_name_is_a_400_not_a_500(api_as, people):
    res = api_as(people["accountant"]).post("companies", {"inn": "7806210729"})
    assert res.status_code == 400 and res.json()["field"] == "name"


def test_unauthenticated_is_401(people):
    assert Client().get("/api/v1/companies").status_code == 401


# ---------------------------------------------------------------- requisites, profile, take


def test_c4_sales_manager_cannot_change_requisites_403(api_as, people):
    company = create_company(api_as, people)
    api_as(people["manager"]).post(f"companies/{company['id']}/take")
    res = api_as(people["manager"]).patch(f"companies/{company['id']}/requisites", {"inn": "7707083893"})
    assert res.status_code == 403 and res.json()["code"] == "forbidden"
    assert Company.objects.get().inn == "7806210729"


def test_r3_requisite_change_is_on_the_timeline_with_from_and_to(api_as, people):
    company = create_company(api_as, people)
    api = api_as(people["accountant"])
    res = api.patch(f"companies/{company['id']}/requisites", {"inn": "7707083893", "kpp": "773601001"})
    assert res.status_code == 200 and res.json()["inn"] == "7707083893"
    items = api.get(f"companies/{company['id']}/timeline", {"kinds": "updated"}).json()["items"]
    inn = next(i for i in items if i["data"]["field"] == "inn")
    assert inn["data"]["from"] == "7806210729" and inn["data"]["to"] == "7707083893"
    assert inn["actor_id"] == people["accountant"].pk


def test_c2_bad_requisite_patch_400_and_unchanged(api_as, people):
    company = create_company(api_as, people)
    res = api_as(people["accountant"]).patch(f"companies/{company['id']}/requisites", {"kpp": "77-36"})
    assert res.status_code == 400 and res.json()["field"] == "kpp"
    assert Company.objects.get().kpp == "780601001"


def test_step39_manager_takes_and_fills_the_profile(api_as, people, f):
    company = create_company(api_as, people)
    manager = api_as(people["manager"])
    segment = f.make_segment("Дилеры")
    contact = manager.post("contacts", {"first_name": "Иван", "position": "директор"}).json()
    res = manager.patch(f"companies/{company['id']}", {"kind": "both", "segment_id": segment.pk})
    assert res.status_code == 403  # take it first
    res = manager.post(f"companies/{company['id']}/take")
    assert res.status_code == 200 and res.json()["responsible_id"] == people["manager"].pk
    res = manager.patch(
        f"companies/{company['id']}",
        {
            "kind": "both",
            "segment_id": segment.pk,
            "contact_ids": [contact["id"]],
            "phones": ["+7 812 325 96 46"],
        },
    )
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["kind"] == "both" and body["segment_name"] == "Дилеры"
    assert [c["id"] for c in body["contacts"]] == [contact["id"]]
    taken = api_as(people["other"]).post(f"companies/{company['id']}/take")
    assert taken.status_code == 404  # another manager's company is invisible once taken (R2)


def test_profile_with_unknown_segment_is_400(api_as, people):
    company = create_company(api_as, people)
    res = api_as(people["admin"]).patch(f"companies/{company['id']}", {"segment_id": 999999})
    assert res.status_code == 400 and res.json()["field"] == "segment_id"


def test_r2_manager_does_not_see_another_managers_company(api_as, people):
    company = create_company(api_as, people)
    api_as(people["other"]).post(f"companies/{company['id']}/take")
    assert api_as(people["manager"]).get(f"companies/{company['id']}").status_code == 404
    assert api_as(people["operator"]).get(f"companies/{company['id']}").status_code == 200
    ids = [c["id"] for c in api_as(people["manager"]).get("companies").json()["items"]]
    assert company["id"] not in ids


# ---------------------------------------------------------------- bank accounts


def test_c2_bank_account_sub_resource(api_as, people):
    company = create_company(api_as, people)
    api = api_as(people["accountant"])
    url = f"companies/{company['id']}/bank-accounts"
    bad = api.post(url, {"bik": "044525974", "account": "40702810938000000001"})
    assert bad.status_code == 400 and bad.json()["field"] == "account"
    added = api.post(url, {"iban": "DE89370400440532013000", "bic": "DEUTDEFF", "is_primary": True})
    assert added.status_code == 201 and added.json()["currency"] == "EUR"
    acc_id = added.json()["id"]
    assert api.patch(f"{url}/{acc_id}", {"iban": "DE00"}).status_code == 400
    assert api.patch(f"{url}/{acc_id}", {"bank_name": "Deutsche Bank"}).json()["bank_name"] == "Deutsche Bank"
    listed = api.get(url).json()
    assert [a["is_primary"] for a in listed] == [True, False]
    assert api_as(people["manager"]).delete(f"{url}/{acc_id}").status_code == 403
    assert api.delete(f"{url}/{acc_id}").status_code == 204
    assert api.get(url).json()[0]["is_primary"] is True


# ---------------------------------------------------------------- timeline, comments, files


def test_t4_company_comments_and_card_upload(api_as, people):
    company = create_company(api_as, people)
    api = api_as(people["accountant"])
    assert api.post(f"companies/{company['id']}/comments", {"text": "  "}).status_code == 400
    assert (
        api.post(f"companies/{company['id']}/comments", {"text": "Синхронизировано с 1С"}).status_code == 201
    )
    upload = api.client.post(
        f"/api/v1/companies/{company['id']}/files",
        {"file": SimpleUploadedFile("card.pdf", b"%PDF-1.4 card", content_type="application/pdf")},
        **api.headers,
    )
    assert upload.status_code == 201 and upload.json()["purpose"] == "company_card"
    kinds = [e["kind"] for e in api.get(f"companies/{company['id']}/timeline").json()["items"]]
    assert kinds[:2] == ["file_attached", "comment"] and kinds[-1] == "created"
    assert len(api.get(f"companies/{company['id']}/files").json()) == 1


# ---------------------------------------------------------------- lists


def test_list_filters_ordering_and_cursor(api_as, people, f):
    api = api_as(people["accountant"])
    for name in ["Бетон", "Альфа", "Гранит", "Вест"]:
        f.make_company(name)
    f.make_company("ВЕСТ ГРУПП", is_own=True)
    page = api.get("companies", {"limit": 2}).json()
    assert [c["name"] for c in page["items"]] == ["Альфа", "Бетон"]
    rest = api.get("companies", {"limit": 10, "cursor": page["next_cursor"]}).json()
    # the order of "Вест" and "ВЕСТ ГРУПП" depends on the database collation
    assert {c["name"] for c in rest["items"]} == {"Вест", "ВЕСТ ГРУПП", "Гранит"}
    assert rest["next_cursor"] is None
    assert {c["name"] for c in api.get("companies", {"q": "вест"}).json()["items"]} == {"Вест", "ВЕСТ ГРУПП"}
    assert [c["name"] for c in api.get("companies", {"is_own": True}).json()["items"]] == ["ВЕСТ ГРУПП"]
    newest = api.get("companies", {"ordering": "-id", "limit": 1}).json()["items"][0]["name"]
    assert newest == "ВЕСТ ГРУПП"
    bad = api.get("companies", {"ordering": "inn"})
    assert bad.status_code == 400 and bad.json()["field"] == "ordering"
    assert api.get("companies", {"limit": 100000}).status_code == 400


def test_step39_unclaimed_filter_lists_what_accounting_registered(api_as, people, f):
    f.make_company("Свободная")
    f.make_company("Чужая", responsible=people["other"])
    f.make_company("Моя", responsible=people["manager"])
    api = api_as(people["manager"])
    assert [c["name"] for c in api.get("companies").json()["items"]] == ["Моя", "Свободная"]
    assert [c["name"] for c in api.get("companies", {"unclaimed": True}).json()["items"]] == ["Свободная"]
    assert [c["name"] for c in api.get("companies", {"mine": True}).json()["items"]] == ["Моя"]


def test_company_list_query_count_is_constant(api_as, people, f):
    api = api_as(people["manager"])
    segment = f.make_segment()

    def fill(n):
        for _ in range(n):
            c = f.make_company(responsible=people["manager"], segment=segment)
            ContactPoint.objects.create(
                company=c, kind="phone", value="+79210000000", normalized="+79210000000"
            )

    fill(2)
    api.get("companies")  # the token's first use is written once; not part of the list's cost
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("companies").json()["items"]) == 2
    fill(20)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("companies").json()["items"]) == 22
    assert len(few) == len(many)


# ---------------------------------------------------------------- counterparty requests (C4)


def file_request(api, **fields):
    data = {"name": "ЭЛЕКСИС ООО", "inn": "7806210729", "comment": "покупатель", **fields}
    return api.client.post("/api/v1/counterparty-requests", data, **api.headers)


def test_c4_request_filed_with_card_completed_by_accounting_then_taken(api_as, people, f):
    manager, accountant = api_as(people["manager"]), api_as(people["accountant"])
    deal = f.make_deal(responsible=people["manager"])
    card = SimpleUploadedFile("КАРТОЧКА КЛИЕНТА.docx", b"PK card", content_type="application/octet-stream")
    res = file_request(manager, card=card, deal_id=deal.pk)
    assert res.status_code == 201, res.json()
    req = res.json()
    assert (
        req["status"] == "open"
        and req["card_name"].startswith("КАРТОЧКА_КЛИЕНТА")
        and req["deal_id"] == deal.pk
    )
    assert Notification.objects.filter(user=people["accountant"], kind="counterparty_request").count() == 1
    # accounting sees every request; another manager sees none of it
    assert [r["id"] for r in accountant.get("counterparty-requests").json()["items"]] == [req["id"]]
    assert api_as(people["other"]).get("counterparty-requests").json()["items"] == []
    assert api_as(people["other"]).get(f"counterparty-requests/{req['id']}").status_code == 404
    card_res = accountant.get(f"counterparty-requests/{req['id']}/card")
    assert card_res.status_code == 200 and b"".join(card_res.streaming_content) == b"PK card"
    # the manager cannot complete it
    denied = manager.post(f"counterparty-requests/{req['id']}/complete", {"company": {"name": "X"}})
    assert denied.status_code == 403 and not Company.objects.exists()
    bad = accountant.post(
        f"counterparty-requests/{req['id']}/complete", {"company": {**ELEXIS, "inn": "7806210728"}}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "inn" and not Company.objects.exists()
    done = accountant.post(f"counterparty-requests/{req['id']}/complete", {"company": ELEXIS})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done"
    company_id = done.json()["company_id"]
    assert Notification.objects.filter(user=people["manager"]).count() == 1
    again = accountant.post(f"counterparty-requests/{req['id']}/complete", {"company_id": company_id})
    assert again.status_code == 409
    taken = manager.post(f"companies/{company_id}/take")
    assert taken.status_code == 200 and taken.json()["responsible_id"] == people["manager"].pk


def test_c4_request_without_card_and_rejection(api_as, people):
    manager, accountant = api_as(people["manager"]), api_as(people["accountant"])
    req = file_request(manager).json()
    assert req["card_name"] is None
    assert manager.post(f"counterparty-requests/{req['id']}/reject", {"answer": "no"}).status_code == 403
    assert accountant.post(f"counterparty-requests/{req['id']}/reject", {"answer": ""}).status_code == 400
    res = accountant.post(f"counterparty-requests/{req['id']}/reject", {"answer": "Пришлите карточку"})
    assert res.status_code == 200 and res.json()["status"] == "rejected"
    mine = manager.get("counterparty-requests", {"status": "rejected"}).json()["items"]
    assert [r["answer"] for r in mine] == ["Пришлите карточку"]


def test_c4_request_with_bad_inn_is_400(api_as, people):
    res = file_request(api_as(people["manager"]), inn="123")
    assert res.status_code == 400 and res.json()["field"] == "inn"
    assert not CounterpartyRequest.objects.exists()


def test_r2_request_on_an_invisible_deal_is_404(api_as, people, f):
    deal = f.make_deal(responsible=people["other"])
    res = file_request(api_as(people["manager"]), deal_id=deal.pk)
    assert res.status_code == 404 and not CounterpartyRequest.objects.exists()


# ---------------------------------------------------------------- search (C3)


def test_c3_search_endpoint_by_name_phone_and_inn(api_as, people, f):
    create_company(api_as, people)
    f.make_company("Элексис Чужой", responsible=people["other"])
    api = api_as(people["manager"])

    def hits(q):
        return [(h["name"], h["match"]) for h in api.get("search/companies", {"q": q}).json()["items"]]

    assert hits("элекс") == [("ЭЛЕКСИС ООО", "name")]  # the other manager's company stays hidden (R2)
    assert hits("325 96 46") == [("ЭЛЕКСИС ООО", "phone")]
    assert hits("780621") == [("ЭЛЕКСИС ООО", "inn")]
    assert hits("") == []
    assert api.get("search/companies", {"q": "x", "limit": 0}).status_code == 400
    everyone = api_as(people["operator"]).get("search/companies", {"q": "элекс"}).json()["items"]
    assert len(everyone) == 2
