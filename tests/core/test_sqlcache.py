"""core.sqlcache: a shape is compiled once and rerun with each call's integers; shapes whose
integers do not come out as parameters of their own are refused (the caller uses the ORM)."""

from decimal import Decimal

import pytest

from dealbook.core.sqlcache import ShapeCache, sentinels
from dealbook.crm.models import Deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(f):
    f.russia()
    pipeline = f.make_pipeline()
    return [
        f.make_deal(pipeline=pipeline, is_shared=i % 2 == 0, amount=Decimal("10.05") * (i + 1))
        for i in range(4)
    ]


def by_pk(args):
    return Deal.objects.filter(pk=args["pk"], is_shared=True).values(
        "id", "amount", "is_shared", "created_at"
    )


def test_a_shape_reruns_with_new_integers_and_keeps_constants_and_converters(deals):
    cache = ShapeCache()
    shared = [d for d in deals if d.is_shared]
    for deal in shared:
        rows = cache.rows("one", by_pk, {"pk": deal.pk})
        assert repr(rows) == repr(list(by_pk({"pk": deal.pk})))  # same types, same time zone object
        assert type(rows[0]["amount"]) is Decimal and rows[0]["is_shared"] is True
        assert rows[0]["created_at"].tzinfo is not None
    private = next(d for d in deals if not d.is_shared)
    assert cache.rows("one", by_pk, {"pk": private.pk}) == []  # is_shared=True stayed a constant
    assert len(cache._plans) == 1


def test_argument_names_are_part_of_the_shape(deals):
    cache = ShapeCache()
    cache.rows("k", lambda a: Deal.objects.filter(pk=a["pk"]).values("id"), {"pk": deals[0].pk})
    rows = cache.rows(
        "k", lambda a: Deal.objects.filter(pipeline_id=a["p"]).values("id"), {"p": deals[0].pipeline_id}
    )
    assert {r["id"] for r in rows} == {d.pk for d in deals}


@pytest.mark.parametrize(
    "build",
    [
        # inlined into the SQL text
        lambda a: Deal.objects.extra(where=[f"crm_deal.id <> {a['pk']}"]).values("id"),
        # turned into a string parameter
        lambda a: Deal.objects.filter(title=a["pk"]).values("id"),
        # inside a LIKE pattern
        lambda a: Deal.objects.filter(title__startswith=a["pk"]).values("id"),
        # not a values() query
        lambda a: Deal.objects.filter(pk=a["pk"]),
    ],
    ids=["inlined", "string", "pattern", "models"],
)
def test_shapes_whose_integers_are_not_plain_parameters_are_refused(deals, build):
    cache = ShapeCache()
    assert cache.rows("bad", build, {"pk": deals[0].pk}) is None
    assert cache.rows("bad", build, {"pk": deals[0].pk}) is None  # the refusal is remembered


def test_a_full_cache_stops_inserting_but_still_answers(deals):
    cache = ShapeCache(maxsize=1)
    for i, deal in enumerate(deals):
        rows = cache.rows(("pk", i), lambda a: Deal.objects.filter(pk=a["pk"]).values("id"), {"pk": deal.pk})
        assert rows == [{"id": deal.pk}]
    assert len(cache._plans) == 1


def test_sentinels_are_distinct_valid_ids_none_inside_another():
    values = sentinels([f"n{i}" for i in range(20)])
    texts = [str(v) for v in values.values()]
    assert len(set(texts)) == 20 and all(0 < v < 2**63 for v in values.values())
    assert not any(a in b for a in texts for b in texts if a != b)


def test_postgresql_plans_a_repeated_statement_once_per_connection(deals):
    """Speed (issue 2, W7): on PostgreSQL parameters are bound by the server and a statement run a
    fifth time on a connection is prepared, so its plan is reused instead of made on every run."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite caches its own statements)")
    cache = ShapeCache()
    for _ in range(7):
        assert len(cache.rows("prepared", by_pk, {"pk": deals[0].pk})) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        runs = {sql: n for sql, n in cursor.fetchall()}
    plan = cache.plan(("prepared", ("pk",)), by_pk, ("pk",))
    statement = next(
        (s for s in runs if s.startswith(plan.sql.split(" WHERE ")[0].replace("%s", "$1"))), None
    )
    assert statement is not None, runs
    assert runs[statement] >= 2  # prepared at the fifth run, reused by the sixth and seventh


def _state(deal):
    """What a deal instance holds: its fields, its joined rows' fields, its annotation."""
    related = {
        name: {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} if obj else None
        for name, obj in sorted(deal._state.fields_cache.items())
    }
    fields = {f.attname: getattr(deal, f.attname) for f in Deal._meta.concrete_fields}
    return repr((fields, related, getattr(deal, "twice", None), deal._state.adding, deal._state.db))


def test_objects_are_the_instances_the_orm_makes_with_joined_rows_and_annotations(deals, f):
    """Model instances through a compiled shape equal the ORM's: every field with its type, the
    select_related rows (a missing company as None), annotations; saved like any loaded row."""
    from django.db.models import F

    deals[0].company = f.make_company("ООО Ромашка")
    deals[0].save()

    def build(a):
        return (
            Deal.objects.select_related("company", "stage__pipeline")
            .annotate(twice=F("amount") * 2)
            .filter(pipeline_id=a["pipeline"])
            .order_by("pk")
        )

    cache = ShapeCache()
    for _ in range(2):  # compiled, then reused
        got = cache.objects("deals", build, {"pipeline": deals[0].pipeline_id})
        assert [_state(d) for d in got] == [_state(d) for d in build({"pipeline": deals[0].pipeline_id})]
    assert got[0].company.name == "ООО Ромашка" and got[1].company is None
    assert got[0].stage.pipeline.pk == deals[0].pipeline_id
    assert len(cache._plans) == 1
    got[0].title = "renamed"
    got[0].save(update_fields=["title"])
    assert Deal.objects.get(pk=got[0].pk).title == "renamed"


def test_objects_take_string_arguments_as_parameters(deals):
    """A string argument (a public link's token) is substituted like an integer."""
    deals[1].title = "x" * 30
    deals[1].save()
    cache = ShapeCache()

    def build(a):
        return Deal.objects.filter(title=a["title"])[:1]

    assert cache.one("by-title", build, {"title": "x" * 30}).pk == deals[1].pk
    assert cache.one("by-title", build, {"title": "y" * 30}) is None
    assert cache.one("by-title", build, {"title": deals[2].title}).pk == deals[2].pk


@pytest.mark.django_db(transaction=True)
def test_a_locking_shape_refuses_to_run_outside_a_transaction(deals):
    """select_for_update outside a transaction is an error through the cache too, as in Django."""
    from django.db import transaction
    from django.db.transaction import TransactionManagementError

    cache = ShapeCache()

    def build(a):
        return Deal.objects.select_for_update().filter(pk=a["pk"])[:1]

    with transaction.atomic():
        assert cache.one("lock", build, {"pk": deals[0].pk}).pk == deals[0].pk
    assert transaction.get_autocommit()
    with pytest.raises(TransactionManagementError):
        cache.one("lock", build, {"pk": deals[0].pk})


def test_object_shapes_that_cannot_be_compiled_fall_back_to_the_orm(deals):
    """Values, prefetches and a transformed argument are not compiled; the ORM answers instead."""
    cache = ShapeCache()
    prefetching = cache.objects(
        "prefetch",
        lambda a: Deal.objects.prefetch_related("contacts").filter(pk=a["pk"]),
        {"pk": deals[0].pk},
    )
    assert [d.pk for d in prefetching] == [deals[0].pk]
    pattern = cache.objects(
        "pattern", lambda a: Deal.objects.filter(title__startswith=a["t"]), {"t": deals[0].title[:5]}
    )
    assert {d.pk for d in pattern} == {d.pk for d in deals if d.title.startswith(deals[0].title[:5])}
    assert all(plan is not None and not hasattr(plan, "sql") for plan in cache._plans.values())


def test_a_stand_in_outside_a_columns_range_falls_back_to_the_orm(db):
    """A 32-bit column compares with a 64-bit stand-in as "nothing matches" (Django's empty
    result): the shape is refused and the ORM answers with the real value."""
    from dealbook.core.models import Sequence

    row = Sequence.objects.create(scope="s", doc_type="invoice", year=2026, last=7)
    cache = ShapeCache()
    for _ in range(2):
        found = cache.one("year", lambda a: Sequence.objects.filter(year=a["year"])[:1], {"year": 2026})
        assert found is not None and found.pk == row.pk and found.last == 7


def test_insert_many_stores_what_bulk_create_stores_and_sets_the_keys(deals, f):
    """Timeline rows through the compiled INSERT: the same columns as Django's bulk_create
    (auto_now_add time, JSON data, UUID group), primary keys set in order."""
    import uuid

    from django.contrib.contenttypes.models import ContentType

    from dealbook.core.models import Event
    from dealbook.core.sqlcache import insert_many

    kind = ContentType.objects.get_for_model(Deal)
    group = uuid.uuid4()

    def rows(n):
        return [
            Event(
                subject_type=kind, subject_id=d.pk, kind="updated", data={"n": n, "sum": "10.05"}, group=group
            )
            for d in deals[:2]
        ]

    ours, django = insert_many(rows(1)), Event.objects.bulk_create(rows(2))
    assert all(e.pk and not e._state.adding for e in ours) and ours[0].pk < ours[1].pk
    stored = {e.pk: e for e in Event.objects.filter(pk__in=[e.pk for e in ours + django])}
    for mine, theirs in zip(ours, django, strict=True):
        a, b = stored[mine.pk], stored[theirs.pk]
        assert (a.subject_id, a.kind, a.group, a.data["sum"], a.data["n"]) == (
            b.subject_id,
            b.kind,
            b.group,
            "10.05",
            1,
        )
        assert a.created_at is not None and a.created_at.tzinfo is not None


def test_writes_take_the_orm_path_when_save_signals_listen(deals):
    """A model with pre_save/post_save receivers is saved by Django, so the receivers run."""
    from django.db.models.signals import post_save

    from dealbook.core.sqlcache import save_columns

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_save.connect(receiver, sender=Deal)
    try:
        deals[0].title = "through the ORM"
        save_columns(deals[0], ["title"])
    finally:
        post_save.disconnect(receiver, sender=Deal)
    assert seen == [deals[0].pk] and Deal.objects.get(pk=deals[0].pk).title == "through the ORM"
    deals[1].title = "compiled"
    save_columns(deals[1], ["title"])
    assert seen == [deals[0].pk] and Deal.objects.get(pk=deals[1].pk).title == "compiled"
