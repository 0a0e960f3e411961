"""Cursor pagination: malformed or out-of-range cursors are a 400 naming the field, never a 500."""

import pytest

from dealbook.api.pagination import decode_cursor, encode_cursor
from dealbook.core.errors import InvalidInput


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor(5, 42)) == (5, 42)


@pytest.mark.parametrize("cursor", ["not-base64!!", encode_cursor(1, 2**70), encode_cursor(1, -1), "W10"])
def test_bad_cursor_is_refused_with_field(cursor):
    with pytest.raises(InvalidInput) as err:
        decode_cursor(cursor)
    assert err.value.field == "cursor"


@pytest.mark.django_db
def test_api_list_with_huge_cursor_id_is_400(f, api_as):
    user = f.make_user("director")
    resp = api_as(user).get("products", {"cursor": encode_cursor("x", 2**70)})
    assert resp.status_code == 400
    assert resp.json()["field"] == "cursor"
