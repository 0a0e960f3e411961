"""The managers' proposal pages: the list (R2, constant queries), the deal card's Proposals tab with
"New proposal from this deal", the card's line editor while a Draft, sending and "Create invoice"."""

from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealbook.sales.models import Proposal, ProposalLine, ProposalStatus
from tests.sales.conftest import make_proposal, make_sent, shown_hash


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_list_shows_own_proposals_only_r2_with_constant_queries(w):
    mine = make_sent(w)
    c = as_user(w.manager)
    with CaptureQueriesContext(connection) as few:
        html = c.get(reverse("proposals")).content.decode()
    assert mine.number in html and "ЭЛЕКСИС ООО" in html
    for _ in range(5):
        make_proposal(w)
    with CaptureQueriesContext(connection) as many:
        assert c.get(reverse("proposals")).status_code == 200
    assert len(many) == len(few)
    assert mine.number not in as_user(w.outsider).get(reverse("proposals")).content.decode()
    assert as_user(w.outsider).get(reverse("proposal", args=[mine.pk])).status_code == 404
    filtered = c.get(reverse("proposals"), {"status": "sent"}).content.decode()
    assert filtered.count('class="badge proposal-status') == 1


def test_deal_tab_lists_proposals_and_makes_one_from_the_deal(w):
    c = as_user(w.manager)
    tab = c.get(reverse("deal", args=[w.deal.pk]), {"tab": "proposals"}).content.decode()
    assert "New proposal from this deal" in tab
    r = c.post(reverse("proposal_new_from_deal", args=[w.deal.pk]))
    proposal = Proposal.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("proposal", args=[proposal.pk])
    assert proposal.lines.count() == 2 and proposal.deal == w.deal
    tab = c.get(reverse("deal", args=[w.deal.pk]), {"tab": "proposals"}).content.decode()
    assert proposal.number in tab


def test_card_line_editor_works_in_draft_only(w):
    proposal = make_proposal(w)
    c = as_user(w.manager)
    card = c.get(reverse("proposal", args=[proposal.pk])).content.decode()
    assert 'id="lines"' in card and "Add a product" in card
    r = c.post(
        reverse("proposal_line_add", args=[proposal.pk]),
        {"product": w.ring.pk, "quantity": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and ProposalLine.objects.filter(proposal=proposal).count() == 3
    r = c.post(
        reverse("proposal_line_add", args=[proposal.pk]),
        {"product": "", "quantity": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 400 and 'role="alert"' in r.content.decode()
    line = ProposalLine.objects.filter(proposal=proposal).last()
    r = c.post(
        reverse("proposal_line_update", args=[proposal.pk, line.pk]),
        {"quantity": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    line.refresh_from_db()
    assert line.quantity == 2
    r = c.post(reverse("proposal_line_remove", args=[proposal.pk, line.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and ProposalLine.objects.filter(proposal=proposal).count() == 2
    r = c.post(
        reverse("proposal_edit", args=[proposal.pk]),
        {"title": "КП", "valid_until": "2099-12-31", "comment": "Hi"},
    )
    assert r.status_code == 302
    make_sent_card = c.post(reverse("proposal_send", args=[proposal.pk]), {"to": "roman@example.com"})
    assert make_sent_card.status_code == 302 and mail.outbox[0].to == ["roman@example.com"]
    card = c.get(reverse("proposal", args=[proposal.pk])).content.decode()
    assert "Add a product" not in card and "/p/" in card


def test_send_with_a_bad_address_shows_the_message(w):
    proposal = make_proposal(w)
    r = as_user(w.manager).post(reverse("proposal_send", args=[proposal.pk]), {"to": "not-an-address"})
    assert r.status_code == 400 and "not an e-mail address" in r.content.decode()
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.DRAFT


def test_create_invoice_action_and_signature_on_the_card(w):
    from dealbook.sales import services as svc

    proposal = make_sent(w)
    svc.proposal_accept(
        token=proposal.public_token,
        signer_name="Роман Сидоров",
        consent=True,
        document_sha256=shown_hash(proposal),
        ip="203.0.113.7",
        user_agent="UA",
    )
    c = as_user(w.manager)
    card = c.get(reverse("proposal", args=[proposal.pk])).content.decode()
    proposal.refresh_from_db()
    assert "Роман Сидоров" in card and proposal.signature.document_sha256 in card
    assert proposal.invoice.number in card and "Create invoice" not in card
    signed = c.get(reverse("proposal_signed_pdf", args=[proposal.pk]))
    assert signed.status_code == 200
    other = make_sent(w)
    r = c.post(reverse("proposal_to_invoice", args=[other.pk]))
    assert r.status_code == 302
    other.refresh_from_db()
    assert other.invoice is not None
    r = c.post(reverse("proposal_to_invoice", args=[other.pk]))
    assert r.status_code == 409


def test_manager_pdf_download(w):
    proposal = make_proposal(w)
    r = as_user(w.manager).get(reverse("proposal_pdf", args=[proposal.pk]), {"lang": "en"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_manager_records_the_clients_decline_on_the_card(w):
    proposal = make_sent(w)
    c = as_user(w.manager)
    assert "Client declined" in c.get(reverse("proposal", args=[proposal.pk])).content.decode()
    r = c.post(reverse("proposal_decline", args=[proposal.pk]), {"reason": ""})
    assert r.status_code == 400 and Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SENT
    r = c.post(reverse("proposal_decline", args=[proposal.pk]), {"reason": "Дорого"})
    assert r.status_code == 302 and Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.DECLINED


def test_product_search_box_refills_the_select_instead_of_replacing_it(w):
    """P1 (step 30): the card's catalog search sits in the add-line form, which swaps itself whole
    (hx-swap outerHTML on #lines); the box must fill its <select> (innerHTML), or typing a name
    replaces the product select with bare <option>s."""
    import re

    proposal = make_proposal(w)
    card = as_user(w.manager).get(reverse("proposal", args=[proposal.pk])).content.decode()
    boxes = re.findall(r"<input[^>]*hx-get=\"[^\"]*options/[^>]*>", card)
    assert len(boxes) == 1 and 'hx-target="#line-product"' in boxes[0]
    assert 'hx-swap="innerHTML"' in boxes[0]


def _timeline_items(html: str) -> list[str]:
    """The deal timeline's entries, each as its text without tags (newest first)."""
    import re

    events = html.split('id="timeline-events"', 1)[1].split("</ul>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in events.split("<li>")[1:]]


def test_deal_timeline_names_the_proposal_its_signer_and_the_invoice(w):
    """T4/Q2/Q3 (steps 45–48): the deal's timeline says which proposal was sent, viewed and signed
    (by whom) and which invoice it became — not only "Proposal signed"."""
    from dealbook.sales import services as svc
    from tests.sales.conftest import shown_hash

    proposal = make_sent(w)
    svc.proposal_public_open(token=proposal.public_token)
    svc.proposal_accept(
        token=proposal.public_token,
        signer_name="Роман Петрович Сидоров",
        consent=True,
        document_sha256=shown_hash(proposal),
    )
    proposal.refresh_from_db()
    invoice = proposal.invoice
    html = as_user(w.manager).get(reverse("deal", args=[w.deal.pk])).content.decode()
    items = _timeline_items(html)
    signed = next(i for i in items if "Proposal signed" in i)
    assert proposal.number in signed and "signed by Роман Петрович Сидоров" in signed
    assert invoice.number in signed
    assert f'href="{reverse("proposal", args=[proposal.pk])}"' in html
    assert f'href="{reverse("invoice", args=[invoice.pk])}"' in html
    for kind in ("Proposal sent", "Proposal viewed"):
        assert proposal.number in next(i for i in items if kind in i)
    sent = next(i for i in items if "Proposal sent" in i)
    assert "sl-cc@ya.ru" in sent
    created = [i for i in items if "· Created ·" in i]
    assert any(f"Invoice {invoice.number}" in i for i in created)
    assert any(f"Proposal {proposal.number}" in i for i in created)
    assert not any(i.rstrip().endswith("·") for i in created)  # no empty "pipeline · stage" line
