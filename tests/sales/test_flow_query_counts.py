"""Speed (issue 4): the document flow the bench measures — a proposal with 2 lines, sent, opened
and e-signed by the client, its invoice (Q3) with supplier and carrier confirmed (I4), issued (I5)
and paid in full (I6) — with a fixed bound on the SQL queries of each step, so a repeated load or
a per-line query shows up here. The bounds leave some room over today's counts (in the comments,
on SQLite; PostgreSQL runs the same statements)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dealbook.sales.models import Proposal

# step → the most queries it may take; today's count (SQLite, in a test: the first number of the
# year creates its sequence row, the API token's use is written) and what they are
BOUNDS = {
    "create": 21,  # 17: token, seller, payer, tax profile, number, insert, products, rate, lines, totals, event, lines
    "send": 12,  # 9: token, lookup, lock, lines exist, e-mail template, print data, save, event, lines
    "open": 6,  # 4: lock, save, event, lines
    "accept": 24,  # 20: lock, signature, manager, tax profile, invoice (number, products, rate, lines, totals, event)
    "get": 3,  # 2: the proposal, its lines
    "parties": 9,  # 7: token, lookup, supplier, carrier, lock, save, event, lines
    "issue": 9,  # 7: token, lookup, lock, lines exist, seller settings, save, event, lines
    "pay": 13,  # 10: token, lookup, lock, payment, allocation, amounts, event, status, event, UPD check, lines
}
SHA = re.compile(r'name="document_sha256" value="([0-9a-f]{64})"')
TX = re.compile(r"(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b")


class Steps:
    def __init__(self):
        self.counts: dict[str, int] = {}
        self.sql: dict[str, list[str]] = {}

    def run(self, name: str, call):
        with CaptureQueriesContext(connection) as ctx:
            result = call()
        # transaction control is not a query of the step's own
        self.sql[name] = [q["sql"] for q in ctx.captured_queries if not TX.match(q["sql"])]
        self.counts[name] = len(self.sql[name])
        return result


@pytest.fixture
def flow(w, api_as):
    """The bench's flow (bench/bench_flow.py) through the API and the public page; the step counts."""
    api, client, steps = api_as(w.manager), Client(REMOTE_ADDR="198.51.100.7"), Steps()
    lines = [{"product": w.ring.pk, "quantity": "3"}, {"product": w.block.pk, "quantity": "2"}]
    body = {"seller_id": w.own.pk, "payer_company_id": w.buyer.pk, "lines": lines}
    created = steps.run("create", lambda: api.post("proposals", body))
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    sent = steps.run("send", lambda: api.post(f"proposals/{pid}/send", {"to": ["client@example.com"]}))
    page_path = "/p/" + Proposal.objects.get(pk=pid).public_token + "/"
    assert sent.status_code == 200, sent.content
    page = steps.run("open", lambda: client.get(page_path))
    form = {"signer_name": "Иванов Иван Иванович", "consent": "on"}
    form["document_sha256"] = SHA.search(page.content.decode()).group(1)
    accepted = steps.run("accept", lambda: client.post(f"{page_path}accept/", form))
    assert accepted.status_code == 302
    invoice_id = steps.run("get", lambda: api.get(f"proposals/{pid}")).json()["invoice_id"]
    parties = {"supplier": w.own.pk, "carrier": w.own.pk, "confirmed": True}
    assert (
        steps.run("parties", lambda: api.post(f"invoices/{invoice_id}/parties", parties)).status_code == 200
    )
    issued = steps.run("issue", lambda: api.post(f"invoices/{invoice_id}/send"))
    assert issued.status_code == 200, issued.content
    paid = steps.run(
        "pay", lambda: api.post(f"invoices/{invoice_id}/pay", {"amount": issued.json()["total"]})
    )
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.content
    return steps


@pytest.mark.parametrize("step", list(BOUNDS))
def test_each_step_of_the_document_flow_keeps_its_query_bound(flow, step):
    queries = "\n".join(sql[:160] for sql in flow.sql[step])
    assert flow.counts[step] <= BOUNDS[step], f"{step}: {flow.counts[step]} queries:\n{queries}"


def test_the_whole_flow_stays_under_the_sum_of_its_bounds(flow):
    assert sum(flow.counts.values()) <= sum(BOUNDS.values()), flow.counts
