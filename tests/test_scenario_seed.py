"""The seed's worked example (seed 002, SPEC "Demo scenario") through the API, from lead 33082 to
"price announced": L1, L2, L3, D1–D5, T1, C4, C5, P1–P4 in one flow, as an operator, a sales manager
and an accountant would do it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from dealbook.accounts.models import Notification, Role
from dealbook.catalog.setup import tax_profile_russia
from dealbook.crm.setup import pipeline_create_default, sources_create_default
from dealbook.demo import inn_with_check

SEED_COMMENT = (
    "КС-10-1 кольцо колодезное стеновое 2 шт, КС-10-1,5 кольцо колодезное стеновое 3 шт, "
    "ФБС 9-6-6 1 шт, ФБС 12-5-3 шт"
)


@pytest.fixture
def world(f):
    group = f.make_group("Отдел продаж ЖБИ")
    tax_profile_russia()
    sources_create_default("ru")
    return {
        "zhbi": pipeline_create_default(name="ЖБИ", language="ru", is_default=True),
        "operator": f.make_user(Role.OPERATOR, username="operator"),
        "manager": f.make_user(Role.SALES_MANAGER, group=group, username="grakun", first_name="Екатерина"),
        "accountant": f.make_user(Role.ACCOUNTANT, username="accountant"),
        "ring": f.make_product("Кольцо стеновое КС 10-3", price="700.00", unit_name="шт"),
        "block": f.make_product("фундаментный блок ФБС 9-5-3т", price="950.00", unit_name="шт"),
    }


def _stage_codes(timeline):
    return [(e["data"]["from_code"], e["data"]["to_code"]) for e in timeline if e["kind"] == "stage_changed"]


def _from_lead_33082_to_price_announced(world, api_as) -> dict:
    """Steps 1–42 through the API with their checks; the ids the rest of the scenario needs."""
    operator, manager = api_as(world["operator"]), api_as(world["manager"])
    accountant = api_as(world["accountant"])

    # Step 1 (L1): an incoming call becomes a lead that keeps its source.
    r = operator.post(
        "leads",
        {
            "title": "Входящий звонок/тест_клиент",
            "source": "call",
            "channel": "call",
            "phone": "+7 921 848-53-83",
            "comment": SEED_COMMENT,
        },
    )
    assert r.status_code == 201, r.content
    lead_id = r.json()["id"]

    # L3: the same phone written the other way is found before anything is created.
    r = operator.post("duplicates/check", {"phones": ["8 (921) 8485383"]})
    assert r.status_code == 200
    assert [m["id"] for m in r.json()["phone"]] == [lead_id]

    # Steps 2–3 (L2): the operator converts the lead into deal + contact in one action.
    r = operator.post(
        f"leads/{lead_id}/convert",
        {
            "mode": "deal_contact",
            "pipeline_id": world["zhbi"].pk,
            "deal_title": "01/12.05 КС, ФБС тест",
            "first_name": "Роман",
            "position": "прораб",
            "source": "referral",
            "delivery_address": "Синявино",
            "tax_date": "2018-05-12",
        },
    )
    assert r.status_code == 200, r.content
    deal_id, contact_id = r.json()["deal_id"], r.json()["contact_id"]
    assert r.json()["lead"]["status"] == "converted"
    deal = operator.get(f"deals/{deal_id}").json()
    assert deal["stage_code"] == "new" and deal["delivery_address"] == "Синявино"
    assert deal["comment"] == SEED_COMMENT
    assert [c["contact_id"] for c in deal["contacts"]] == [contact_id]
    # converting twice is refused
    assert operator.post(f"leads/{lead_id}/convert", {"mode": "deal"}).status_code == 409

    # The sales manager cannot see the deal before it is theirs (R2) ...
    assert manager.get(f"deals/{deal_id}").status_code == 404
    # ... step 4 (D3): the operator assigns it; the stage moves and the manager is told.
    r = operator.post(f"deals/{deal_id}/assign", {"responsible_id": world["manager"].pk})
    assert r.status_code == 200, r.content
    assert r.json()["stage_code"] == "assigned"
    assert Notification.objects.filter(user=world["manager"]).exists()

    # T1: the manager has the intake task, due within 10 minutes.
    tasks = manager.get("tasks", {"deal_id": deal_id}).json()["items"]
    intake = [t for t in tasks if t["kind"] == "intake"]
    assert len(intake) == 1 and intake[0]["responsible_id"] == world["manager"].pk
    deadline = dt.datetime.fromisoformat(intake[0]["deadline"])
    assert deadline - timezone.now() <= dt.timedelta(minutes=10)
    assert manager.post(f"tasks/{intake[0]['id']}/complete", {}).status_code == 200

    # Steps 24–26: negotiation, with a comment in the timeline (T4).
    assert manager.post(f"deals/{deal_id}/move", {"stage": "negotiation"}).status_code == 200
    r = manager.post(f"deals/{deal_id}/comments", {"text": "Созвонилась с клиентом, продукция нужна 15.05."})
    assert r.status_code == 201

    # Steps 27–34 (P1–P4): lines from the catalog with the product's unit; VAT 18 % on the 2018 date.
    for product, qty in ((world["ring"], "3"), (world["block"], "2")):
        r = manager.post(f"deals/{deal_id}/lines", {"product_id": product.pk, "quantity": qty})
        assert r.status_code == 201, r.content
    deal = manager.get(f"deals/{deal_id}").json()
    assert Decimal(deal["amount"]) == Decimal("4000.00")
    assert Decimal(deal["tax_amount"]) == Decimal("610.17")
    assert deal["tax_warning"] is None
    assert manager.post(f"deals/{deal_id}/move", {"stage": "price_announced"}).status_code == 200

    # Steps 36–39 (C4, C5): the manager cannot create the company; accounting does; the manager takes it.
    company = {
        "name": "ЭЛЕКСИС ООО",
        "inn": inn_with_check("781000001"),
        "director_name": "Иванов И. И.",
        "emails": ["elecsys@list.ru"],
    }
    r = manager.post("companies", company)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = accountant.post("companies", company)
    assert r.status_code == 201, r.content
    company_id = r.json()["id"]
    assert manager.post(f"companies/{company_id}/take", {}).status_code == 200
    r = manager.post(
        "contacts",
        {"first_name": "Иван", "last_name": "Иванов", "position": "директор", "company_id": company_id},
    )
    assert r.status_code == 201, r.content
    director_id = r.json()["id"]
    assert manager.patch(f"deals/{deal_id}", {"company_id": company_id}).status_code == 200
    assert manager.post(f"deals/{deal_id}/contacts", {"contact_id": director_id}).status_code == 201

    deal = manager.get(f"deals/{deal_id}").json()
    assert deal["company_name"] == "ЭЛЕКСИС ООО" and deal["stage_code"] == "price_announced"
    assert {c["contact_id"] for c in deal["contacts"]} == {contact_id, director_id}
    assert [c["contact_id"] for c in deal["contacts"] if c["is_primary"]] == [contact_id]

    # D2: the whole path is on the deal's timeline with from → to.
    timeline = manager.get(f"deals/{deal_id}/timeline", {"limit": 200}).json()["items"]
    assert _stage_codes(reversed(timeline)) == [
        ("new", "assigned"),
        ("assigned", "negotiation"),
        ("negotiation", "price_announced"),
    ]
    kinds = {e["kind"] for e in timeline}
    assert {"converted", "responsible_changed", "comment", "line_added"} <= kinds
    return {"deal_id": deal_id, "company_id": company_id, "contact_id": contact_id}


@pytest.mark.django_db
def test_seed_scenario_from_lead_33082_to_price_announced(world, api_as):
    ids = _from_lead_33082_to_price_announced(world, api_as)
    assert api_as(world["manager"]).get(f"deals/{ids['deal_id']}").json()["stage_code"] == "price_announced"


@pytest.mark.django_db
def test_seed_scenario_same_lines_at_22_percent(world, api_as):
    """P3: the same lines on a 2026 deal take the VAT rate in force then (22 %): 4 000.00, VAT 721.31."""
    manager = api_as(world["manager"])
    r = manager.post(
        "deals",
        {"title": "01/12.05 КС, ФБС тест (2026)", "pipeline_id": world["zhbi"].pk, "tax_date": "2026-05-12"},
    )
    assert r.status_code == 201, r.content
    deal_id = r.json()["id"]
    for product, qty in ((world["ring"], "3"), (world["block"], "2")):
        assert (
            manager.post(f"deals/{deal_id}/lines", {"product_id": product.pk, "quantity": qty}).status_code
            == 201
        )
    deal = manager.get(f"deals/{deal_id}").json()
    assert (Decimal(deal["amount"]), Decimal(deal["tax_amount"])) == (Decimal("4000.00"), Decimal("721.31"))


def _refused(r, code: str) -> dict:
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["code"] == code, body
    return body


@pytest.mark.django_db
def test_seed_scenario_from_price_announced_through_invoice_payment_and_upd_to_won(world, api_as):
    """Seed 002 steps 43–60 through the API, as the manager and the accountant do it: I1 number,
    I2 payer company → bank transfer, I3 locked after New, I4 actual parties confirmed before Sent
    and locked by the UPD, I5/I8 e-mailed → Sent, I6 only an exact payment → Paid, I7 the deal
    follows, X1/X3 UPD received signed → Paid and shipped, D7 Won refused with what is missing until
    then, D8 the won deal is closed."""
    ids = _from_lead_33082_to_price_announced(world, api_as)
    manager, accountant = api_as(world["manager"]), api_as(world["accountant"])
    deal_id, buyer_id = ids["deal_id"], ids["company_id"]

    # C4: our legal entity and the carrier are counterparties too — accounting creates them.
    r = accountant.post(
        "companies",
        {
            "name": 'ООО "ВЕСТ ГРУПП"',
            "is_own": True,
            "inn": "7806210729",
            "kpp": "780601001",
            "kind": "supplier",
        },
    )
    assert r.status_code == 201, r.content
    own_id = r.json()["id"]
    r = accountant.post(
        "companies", {"name": "ТрансЛогистик ООО", "kind": "carrier", "inn": inn_with_check("781000002")}
    )
    assert r.status_code == 201, r.content
    carrier_id = r.json()["id"]

    # Steps 43–50: the invoice from the deal, New; supplier and carrier not yet known → ВЕСТ ГРУПП.
    r = manager.post("invoices", {"deal": deal_id, "seller": own_id, "supplier": own_id, "carrier": own_id})
    assert r.status_code == 201, r.content
    invoice = r.json()
    invoice_id = invoice["id"]
    assert invoice["status"] == "new" and invoice["deal_id"] == deal_id
    # I2: the deal's company pays → bank transfer (step 40)
    assert (invoice["payer_company_id"], invoice["payment_form"]) == (buyer_id, "bank_transfer")
    # I1: "{year} / {seq}" (the seed's "2018 / 943"), the seller's first of the year
    year = dt.date.fromisoformat(invoice["date"]).year
    assert invoice["number"] == f"{year} / 1"
    # Step 49 (P4): the deal's lines and the 18 % VAT of the deal's date
    assert [(line["name"], Decimal(line["quantity"])) for line in invoice["lines"]] == [
        ("Кольцо стеновое КС 10-3", Decimal("3")),
        ("фундаментный блок ФБС 9-5-3т", Decimal("2")),
    ]
    assert (Decimal(invoice["total"]), Decimal(invoice["tax"])) == (Decimal("4000.00"), Decimal("610.17"))
    # Steps 52–53: on the deal's timeline and its Invoices tab
    tab = manager.get(f"deals/{deal_id}/invoices").json()
    assert [i["id"] for i in tab["items"]] == [invoice_id] and Decimal(tab["paid_total"]) == 0
    deal_events = manager.get(f"deals/{deal_id}/timeline", {"limit": 200}).json()["items"]
    assert any(e["kind"] == "created" and e["data"].get("invoice_id") == invoice_id for e in deal_events)

    # D7 (rule 60): nothing paid yet — Won is refused, naming the invoice and what it lacks.
    body = _refused(manager.post(f"deals/{deal_id}/move", {"stage": "won"}), "deal_not_shipped")
    assert invoice["number"] in body["detail"] and "not paid" in body["detail"]

    # I4 (steps 46–47): before Sent the actual parties must be confirmed; nothing is sent.
    body = _refused(manager.post(f"invoices/{invoice_id}/email", {}), "parties_not_confirmed")
    assert mail.outbox == [] and manager.get(f"invoices/{invoice_id}").json()["status"] == "new"
    r = manager.post(f"invoices/{invoice_id}/parties", {"carrier": carrier_id, "confirmed": True})
    assert r.status_code == 200, r.content
    assert (r.json()["carrier_name"], r.json()["parties_confirmed"]) == ("ТрансЛогистик ООО", True)

    # Steps 51, 54–55 (I8, I5, I7): e-mailed with the PDF → Sent; the deal → "Invoice issued".
    r = manager.post(f"invoices/{invoice_id}/email", {})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "sent"
    [message] = mail.outbox
    assert message.to == ["elecsys@list.ru"] and invoice["number"] in message.subject
    [(filename, pdf, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and pdf.startswith(b"%PDF") and str(year) in filename
    assert manager.get(f"deals/{deal_id}").json()["stage_code"] == "invoice_issued"

    # I3 (step 50): a sent invoice is not edited.
    _refused(manager.patch(f"invoices/{invoice_id}", {"title": "исправленный"}), "invoice_locked")

    # Step 57 (I6): a payment that does not cover the total exactly is refused and records nothing.
    body = _refused(
        accountant.post(f"invoices/{invoice_id}/pay", {"amount": "3999.99", "reference": "п/п 118"}),
        "payment_mismatch",
    )
    assert "0.01" in body["detail"]
    _refused(accountant.post(f"invoices/{invoice_id}/pay", {"amount": "4000.01"}), "payment_over_covers")
    assert accountant.get("payments", {"invoice": invoice_id}).json()["items"] == []
    assert manager.get(f"invoices/{invoice_id}").json()["status"] == "sent"
    # ... the exact amount → Paid; the deal follows to "Invoice paid" although accounting does not
    # move deals by hand (I7: on the deal's behalf, the event names the accountant).
    r = accountant.post(
        f"invoices/{invoice_id}/pay", {"amount": "4000.00", "date": "2026-05-14", "reference": "п/п 118"}
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], Decimal(r.json()["paid_amount"])) == ("paid", Decimal("4000.00"))
    assert manager.get(f"deals/{deal_id}").json()["stage_code"] == "invoice_paid"
    assert Decimal(manager.get(f"deals/{deal_id}/invoices").json()["paid_total"]) == Decimal("4000.00")

    # D7: paid, but not shipped — Won still refused, saying the UPD is missing.
    body = _refused(manager.post(f"deals/{deal_id}/move", {"stage": "won"}), "deal_not_shipped")
    assert invoice["number"] in body["detail"] and "UPD" in body["detail"]

    # Step 58: shipment agreed.
    assert manager.post(f"deals/{deal_id}/move", {"stage": "shipment"}).status_code == 200

    # X1: the UPD from the invoice with its lines; requesting it locks supplier and carrier (I4).
    r = manager.post(f"invoices/{invoice_id}/closing-documents", {"kind": "upd", "upd_status": 1})
    assert r.status_code == 201, r.content
    upd = r.json()
    assert (upd["status"], len(upd["lines"]), Decimal(upd["total"])) == ("issued", 2, Decimal("4000.00"))
    _refused(manager.post(f"invoices/{invoice_id}/parties", {"carrier": own_id}), "parties_locked")
    # X3: the invoice list shows the closing document exists, not yet received
    [row] = manager.get("invoices", {"deal": deal_id}).json()["items"]
    assert (row["has_closing_document"], row["closing_received"]) == (True, False)
    body = _refused(manager.post(f"deals/{deal_id}/move", {"stage": "won"}), "deal_not_shipped")
    assert "UPD" in body["detail"]

    # Step 59: the signed UPD is back → the invoice is Paid and shipped.
    r = manager.post(f"closing-documents/{upd['id']}/receive")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "received_signed"
    row = manager.get(f"invoices/{invoice_id}").json()
    assert (row["status"], row["closing_received"]) == ("paid_shipped", True)

    # Step 60 (D7): now the deal is won — and closed (D8): its lines no longer change.
    r = manager.post(f"deals/{deal_id}/move", {"stage": "won"})
    assert r.status_code == 200, r.content
    assert r.json()["stage_code"] == "won"
    r = manager.post(f"deals/{deal_id}/lines", {"product_id": world["ring"].pk, "quantity": "1"})
    assert r.status_code == 409, r.content

    # D2, I7, T4: the deal's timeline tells the whole way, with who moved it.
    timeline = manager.get(f"deals/{deal_id}/timeline", {"limit": 200}).json()["items"]
    assert _stage_codes(reversed(timeline))[-5:] == [
        ("negotiation", "price_announced"),
        ("price_announced", "invoice_issued"),
        ("invoice_issued", "invoice_paid"),
        ("invoice_paid", "shipment"),
        ("shipment", "won"),
    ]
    [paid_move] = [
        e for e in timeline if e["kind"] == "stage_changed" and e["data"]["to_code"] == "invoice_paid"
    ]
    assert paid_move["actor_id"] == world["accountant"].pk
    kinds = {e["kind"] for e in timeline}
    assert {"email_sent", "payment_recorded", "closing_document_issued", "closing_document_received"} <= kinds
