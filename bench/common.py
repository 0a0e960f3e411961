"""Shared plumbing of the benchmark scripts: database set-up, bulk COPY, index rebuilds, timing.

The generators write rows straight into the tables (no services): they fill a database for
measuring reads, so they bypass validation on purpose and say so wherever it matters.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dealbook_bench"
# The bench password of every generated user; the databases are local and disposable.
BENCH_PASSWORD = "bench-pass-1"
COPY_BATCH = 50_000


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str, *, reset: bool) -> None:
    """Create the bench database (dropping it first when `reset`); only dealbook_bench* names."""
    import psycopg

    name = db_name(url)
    if not name.startswith("dealbook_bench"):
        raise SystemExit(f"refusing to manage database '{name}': bench databases are named dealbook_bench*")
    admin_url = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str, data_dir: str | None = None) -> None:
    """Point Django at the bench database; must run before anything imports models."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEALBOOK_DATA_DIR", data_dir or f"/tmp/dealbook_bench_data/{db_name(url)}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealbook.settings")
    Path(os.environ["DEALBOOK_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


class Phases:
    """Wall-clock time and row counts per phase, printed as a small table."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.rows: list[tuple[str, int, float]] = []

    @contextmanager
    def phase(self, name: str, rows: int = 0):
        t0 = time.perf_counter()
        box = {"rows": rows}
        yield box
        elapsed = time.perf_counter() - t0
        self.rows.append((name, box["rows"], elapsed))
        rate = f"{box['rows'] / elapsed:>12,.0f} rows/s" if box["rows"] and elapsed > 0 else ""
        print(f"  {name:<34} {box['rows']:>10,} rows {elapsed:8.2f} s {rate}", flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def total_rows(self) -> int:
        return sum(r for _, r, _ in self.rows)


class BulkWriter:
    """Writes rows of a model's table: COPY on PostgreSQL, batched INSERT elsewhere (tests on SQLite).

    `columns` are attnames (`stage_id`); every other concrete field gets its default, so a field a
    later migration adds with a default does not break the generators.
    """

    def __init__(self, connection=None) -> None:
        from django.db import connection as default_connection

        self.connection = connection or default_connection
        self.is_postgres = self.connection.vendor == "postgresql"

    def _fill(self, model, columns: list[str]) -> tuple[list[str], tuple]:
        now = datetime.now(UTC)
        extra_cols, extra_vals = [], []
        for field in model._meta.concrete_fields:
            if field.attname in columns or getattr(field, "generated", False):
                continue
            if field.primary_key:  # not given: the database's identity column numbers the rows
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            elif field.empty_strings_allowed:
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{field.name}: no value and no default")
            extra_cols.append(field.column)
            extra_vals.append(value)
        db_columns = [model._meta.get_field(c).column if c != "id" else "id" for c in columns]
        return db_columns + extra_cols, tuple(extra_vals)

    def copy(self, model, columns: list[str], rows: Iterable[tuple]) -> int:
        db_columns, extra = self._fill(model, columns)
        table = model._meta.db_table
        if self.is_postgres:
            return self._copy_pg(table, db_columns, extra, rows)
        return self._insert(model, db_columns, extra, rows)

    def _copy_pg(self, table: str, db_columns: list[str], extra: tuple, rows: Iterable[tuple]) -> int:
        self.connection.ensure_connection()
        raw = self.connection.connection
        cols = ", ".join(f'"{c}"' for c in db_columns)
        n = 0
        with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            if extra:
                for row in rows:
                    copy.write_row(row + extra)
                    n += 1
            else:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        return n

    def _insert(self, model, db_columns: list[str], extra: tuple, rows: Iterable[tuple]) -> int:
        by_column = {f.column: f for f in model._meta.concrete_fields}
        fields = [by_column[c] for c in db_columns]
        table = self.connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(self.connection.ops.quote_name(c) for c in db_columns)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(db_columns))})"
        n, batch = 0, []
        with self.connection.cursor() as cur:
            for row in rows:
                values = row + extra
                batch.append(
                    [f.get_db_prep_save(v, self.connection) for f, v in zip(fields, values, strict=True)]
                )
                if len(batch) >= 5000:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
                n += len(batch)
        return n

    def next_id(self, model) -> int:
        from django.db.models import Max

        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def reset_sequences(self, models: list) -> None:
        from django.core.management.color import no_style

        sql = self.connection.ops.sequence_reset_sql(no_style(), models)
        with self.connection.cursor() as cur:
            for statement in sql:
                cur.execute(statement)

    # --- PostgreSQL only: secondary indexes and foreign keys are rebuilt after the load ---------

    def drop_secondary(self, models: list) -> list[str]:
        """Drop plain indexes and FK constraints of the tables; return the SQL that recreates them.

        Primary keys and unique constraints stay (they guard the data while it loads). The
        recreated objects carry the same names and definitions, so Django's migration state
        still matches the database.
        """
        if not self.is_postgres:
            return []
        restore_indexes, restore_fks = [], []
        with self.connection.cursor() as cur:
            for model in models:
                table = model._meta.db_table
                cur.execute(
                    """SELECT i.indexname, i.indexdef FROM pg_indexes i
                       JOIN pg_class c ON c.relname = i.indexname
                       JOIN pg_index x ON x.indexrelid = c.oid
                       WHERE i.schemaname = current_schema() AND i.tablename = %s
                         AND NOT x.indisunique AND NOT x.indisprimary
                         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)""",
                    [table],
                )
                for name, definition in cur.fetchall():
                    cur.execute(f'DROP INDEX "{name}"')
                    restore_indexes.append(definition)
                cur.execute(
                    """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE conrelid = %s::regclass AND contype = 'f'""",
                    [table],
                )
                for name, definition in cur.fetchall():
                    cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                    restore_fks.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        return restore_indexes + restore_fks

    def restore_secondary(self, statements: list[str]) -> None:
        if not statements:
            return
        with self.connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute("SET max_parallel_maintenance_workers = 2")
            for statement in statements:
                cur.execute(statement)
            cur.execute("RESET maintenance_work_mem")
            cur.execute("RESET max_parallel_maintenance_workers")

    def vacuum_analyze(self, models: list) -> None:
        """Set hint bits and the visibility map (as autovacuum would) and refresh the statistics."""
        with self.connection.cursor() as cur:
            if self.is_postgres and not self.connection.in_atomic_block:
                for model in models:
                    cur.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
            else:  # inside a test's transaction VACUUM is not allowed
                cur.execute("ANALYZE")


def chunked(iterable: Iterable, size: int = COPY_BATCH):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
