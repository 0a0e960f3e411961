"""/api/v1/proposals: list with filters, cursor pages and a constant query count; create from a
deal or blank; patch and lines only in Draft (409); send; to-invoice (Q3 by hand); PDF; R2 404."""

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dealbook.sales.models import Proposal
from tests.sales.conftest import make_proposal, make_sent, snapshot


def test_create_from_deal_send_and_invoice_by_hand(w, api_as):
    api = api_as(w.manager)
    r = api.post("proposals", {"deal_id": w.deal.pk, "valid_until": "2099-01-31"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["total"], body["client_name"]) == ("draft", "4000.00", "ЭЛЕКСИС ООО")
    assert [x["total"] for x in body["lines"]] == ["2100.00", "1900.00"]
    pid = body["id"]
    r = api.post(f"proposals/{pid}/send", {})
    assert r.status_code == 200 and r.json()["status"] == "sent"
    assert r.json()["public_url"].endswith(f"/p/{Proposal.objects.get(pk=pid).public_token}/")
    assert len(mail.outbox) == 1
    r = api.post(f"proposals/{pid}/to-invoice", {})
    assert r.status_code == 200 and r.json()["invoice_id"]
    r = api.post(f"proposals/{pid}/to-invoice", {})
    assert r.status_code == 409 and r.json()["code"] == "proposal_invoiced"
    pdf = api.get(f"proposals/{pid}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_blank_create_and_line_editing_in_draft(w, api_as):
    api = api_as(w.manager)
    r = api.post(
        "proposals",
        {
            "payer_company_id": w.buyer.pk,
            "tax_date": "2018-05-12",
            "lines": [{"product": w.ring.pk, "quantity": "3"}],
        },
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    r = api.post(f"proposals/{pid}/lines", {"product": w.block.pk, "quantity": "2"})
    assert r.status_code == 201
    line_id = r.json()["id"]
    r = api.patch(f"proposals/{pid}/lines/{line_id}", {"quantity": "1"})
    assert r.status_code == 200 and r.json()["total"] == "950.00"
    assert api.delete(f"proposals/{pid}/lines/{line_id}").status_code == 204
    r = api.patch(f"proposals/{pid}", {"title": "КП кольца"})
    assert r.status_code == 200 and r.json()["total"] == "2100.00" and r.json()["title"] == "КП кольца"


def test_q1_edits_after_sending_are_409_and_change_nothing(w, api_as):
    proposal = make_sent(w)
    api = api_as(w.manager)
    before = snapshot()
    r = api.patch(f"proposals/{proposal.pk}", {"title": "x"})
    assert r.status_code == 409 and r.json()["code"] == "proposal_locked"
    r = api.post(f"proposals/{proposal.pk}/lines", {"product": w.ring.pk, "quantity": "1"})
    assert r.status_code == 409
    assert snapshot() == before


def test_bad_input_is_400_with_the_field(w, api_as):
    api = api_as(w.manager)
    r = api.post(
        "proposals", {"payer_company_id": w.buyer.pk, "lines": [{"product": 10**12, "quantity": "1"}]}
    )
    assert r.status_code == 400 and r.json()["field"] == "product"
    r = api.post("proposals", {"deal_id": w.deal.pk, "valid_until": "2000-01-01"})
    assert r.status_code == 400 and r.json()["field"] == "valid_until"
    r = api.get("proposals", {"status": "bogus"})
    assert r.status_code == 400 and r.json()["field"] == "status"
    assert not Proposal.objects.exists()


def test_r2_another_manager_gets_404(w, api_as):
    proposal = make_proposal(w)
    api = api_as(w.outsider)
    assert api.get(f"proposals/{proposal.pk}").status_code == 404
    assert api.post(f"proposals/{proposal.pk}/send", {}).status_code == 404
    assert api.get("proposals").json()["items"] == []
    assert api_as(w.director).get(f"proposals/{proposal.pk}").status_code == 200


def test_list_filters_pages_and_keeps_a_constant_query_count(w, api_as):
    for _ in range(3):
        make_proposal(w)
    sent = make_sent(w)
    api = api_as(w.manager)
    assert [x["id"] for x in api.get("proposals", {"status": "sent"}).json()["items"]] == [sent.pk]
    assert len(api.get("proposals", {"deal_id": w.deal.pk}).json()["items"]) == 4
    first = api.get("proposals", {"limit": 3}).json()
    second = api.get("proposals", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 1 and second["next_cursor"] is None
    with CaptureQueriesContext(connection) as few:
        assert api.get("proposals").status_code == 200
    for _ in range(6):
        make_sent(w)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("proposals").json()["items"]) == 10
    assert len(many) == len(few)


def test_q2_signing_is_not_in_the_token_api(w, api_as):
    """The public page is the one place a client signs; the token API has no accept endpoint."""
    proposal = make_sent(w)
    r = api_as(w.manager).post(f"proposals/{proposal.pk}/accept", {"signer_name": "X", "consent": True})
    assert r.status_code in (404, 405)


def test_q1_manager_records_a_decline_with_a_reason(w, api_as):
    proposal = make_sent(w)
    api = api_as(w.manager)
    before = snapshot()
    r = api.post(f"proposals/{proposal.pk}/decline", {"reason": ""})
    assert r.status_code == 400 and r.json()["field"] == "reason"
    assert snapshot() == before
    r = api.post(f"proposals/{proposal.pk}/decline", {"reason": "Позвонил: дорого"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    assert r.json()["decline_reason"] == "Позвонил: дорого"
    r = api.post(f"proposals/{proposal.pk}/decline", {"reason": "again"})
    assert r.status_code == 409
    assert api_as(w.outsider).post(f"proposals/{proposal.pk}/decline", {"reason": "x"}).status_code == 404
