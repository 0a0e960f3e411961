"""D1: pipelines and their stages are data an administrator configures."""

import pytest

from dealbook.accounts.models import Role
from dealbook.core.errors import Forbidden, InvalidInput
from dealbook.crm.models import Pipeline, Stage
from dealbook.crm.services.pipelines import pipeline_create, stage_add, stage_rename, stage_reorder

pytestmark = pytest.mark.django_db

CUSTOM = [
    {"name": "Заявка", "code": "new"},
    {"name": "Расчёт", "code": "calc"},
    {"name": "Успех", "code": "won", "kind": "won"},
    {"name": "Провал", "code": "lost", "kind": "lost"},
]


@pytest.fixture
def admin(f):
    return f.make_user(Role.ADMIN)


def codes(pipeline):
    return list(pipeline.stages.order_by("sort").values_list("code", flat=True))


def test_d1_default_pipeline_reproduces_the_seed_stages(admin):
    pipeline = pipeline_create(actor=admin, name="ЖБИ")
    assert codes(pipeline) == [
        "new",
        "assigned",
        "negotiation",
        "price_announced",
        "invoice_issued",
        "invoice_paid",
        "shipment",
        "won",
        "lost",
    ]
    assert pipeline.stages.get(code="lost").kind == "lost"


def test_d1_pipeline_with_given_stages(admin):
    pipeline = pipeline_create(actor=admin, name="Услуги", stages=CUSTOM)
    assert codes(pipeline) == ["new", "calc", "won", "lost"]


def test_d1_only_administrators_configure_pipelines(f):
    for role in (Role.SALES_MANAGER, Role.DIRECTOR, Role.OPERATOR):
        with pytest.raises(Forbidden):
            pipeline_create(actor=f.make_user(role), name="X")
    assert not Pipeline.objects.exists()


@pytest.mark.parametrize(
    "stages, field",
    [
        ([], "stages"),
        ([{"name": "Won", "kind": "won"}, {"name": "Lost", "kind": "lost"}, {"name": "A"}], "stages"),
        ([{"name": "A"}, {"name": "Lost", "kind": "lost"}], "stages"),
        ([{"name": "A", "code": "a"}, {"name": "B", "code": "a"}], "stages.1.code"),
        ([{"name": ""}], "stages.0.name"),
        ([{"name": "A", "kind": "paused"}], "stages.0.kind"),
        ([{"name": "A", "code": "Bad Code"}], "stages.0.code"),
        ([{"name": "A", "color": "red"}], "stages.0.color"),
    ],
)
def test_d1_invalid_stage_lists_are_refused(admin, stages, field):
    with pytest.raises(InvalidInput) as e:
        pipeline_create(actor=admin, name="Bad", stages=stages)
    assert e.value.field == field
    assert not Pipeline.objects.exists() and not Stage.objects.exists()


def test_d1_duplicate_pipeline_name_is_refused(admin):
    pipeline_create(actor=admin, name="ЖБИ")
    with pytest.raises(InvalidInput) as e:
        pipeline_create(actor=admin, name="ЖБИ")
    assert e.value.field == "name"


def test_d1_added_open_stage_goes_after_the_last_open_stage(admin):
    pipeline = pipeline_create(actor=admin, name="Услуги", stages=CUSTOM)
    stage = stage_add(actor=admin, pipeline=pipeline, name="Монтаж")
    assert stage.code == "stage"  # a Cyrillic name gives no latin slug
    assert stage_add(actor=admin, pipeline=pipeline, name="Delivery check").code == "delivery_check"
    assert stage_add(actor=admin, pipeline=pipeline, name="Сборка").code == "stage_2"
    assert codes(pipeline) == ["new", "calc", "stage", "delivery_check", "stage_2", "won", "lost"]
    with pytest.raises(InvalidInput) as e:
        stage_add(actor=admin, pipeline=pipeline, name="Again", code="calc")
    assert e.value.field == "code"


def test_d1_reorder_needs_every_stage_once_and_an_open_first(admin):
    pipeline = pipeline_create(actor=admin, name="Услуги", stages=CUSTOM)
    ids = {s.code: s.pk for s in pipeline.stages.all()}
    stage_reorder(
        actor=admin, pipeline=pipeline, stage_ids=[ids["calc"], ids["new"], ids["won"], ids["lost"]]
    )
    assert codes(pipeline) == ["calc", "new", "won", "lost"]
    for bad in (
        [ids["new"], ids["calc"]],
        [ids["won"], ids["new"], ids["calc"], ids["lost"]],
        [ids["new"]] * 4,
    ):
        with pytest.raises(InvalidInput):
            stage_reorder(actor=admin, pipeline=pipeline, stage_ids=bad)
    assert codes(pipeline) == ["calc", "new", "won", "lost"]


def test_d1_rename_keeps_the_code(admin, f):
    pipeline = pipeline_create(actor=admin, name="ЖБИ")
    stage = pipeline.stages.get(code="negotiation")
    stage_rename(actor=admin, stage=stage, name="Согласование", color="#112233")
    stage.refresh_from_db()
    assert (stage.name, stage.code, stage.color) == ("Согласование", "negotiation", "#112233")
    with pytest.raises(Forbidden):
        stage_rename(actor=f.make_user(Role.SALES_MANAGER), stage=stage, name="x")
    with pytest.raises(InvalidInput):
        stage_rename(actor=admin, stage=stage, name=" ")
