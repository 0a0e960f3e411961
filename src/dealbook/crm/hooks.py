"""An explicit registry through which higher apps react to CRM facts (DESIGN: no signals).

activities registers "deal_created" (T1 intake task); billing will register "deal_can_move" to refuse Won without a paid, shipped invoice (D7).
Hooks run inside the caller's transaction, in registration order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

_HOOKS: dict[str, list[Callable]] = defaultdict(list)

KNOWN = {
    "deal_created",  # (deal, actor)
    "deal_assigned",  # (deal, actor, previous)
    "deal_stage_changed",  # (deal, actor, previous_stage)
    "deal_can_move",  # (deal, actor, stage) -> raise RuleViolation to refuse (D7)
    "deal_can_delete",  # (deal, actor) -> raise RuleViolation to refuse (billing: the deal has invoices)
    "lead_converted",  # (lead, actor, deal, contact, company)
}


def register(name: str, func: Callable) -> None:
    if name not in KNOWN:
        raise ValueError(f"unknown crm hook {name!r}")
    if func not in _HOOKS[name]:
        _HOOKS[name].append(func)


def run(name: str, **kwargs) -> None:
    for func in list(_HOOKS[name]):
        func(**kwargs)
