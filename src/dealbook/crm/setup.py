"""Reference data every installation needs: the default pipeline of D1 (seed 002's stages)."""

from __future__ import annotations

from django.db import transaction

from dealbook.crm.models import LostReason, Pipeline, Segment, Source, Stage, StageKind

# (code, kind, colour, English name, Russian name as in seed 002)
DEFAULT_STAGES = [
    ("new", StageKind.OPEN, "#8a94a6", "Incoming request", "Входящая заявка"),
    ("assigned", StageKind.OPEN, "#5b8def", "Responsible assigned", "Назначен ответственный"),
    ("negotiation", StageKind.OPEN, "#3fb6c9", "Negotiation with client", "Согласование с клиентом"),
    ("price_announced", StageKind.OPEN, "#49b97f", "Price announced", "Озвучена цена"),
    ("invoice_issued", StageKind.OPEN, "#e0a43a", "Invoice issued", "Счёт выставлен"),
    ("invoice_paid", StageKind.OPEN, "#d9822b", "Invoice paid", "Счёт оплачен"),
    ("shipment", StageKind.OPEN, "#9b6bd6", "Shipment", "Отгрузка"),
    ("won", StageKind.WON, "#2e9e5b", "Won", "Сделка успешна"),
    ("lost", StageKind.LOST, "#d64545", "Lost", "Сделка проиграна"),
]

DEFAULT_SEGMENTS_RU = [
    "Партнёры",
    "Дилеры",
    "Строительные бригады",
    "Подрядчики и субподрядчики",
    "Застройщики и генподрядчики",
    "Муниципальные",
    "Управляющие компании",
    "Коммунальные службы",
    "Промышленные клиенты",
    "Военные",
    "SuperVIP",
]
DEFAULT_SEGMENTS_EN = [
    "Partners",
    "Dealers",
    "Construction crews",
    "Contractors and subcontractors",
    "Developers and general contractors",
    "Municipal",
    "Management companies",
    "Utilities",
    "Industry clients",
    "Military",
    "SuperVIP",
]


@transaction.atomic
def pipeline_create_default(
    *, name: str, language: str = "en", sort: int = 0, is_default: bool = False
) -> Pipeline:
    """D1: a pipeline with the seed's stages (Incoming request … Won, Lost)."""
    pipeline = Pipeline.objects.create(name=name, sort=sort, is_default=is_default)
    Stage.objects.bulk_create(
        Stage(
            pipeline=pipeline,
            code=code,
            kind=kind,
            color=color,
            name=ru if language == "ru" else en,
            sort=(i + 1) * 10,
        )
        for i, (code, kind, color, en, ru) in enumerate(DEFAULT_STAGES)
    )
    return pipeline


def segments_create_default(language: str = "en") -> list[Segment]:
    names = DEFAULT_SEGMENTS_RU if language == "ru" else DEFAULT_SEGMENTS_EN
    return [Segment.objects.get_or_create(name=n, defaults={"sort": i * 10})[0] for i, n in enumerate(names)]


def sources_create_default(language: str = "en") -> list[Source]:
    rows = [
        ("call", "Incoming call", "Входящий звонок"),
        ("web_form", "Web form", "Веб-форма"),
        ("email", "E-mail", "Электронная почта"),
        ("referral", "Referral", "Запрос по рекомендации"),
        ("repeat", "Repeat client", "Повторный клиент"),
        ("api", "Integration", "Интеграция"),
        ("other", "Other", "Другое"),
    ]
    return [
        Source.objects.get_or_create(
            code=code, defaults={"name": ru if language == "ru" else en, "sort": i * 10}
        )[0]
        for i, (code, en, ru) in enumerate(rows)
    ]


def lost_reasons_create_default(language: str = "en") -> list[LostReason]:
    rows = [
        ("Price too high", "Высокая цена"),
        ("Bought from a competitor", "Купили у конкурента"),
        ("Delivery terms", "Не устроили сроки поставки"),
        ("No longer needed", "Потребность отпала"),
        ("No answer", "Клиент не выходит на связь"),
    ]
    return [
        LostReason.objects.get_or_create(name=ru if language == "ru" else en, defaults={"sort": i * 10})[0]
        for i, (en, ru) in enumerate(rows)
    ]
