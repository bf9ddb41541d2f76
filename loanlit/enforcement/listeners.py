"""How the enforcement app hears about case events (registered in EnforcementConfig.ready).

An enforcement proceeding opened on a case turns its preservation measures into enforcement measures
(CPL Interpretation art. 168), in the same transaction as the proceeding.
"""

from __future__ import annotations

from collections.abc import Sequence

from loanlit.cases.models import CaseEvent

CARRY_KINDS = frozenset({"enforcement", "resumed_enforcement", "notarised_enforcement"})


def on_case_events(events: Sequence[CaseEvent]) -> None:
    from loanlit.enforcement.services import measures_carry_into_enforcement

    for event in events:
        params = event.params or {}
        if event.kind != CaseEvent.Kind.PROCEEDING_OPENED or params.get("kind") not in CARRY_KINDS:
            continue
        if not event.target_id.isdigit():
            continue
        measures_carry_into_enforcement(
            actor=event.actor, case_id=event.case_id, proceeding_id=int(event.target_id), carried_on=event.happened_on
        )


def connect() -> None:
    from loanlit.cases.events import register_event_listener

    register_event_listener(on_case_events)
