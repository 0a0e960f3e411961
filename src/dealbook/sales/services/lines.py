"""Proposal lines (P1–P6) priced by catalog.pricing and core.tax exactly as invoice lines are, and
the totals they make (P4); edited only while the proposal is a Draft (Q1)."""

from __future__ import annotations

from django.db import transaction

from dealbook.catalog import lines as priced
from dealbook.core.models import EventKind
from dealbook.sales.models import Proposal, ProposalLine
from dealbook.sales.services.common import lock_proposal, record, refuse_unless_draft

# Building, copying, changing and summing lines is catalog.lines' (shared with invoices).
EDITABLE = priced.EDITABLE
COPIED = priced.COPIED
amounts_of = priced.amounts_of


def build_line(proposal: Proposal, **spec) -> ProposalLine:
    """An unsaved line of a catalog product with its amounts (P1–P6), as invoice lines are built;
    see catalog.lines.build_line."""
    return priced.build_line(ProposalLine, proposal, owner="proposal", **spec)


def copy_line(proposal: Proposal, source) -> ProposalLine:
    """A deal's line as it was priced (rate and amounts included): the proposal shows what was agreed."""
    return priced.copy_line(ProposalLine, proposal, source, owner="proposal")


def recalculate(proposal: Proposal, lines: list[ProposalLine] | None = None) -> None:
    """P4: the proposal's totals are the sums of its lines' own rounded amounts (`lines`: all of
    them, just written, else read)."""
    priced.recalculate(proposal, ProposalLine.objects.filter(proposal=proposal) if lines is None else lines)


@transaction.atomic
def proposal_line_add(
    *, actor, proposal: Proposal, product, quantity, unit=None, price=None, discount_kind="", discount_value=0
) -> ProposalLine:
    """Q1 only in Draft; P1–P6; the totals follow (P4)."""
    locked = lock_proposal(actor, proposal)
    refuse_unless_draft(locked)
    line = build_line(
        locked,
        product=product,
        quantity=quantity,
        unit=unit,
        price=price,
        discount_kind=discount_kind,
        discount_value=discount_value,
    )
    line.sort = priced.next_sort(ProposalLine.objects.filter(proposal=locked))
    line.save()
    recalculate(locked)
    record(
        locked,
        EventKind.LINE_ADDED,
        actor=actor,
        data={**priced.line_data(line), "proposal_total": locked.total},
    )
    return line


def _locked_line(actor, proposal, line) -> tuple[Proposal, ProposalLine]:
    locked = lock_proposal(actor, proposal)
    fresh = priced.find_line(ProposalLine, locked, line, owner="proposal")
    refuse_unless_draft(locked)
    return locked, fresh


@transaction.atomic
def proposal_line_update(*, actor, proposal: Proposal, line, **fields) -> ProposalLine:
    """Q1 only in Draft: quantity, unit, price and discount of a line; totals follow; R3 from/to."""
    priced.refuse_unknown(fields)
    locked, fresh = _locked_line(actor, proposal, line)
    changes = priced.change_line(fresh, fields, currency=locked.currency)
    fresh.save()
    recalculate(locked)
    if changes:
        record(
            locked, EventKind.LINE_CHANGED, actor=actor, data={**priced.line_data(fresh), "changes": changes}
        )
    return fresh


@transaction.atomic
def proposal_line_remove(*, actor, proposal: Proposal, line) -> None:
    """Q1 only in Draft; the totals follow."""
    locked, fresh = _locked_line(actor, proposal, line)
    data = priced.line_data(fresh)
    fresh.delete()
    recalculate(locked)
    record(locked, EventKind.LINE_REMOVED, actor=actor, data={**data, "proposal_total": locked.total})
