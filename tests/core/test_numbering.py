"""I1 numbering sequences: next_number hands out 1, 2, 3 … per (scope, document type, year);
release_number gives back only the last number issued, so the sequence never has a gap or a
duplicate."""

import pytest
from django.db import transaction

from dealbook.core.models import Sequence
from dealbook.core.numbering import next_number, release_number

pytestmark = pytest.mark.django_db
KEY = {"scope": "seller:1", "doc_type": "invoice", "year": 2026}


def _take(n: int) -> list[int]:
    with transaction.atomic():
        return [next_number(**KEY) for _ in range(n)]


def test_i1_releasing_the_last_number_lets_the_next_document_reuse_it():
    assert _take(3) == [1, 2, 3]
    with transaction.atomic():
        assert release_number(**KEY, value=3) is True
    assert Sequence.objects.get(**KEY).last == 2
    assert _take(1) == [3]


def test_i1_an_older_number_is_not_released_and_nothing_changes():
    _take(3)
    with transaction.atomic():
        assert release_number(**KEY, value=2) is False
        assert release_number(**KEY, value=4) is False
        assert release_number(**KEY, value=0) is False
    assert Sequence.objects.get(**KEY).last == 3
    assert _take(1) == [4]  # no duplicate of 2 later


def test_i1_release_is_per_scope_type_and_year():
    _take(2)
    with transaction.atomic():
        assert release_number(**{**KEY, "year": 2025}, value=2) is False
        assert release_number(**{**KEY, "doc_type": "upd"}, value=2) is False
        assert release_number(**{**KEY, "scope": "seller:2"}, value=2) is False
    assert Sequence.objects.get(**KEY).last == 2


@pytest.mark.django_db(transaction=True)
def test_i1_release_needs_the_documents_transaction():
    """Like next_number: the number goes back together with the document's deletion, or not at all."""
    _take(1)
    with pytest.raises(RuntimeError):
        release_number(**KEY, value=1)
    assert Sequence.objects.get(**KEY).last == 1
