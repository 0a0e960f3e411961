"""Compiled SQL reused per query shape, for hot read paths whose parameters are all integers.

Building and compiling an ORM query (filters, joined values(), ordering, as_sql) costs more CPU
than running it on an index. A `ShapeCache` compiles a query once per *shape* — whatever decides
the SQL text: the caller's key (which filters are present, ordering, page size, …) and the
database alias — from the very queryset builder the ORM path uses, with distinct sentinel
integers standing in for the integer arguments (ids, the user's pk, a cursor's pk). Each
compiled parameter is mapped back to its argument name, or kept as a constant; the next request
of that shape only substitutes its own integers and executes the SQL, applying the same
converters Django would (SQLite needs them for Decimal, datetime and bool).

A shape is refused, and `rows()` returns None so the caller takes the ORM path, when a sentinel
is inlined into the SQL text or reaches a parameter in any other form than itself (a string, a
list). Builders must not branch on the arguments' values (only on what the key holds), must not
read the database (a value read while compiling would be frozen into the plan) and must compile
without side effects on the connection (core.search's SQLite function, for one).

The cache is per process; entries are immutable once inserted (gthread workers share them), a
full cache stops inserting rather than evicting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable

# 19-digit values of equal length: none is a substring of another, all fit a 64-bit key
_SENTINEL_BASE = 8_716_253_904_000_000_000
_SENTINEL_STEP = 1_000_003


def sentinels(names) -> dict[str, int]:
    """A distinct stand-in integer per argument name."""
    return {name: _SENTINEL_BASE + (i + 1) * _SENTINEL_STEP for i, name in enumerate(sorted(names))}


@dataclass(frozen=True)
class Plan:
    """One compiled shape: SQL, where each parameter comes from, the row names and columns."""

    alias: str
    sql: str
    params: tuple  # (is_argument, argument name or constant value) per placeholder
    names: tuple[str, ...]
    columns: tuple  # select expressions, for the database converters
    converts: bool  # whether any column has converters on this database (none on PostgreSQL here)

    def execute(self, args: Mapping[str, int], row=dict) -> list:
        params = [args[value] if is_arg else value for is_arg, value in self.params]
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _fast_timestamptz(cursor, connection)
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        converters = _converters(self.columns, connection) if self.converts else None
        names = self.names
        if not converters:
            return [row(zip(names, values, strict=True)) for values in rows]
        out = []
        for values in rows:
            values = list(values)
            for pos, funcs, expression in converters:
                value = values[pos]
                for func in funcs:
                    value = func(value, expression, connection)
                values[pos] = value
            out.append(row(zip(names, values, strict=True)))
        return out


def _fast_timestamptz(cursor, connection) -> None:
    """Read timestamptz with psycopg's own (C) loader on this cursor where it gives exactly what
    Django's does. Django's loader subclasses the pure-Python one (Django ticket #36960) and costs
    ~5 µs per value; it parses the session's time, then replaces the zone with the connection's.
    With the session in UTC and Django's zone UTC, psycopg's loader already returns that value."""
    import psycopg
    from psycopg.pq import Format

    if connection.timezone is not dt.UTC or connection.connection.info.parameter_status("TimeZone") != "UTC":
        return
    oid = psycopg.postgres.types["timestamptz"].oid
    cursor.cursor.adapters.register_loader(oid, psycopg.adapters.get_loader(oid, Format.TEXT))


def _converters(columns, connection) -> list:
    """Django's per-column converters for this connection (what SQLCompiler.get_converters finds;
    recomputed per execution because backend converters are bound to a connection, one per thread)."""
    found = []
    for pos, expression in enumerate(columns):
        if expression is None:
            continue
        funcs = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if funcs:
            found.append((pos, funcs, expression))
    return found


def compile_plan(qs: QuerySet, stand_ins: Mapping[str, int]) -> Plan | None:
    """Compile a values() queryset built with `stand_ins` as its integer arguments; None when a
    stand-in does not come out as a parameter of its own."""
    if not issubclass(qs._iterable_class, ValuesIterable):
        return None
    query = qs.query
    compiler = query.get_compiler(qs.db)
    sql, params = compiler.as_sql()
    if compiler.has_composite_fields([s[0] for s in compiler.select[: compiler.col_count]]):
        return None
    by_value = {value: name for name, value in stand_ins.items()}
    texts = [str(value) for value in stand_ins.values()]
    if any(text in sql for text in texts):
        return None  # inlined into the SQL text: not a parameter
    plan_params = []
    for param in params:
        if type(param) is int and param in by_value:
            plan_params.append((True, by_value[param]))
        elif any(text in str(param) for text in texts):
            return None  # transformed (string, list, expression): cannot substitute safely
        else:
            plan_params.append((False, param))
    if query.selected:
        names = tuple(query.selected)
    else:
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
    columns = tuple(s[0] for s in compiler.select[: compiler.col_count])
    if len(columns) != len(names):
        return None
    converts = bool(_converters(columns, compiler.connection))
    return Plan(qs.db, sql, tuple(plan_params), names, columns, converts)


_REFUSED = object()


class ShapeCache:
    """Per-process cache shape key -> Plan (or a refusal), at most `maxsize` shapes."""

    def __init__(self, maxsize: int = 512):
        self.maxsize = maxsize
        self._plans: dict[Hashable, object] = {}

    def plan(
        self, key: Hashable, build: Callable[[Mapping[str, int]], QuerySet], names, using: str = "default"
    ) -> Plan | None:
        """The plan of this shape on that database, compiling `build(stand-ins)` the first time."""
        key = (using, connections[using].vendor, key)
        found = self._plans.get(key)
        if found is None:
            stand_ins = sentinels(names)
            qs = build(stand_ins)
            found = (qs.db == using and compile_plan(qs, stand_ins)) or _REFUSED
            if len(self._plans) < self.maxsize:
                self._plans[key] = found
        return None if found is _REFUSED else found

    def rows(
        self,
        key: Hashable,
        build: Callable[[Mapping[str, int]], QuerySet],
        args: Mapping[str, int],
        *,
        row=dict,
        using: str = "default",
    ) -> list | None:
        """Rows of `build(args)` through the shape's compiled SQL, each made by `row(pairs)`; None
        when the shape is refused (the caller then evaluates `build(args)` itself)."""
        plan = self.plan((key, tuple(sorted(args))), build, tuple(args), using)
        if plan is None:
            return None
        return plan.execute(args, row)

    def clear(self) -> None:
        self._plans = {}
