"""Text search that behaves the same on PostgreSQL and SQLite, for every app's search box."""

from __future__ import annotations

from django.db.models import F, Lookup


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sqlite_casefold(value):
    return value.casefold() if isinstance(value, str) else value


class UContains(Lookup):
    """Case-insensitive substring match that is Unicode-aware on both databases.

    PostgreSQL: `col ILIKE '%frag%'` (no ::text cast, so the trigram index on the column applies).
    SQLite: its LOWER/LIKE fold ASCII only, so a Python case fold is registered on the connection.
    """

    lookup_name = "ucontains"

    def __init__(self, lhs, rhs):
        # the fragment is kept as plain text: it becomes a LIKE pattern or a folded needle below
        self.text = str(getattr(rhs, "value", rhs))
        super().__init__(lhs, self.text)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        text = self.text
        if connection.vendor == "postgresql":
            return f"{lhs} ILIKE %s", [*lhs_params, f"%{_like_escape(text)}%"]
        if connection.vendor == "sqlite":
            # sqlite3.Connection takes no attributes or weak references to remember this by, and
            # registering is a few microseconds: do it on every compile
            connection.ensure_connection()
            connection.connection.create_function(
                "dealbook_casefold", 1, _sqlite_casefold, deterministic=True
            )
            return f"instr(dealbook_casefold({lhs}), %s) > 0", [*lhs_params, text.casefold()]
        return f"UPPER({lhs}) LIKE UPPER(%s)", [*lhs_params, f"%{_like_escape(text)}%"]


def ucontains(field: str, text: str) -> UContains:
    """A filter expression: `field` contains `text`, case-insensitively in any script."""
    return UContains(F(field), text)
