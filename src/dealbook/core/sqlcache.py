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

`rows()` gives dicts of a values() queryset; `objects()` gives model instances of a model
queryset, with its select_related rows attached and its annotations set, as Django's ModelIterable
makes them (a queryset with prefetches or known related objects is refused). Arguments may also be
strings (a public token): a string stand-in must come out as a parameter of its own too. A plan
that locks rows (select_for_update) refuses to run outside a transaction, as Django does.

The cache is per process; entries are immutable once inserted (gthread workers share them), a
full cache stops inserting rather than evicting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.transaction import TransactionManagementError

# 19-digit values of equal length: none is a substring of another, all fit a 64-bit key
_SENTINEL_BASE = 8_716_253_904_000_000_000
_SENTINEL_STEP = 1_000_003


_STRING_SENTINEL = "dealbook-stand-in-{}-8716253904"


def sentinels(names, strings=()) -> dict[str, int | str]:
    """A distinct stand-in per argument name: an integer, or a string for the names in `strings`."""
    return {
        name: _STRING_SENTINEL.format(i) if name in strings else _SENTINEL_BASE + (i + 1) * _SENTINEL_STEP
        for i, name in enumerate(sorted(names))
    }


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
        connection, rows, converters = _fetch(self, args)
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


def _fetch(plan, args: Mapping[str, int | str]) -> tuple:
    """Run a plan with the call's arguments: (connection, rows, converters or None)."""
    params = [args[value] if is_arg else value for is_arg, value in plan.params]
    connection = connections[plan.alias]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _fast_timestamptz(cursor, connection)
        cursor.execute(plan.sql, params)
        rows = cursor.fetchall()
    return connection, rows, _converters(plan.columns, connection) if plan.converts else None


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


def _map_params(sql: str, params, stand_ins: Mapping[str, int | str]) -> tuple | None:
    """(is_argument, name or constant) per placeholder; None when a stand-in is inlined into the SQL
    text or reaches a parameter transformed (inside a string, a list, an expression)."""
    by_value = {(type(value), value): name for name, value in stand_ins.items()}
    texts = [str(value) for value in stand_ins.values()]
    if any(text in sql for text in texts):
        return None  # inlined into the SQL text: not a parameter
    mapped = []
    for param in params:
        name = by_value.get((type(param), param)) if type(param) in (int, str) else None
        if name is not None:
            mapped.append((True, name))
        elif any(text in str(param) for text in texts):
            return None  # transformed (string, list, expression): cannot substitute safely
        else:
            mapped.append((False, param))
    return tuple(mapped)


def compile_plan(qs: QuerySet, stand_ins: Mapping[str, int | str]) -> Plan | None:
    """Compile a values() queryset built with `stand_ins` as its arguments; None when a stand-in
    does not come out as a parameter of its own."""
    if not issubclass(qs._iterable_class, ValuesIterable):
        return None
    query = qs.query
    compiler = query.get_compiler(qs.db)
    sql, params = compiler.as_sql()
    if compiler.has_composite_fields([s[0] for s in compiler.select[: compiler.col_count]]):
        return None
    plan_params = _map_params(sql, params, stand_ins)
    if plan_params is None:
        return None
    if query.selected:
        names = tuple(query.selected)
    else:
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
    columns = tuple(s[0] for s in compiler.select[: compiler.col_count])
    if len(columns) != len(names):
        return None
    converts = bool(_converters(columns, compiler.connection))
    return Plan(qs.db, sql, plan_params, names, columns, converts)


@dataclass(frozen=True)
class ObjectPlan:
    """One compiled shape of a model queryset: SQL, parameters, and what ModelIterable needs to
    make the instances (the model's columns, select_related populators, annotation positions)."""

    alias: str
    sql: str
    params: tuple
    columns: tuple
    converts: bool
    col_count: int
    model: type
    init_list: tuple[str, ...]
    fields_start: int
    fields_end: int
    populators: tuple
    annotations: tuple  # (attribute, column position)
    locks: bool

    def execute(self, args: Mapping[str, int | str]) -> list:
        if self.locks and connections[self.alias].get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        connection, rows, converters = _fetch(self, args)
        out = []
        model, alias, init_list = self.model, self.alias, list(self.init_list)
        start, end, count = self.fields_start, self.fields_end, self.col_count
        for values in rows:
            values = list(values[:count])
            if converters:
                for pos, funcs, expression in converters:
                    value = values[pos]
                    for func in funcs:
                        value = func(value, expression, connection)
                    values[pos] = value
            obj = model.from_db(alias, init_list, values[start:end])
            for populator in self.populators:
                populator.populate(values, obj)
            for name, pos in self.annotations:
                setattr(obj, name, values[pos])
            out.append(obj)
        return out


def compile_object_plan(qs: QuerySet, stand_ins: Mapping[str, int | str]) -> ObjectPlan | None:
    """Compile a model queryset built with `stand_ins`; None when it is not a plain model queryset
    (values, prefetches, known related objects, deferred loading by Django's own rules) or a
    stand-in does not come out as a parameter of its own."""
    if qs._iterable_class is not ModelIterable or qs._prefetch_related_lookups or qs._known_related_objects:
        return None
    compiler = qs.query.get_compiler(qs.db)
    sql, params = compiler.as_sql()
    plan_params = _map_params(sql, params, stand_ins)
    if plan_params is None:
        return None
    select, klass_info = compiler.select, compiler.klass_info
    if klass_info is None:
        return None
    columns = tuple(s[0] for s in select[: compiler.col_count])
    if compiler.has_composite_fields(list(columns)):
        return None
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return ObjectPlan(
        alias=qs.db,
        sql=sql,
        params=plan_params,
        columns=columns,
        converts=bool(_converters(columns, compiler.connection)),
        col_count=compiler.col_count,
        model=klass_info["model"],
        init_list=tuple(f[0].target.attname for f in select[start:end]),
        fields_start=start,
        fields_end=end,
        populators=tuple(get_related_populators(klass_info, select, qs.db)),
        annotations=tuple((compiler.annotation_col_map or {}).items()),
        locks=bool(qs.query.select_for_update),
    )


_REFUSED = object()


class ShapeCache:
    """Per-process cache shape key -> Plan or ObjectPlan (or a refusal), at most `maxsize` shapes."""

    def __init__(self, maxsize: int = 512):
        self.maxsize = maxsize
        self._plans: dict[Hashable, object] = {}

    def plan(
        self,
        key: Hashable,
        build: Callable[[Mapping[str, int | str]], QuerySet],
        names,
        using: str = "default",
        *,
        strings=(),
        compile=compile_plan,
    ):
        """The plan of this shape on that database, compiling `build(stand-ins)` the first time."""
        key = (using, connections[using].vendor, compile.__name__, key)
        found = self._plans.get(key)
        if found is None:
            stand_ins = sentinels(names, strings)
            qs = build(stand_ins)
            try:
                found = (qs.db == using and compile(qs, stand_ins)) or _REFUSED
            except (EmptyResultSet, FullResultSet):  # a stand-in outside a column's range, say
                found = _REFUSED
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

    def objects(
        self,
        key: Hashable,
        build: Callable[[Mapping[str, int | str]], QuerySet],
        args: Mapping[str, int | str],
        *,
        using: str = "default",
    ) -> list:
        """Model instances of `build(args)` through the shape's compiled SQL; a refused shape
        evaluates `build(args)` through the ORM. Arguments are integers or strings."""
        strings = tuple(sorted(name for name, value in args.items() if type(value) is str))
        if any(type(value) not in (int, str) for value in args.values()):
            return list(build(args))
        shape = (key, tuple(sorted(args)), strings)
        plan = self.plan(shape, build, tuple(args), using, strings=strings, compile=compile_object_plan)
        if plan is None:
            return list(build(args))
        return plan.execute(args)

    def one(self, key: Hashable, build, args: Mapping[str, int | str], *, using: str = "default"):
        """The only (or first) instance of `build(args)`, which orders and slices itself, or None."""
        found = self.objects(key, build, args, using=using)
        return found[0] if found else None

    def clear(self) -> None:
        self._plans = {}


# --- writes -----------------------------------------------------------------------------------
#
# Django compiles an INSERT or UPDATE on every save: for a status change that costs more than the
# statement itself. The two helpers below keep the SQL text per (table, columns, rows) and prepare
# each value exactly as Django's insert and update compilers do (the field's pre_save, then
# get_db_prep_save). They take the ORM's path whenever that is not the whole story: a model with
# save signals, a field with its own placeholder, a value that is an expression.

_WRITES: dict[Hashable, str] = {}


def _plain(fields, values) -> bool:
    return not any(hasattr(f, "get_placeholder") for f in fields) and not any(
        hasattr(v, "resolve_expression") for v in values
    )


def _has_signals(model) -> bool:
    from django.db.models import signals

    return signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model)


def save_columns(obj, names: list[str]) -> None:
    """obj.save(update_fields=names), through SQL compiled once per table and column list."""
    model = type(obj)
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    alias = obj._state.db or "default"
    connection = connections[alias]
    raw = [f.pre_save(obj, False) for f in fields]
    if _has_signals(model) or obj.pk is None or not _plain(fields, raw):
        obj.save(update_fields=names)
        return
    values = [f.get_db_prep_save(v, connection=connection) for f, v in zip(fields, raw, strict=True)]
    key = ("update", alias, meta.db_table, tuple(f.column for f in fields))
    sql = _WRITES.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        table = quote(meta.db_table)
        sql = f"UPDATE {table} SET {sets} WHERE {table}.{quote(meta.pk.column)} = %s"
        _WRITES[key] = sql
    with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
        cursor.execute(sql, [*values, meta.pk.get_db_prep_value(obj.pk, connection)])
        if cursor.rowcount != 1:
            from django.db import DatabaseError

            raise DatabaseError("Save with update_fields did not affect any rows.")


def insert_many(objs: list, using: str = "default") -> list:
    """Model.objects.bulk_create(objs) for new rows of one model with an auto primary key, through
    SQL compiled once per table and row count; the rows get their primary keys as with Django."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    connection = connections[using]
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    raw = [[f.pre_save(obj, True) for f in fields] for obj in objs]
    if (
        _has_signals(model)
        or not connection.features.can_return_rows_from_bulk_insert
        or any(obj.pk is not None for obj in objs)
        or not all(_plain(fields, row) for row in raw)
    ):
        return model.objects.using(using).bulk_create(objs)
    params = []
    for row in raw:
        params.extend(f.get_db_prep_save(v, connection=connection) for f, v in zip(fields, row, strict=True))
    key = ("insert", using, meta.db_table, len(objs))
    sql = _WRITES.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        rows = connection.ops.bulk_insert_sql(fields, [["%s"] * len(fields)] * len(objs))
        returning, _ = connection.ops.return_insert_columns([meta.pk])
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) {rows} {returning}"
        _WRITES[key] = sql
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using
    return objs
