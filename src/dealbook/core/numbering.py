"""Gapless, unique numbers per (scope, document type, year) under concurrency (I1).

The sequence row is locked with SELECT ... FOR UPDATE inside the caller's transaction, so the
number and the document are committed together or not at all: no gaps, no duplicates. Never max()+1.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from dealbook.core.models import Sequence
from dealbook.core.sqlcache import ShapeCache

PLANS = ShapeCache()


def _lock(scope: str, doc_type: str, year: int) -> Sequence | None:
    """The sequence row, locked (compiled once per year: every document's number starts here; a
    year is a small integer column, which a stand-in would overflow)."""

    def build(a):
        return Sequence.objects.select_for_update().filter(
            scope=a["scope"], doc_type=a["doc_type"], year=year
        )[:1]

    return PLANS.one(("sequence", year), build, {"scope": scope, "doc_type": doc_type})


def next_number(*, scope: str, doc_type: str, year: int) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the document's transaction")
    seq = _lock(scope, doc_type, year)
    if seq is None:
        try:
            with transaction.atomic():
                Sequence.objects.create(scope=scope, doc_type=doc_type, year=year, last=0)
        except IntegrityError:
            pass  # a concurrent creator made it first; lock theirs
        seq = Sequence.objects.select_for_update().get(scope=scope, doc_type=doc_type, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last


def release_number(*, scope: str, doc_type: str, year: int, value: int) -> bool:
    """Give back `value` when it is the last number issued, so the next document reuses it and the
    sequence stays gapless (I1, I9: deleting the latest draft). The row is locked as in
    next_number; any other value is not released (False) — the caller refuses the deletion."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("release_number must run inside the document's transaction")
    seq = _lock(scope, doc_type, year)
    if seq is None or seq.last != value or value < 1:
        return False
    seq.last -= 1
    seq.save(update_fields=["last"])
    return True


def format_number(pattern: str, *, year: int, seq: int, prefix: str = "") -> str:
    """Render a number pattern such as "{year} / {seq}" (the seed's "2018 / 943")."""
    return pattern.format(year=year, seq=seq, prefix=prefix)
