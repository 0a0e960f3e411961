"""D1: pipelines and their stages are data an administrator configures."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from dealbook.accounts import policy
from dealbook.core import timeline
from dealbook.core.errors import InvalidInput
from dealbook.core.models import EventKind
from dealbook.crm.models import Pipeline, Stage, StageKind
from dealbook.crm.setup import pipeline_create_default

_COLOR_DEFAULT = "#6b7b93"


def _clean_name(name, *, field: str = "name", max_length: int = 120) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A name is required."), field=field)
    if len(name) > max_length:
        raise InvalidInput(_("The name is longer than %(n)d characters.") % {"n": max_length}, field=field)
    return name


def _clean_code(code, name: str, *, taken=(), field: str = "code") -> str:
    """A given code must be a clean slug; without one it comes from the name (or "stage_N" for names
    in other scripts), made unique within the pipeline."""
    code = (code or "").strip()
    if code:
        if slugify(code.replace("_", "-")).replace("-", "_") != code or len(code) > 40:
            raise InvalidInput(
                _("A stage code uses lower-case latin letters, digits and underscores (at most 40)."),
                field=field,
            )
        return code
    base = slugify(name).replace("-", "_")[:32] or "stage"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def _clean_color(color, *, field: str = "color") -> str:
    color = (color or _COLOR_DEFAULT).strip()
    if len(color) != 7 or not color.startswith("#"):
        raise InvalidInput(_("A colour is written as #rrggbb."), field=field)
    try:
        int(color[1:], 16)
    except ValueError:
        raise InvalidInput(_("A colour is written as #rrggbb."), field=field) from None
    return color


def _clean_stages(stages) -> list[dict]:
    cleaned, codes = [], set()
    for i, raw in enumerate(stages):
        name = _clean_name(raw.get("name"), field=f"stages.{i}.name")
        code = _clean_code(raw.get("code"), name, taken=codes, field=f"stages.{i}.code")
        if code in codes:
            raise InvalidInput(
                _("Stage code '%(code)s' is used twice.") % {"code": code}, field=f"stages.{i}.code"
            )
        codes.add(code)
        kind = raw.get("kind") or StageKind.OPEN
        if kind not in StageKind.values:
            raise InvalidInput(_("Unknown stage kind '%(kind)s'.") % {"kind": kind}, field=f"stages.{i}.kind")
        color = _clean_color(raw.get("color"), field=f"stages.{i}.color")
        cleaned.append({"name": name, "code": code, "kind": kind, "color": color})
    if not cleaned or cleaned[0]["kind"] != StageKind.OPEN:
        raise InvalidInput(_("A pipeline starts with an open stage."), field="stages")
    kinds = {s["kind"] for s in cleaned}
    if StageKind.WON not in kinds or StageKind.LOST not in kinds:
        raise InvalidInput(_("A pipeline needs a won stage and a lost stage."), field="stages")
    return cleaned


@transaction.atomic
def pipeline_create(
    *,
    actor,
    name: str,
    stages: list[dict] | None = None,
    sort: int = 0,
    is_default: bool = False,
    language="en",
) -> Pipeline:
    """D1: an administrator adds a direction; without `stages` it gets the seed's default stages.

    `stages` is an ordered list of {"name", "code", "kind" (open/won/lost), "color"}.
    """
    policy.require(actor, "settings.manage", _("Only administrators configure pipelines."))
    name = _clean_name(name)
    if Pipeline.objects.filter(name=name).exists():
        raise InvalidInput(_("A pipeline named '%(name)s' already exists.") % {"name": name}, field="name")
    cleaned = _clean_stages(stages) if stages is not None else None
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    if cleaned is None:
        pipeline = pipeline_create_default(name=name, language=language, sort=sort, is_default=is_default)
    else:
        pipeline = Pipeline.objects.create(name=name, sort=sort, is_default=is_default)
        Stage.objects.bulk_create(
            Stage(pipeline=pipeline, sort=(i + 1) * 10, **s) for i, s in enumerate(cleaned)
        )
    timeline.record(pipeline, EventKind.CREATED, actor=actor, data={"name": name})
    return pipeline


@transaction.atomic
def stage_add(
    *,
    actor,
    pipeline: Pipeline,
    name: str,
    code: str = "",
    kind: str = StageKind.OPEN,
    color: str = "",
    after: Stage | None = None,
) -> Stage:
    """D1: add a stage; an open stage goes after `after` or after the last open stage."""
    policy.require(actor, "settings.manage", _("Only administrators configure pipelines."))
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    name = _clean_name(name)
    stages = list(pipeline.stages.order_by("sort", "id"))
    code = _clean_code(code, name, taken={s.code for s in stages})
    if kind not in StageKind.values:
        raise InvalidInput(_("Unknown stage kind '%(kind)s'.") % {"kind": kind}, field="kind")
    color = _clean_color(color)
    if any(s.code == code for s in stages):
        raise InvalidInput(_("Stage code '%(code)s' is already used.") % {"code": code}, field="code")
    if after is not None and after.pipeline_id != pipeline.pk:
        raise InvalidInput(_("That stage belongs to another pipeline."), field="after")
    if after is not None:
        index = next(i for i, s in enumerate(stages) if s.pk == after.pk) + 1
    elif kind == StageKind.OPEN:
        open_indexes = [i for i, s in enumerate(stages) if s.kind == StageKind.OPEN]
        index = (open_indexes[-1] + 1) if open_indexes else 0
    else:
        index = len(stages)
    if index == 0 and kind != StageKind.OPEN:
        raise InvalidInput(_("A pipeline starts with an open stage."), field="kind")
    stage = Stage(pipeline=pipeline, name=name, code=code, kind=kind, color=color)
    stages.insert(index, stage)
    _renumber(stages)
    timeline.record(
        pipeline,
        EventKind.UPDATED,
        actor=actor,
        data={"field": "stages", "from": None, "to": {"id": stage.pk, "code": code, "name": name}},
    )
    return stage


def _renumber(stages: list[Stage]) -> None:
    for i, s in enumerate(stages):
        s.sort = (i + 1) * 10
        if s.pk is None:
            s.save()
    Stage.objects.bulk_update([s for s in stages if s.pk], ["sort"])


@transaction.atomic
def stage_reorder(*, actor, pipeline: Pipeline, stage_ids: list[int]) -> list[Stage]:
    """D1: put the pipeline's stages in a new order (every stage once, an open stage first)."""
    policy.require(actor, "settings.manage", _("Only administrators configure pipelines."))
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    by_id = {s.pk: s for s in pipeline.stages.all()}
    if sorted(stage_ids) != sorted(by_id) or len(set(stage_ids)) != len(stage_ids):
        raise InvalidInput(_("Give every stage of this pipeline exactly once."), field="stage_ids")
    ordered = [by_id[i] for i in stage_ids]
    if ordered[0].kind != StageKind.OPEN:
        raise InvalidInput(_("A pipeline starts with an open stage."), field="stage_ids")
    before = [s.pk for s in sorted(by_id.values(), key=lambda s: (s.sort, s.pk))]
    _renumber(ordered)
    timeline.change(pipeline, "stage_order", before, list(stage_ids), actor=actor)
    return ordered


@transaction.atomic
def stage_rename(*, actor, stage: Stage, name: str | None = None, color: str | None = None) -> Stage:
    """D1: rename a stage or change its colour; its code (used by rules) stays."""
    policy.require(actor, "settings.manage", _("Only administrators configure pipelines."))
    stage = Stage.objects.select_for_update().select_related("pipeline").get(pk=stage.pk)
    new_name = _clean_name(name) if name is not None else stage.name
    new_color = _clean_color(color) if color is not None else stage.color
    for field, old, new in (("name", stage.name, new_name), ("color", stage.color, new_color)):
        if old != new:
            timeline.record(
                stage.pipeline,
                EventKind.UPDATED,
                actor=actor,
                data={"field": f"stage.{field}", "stage_id": stage.pk, "from": old, "to": new},
            )
    stage.name, stage.color = new_name, new_color
    stage.save(update_fields=["name", "color"])
    return stage
