"""Tabs that higher apps add to the deal card (billing's Invoices, sales' Proposals), registered at
start-up from their AppConfig.ready — the same explicit-registry idea as crm.hooks (DESIGN: a lower
app never imports a higher one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DealTab:
    key: str  # the ?tab= value
    label: Callable[[], str]  # a function so the label is translated per request
    template: str  # included inside the card's tab panel
    context: Callable  # (request, deal) -> dict for the template
    order: int = 100


_TABS: dict[str, DealTab] = {}


def register_deal_tab(tab: DealTab) -> None:
    _TABS[tab.key] = tab


def deal_tabs() -> list[DealTab]:
    return sorted(_TABS.values(), key=lambda t: (t.order, t.key))


def deal_tab(key: str) -> DealTab | None:
    return _TABS.get(key)
