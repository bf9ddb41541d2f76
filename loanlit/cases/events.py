"""Listeners on the case timeline: how higher layers (deadlines) react to case events without cases importing them.

The cases services call :func:`notify_listeners` with the CaseEvent rows they have just written, inside the
same transaction, so a listener's writes commit or roll back with the event (DESIGN rule 6: deadlines hang
off events). A listener that raises aborts the whole change: the event and its consequences stay together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import models

from loanlit.cases.models import CaseEvent

EventListener = Callable[[Sequence[CaseEvent]], None]

_listeners: list[EventListener] = []


def register_event_listener(listener: EventListener) -> EventListener:
    """Call ``listener`` with every batch of new case events; registering twice is a no-op (usable as decorator)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unregister_event_listener(listener: EventListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def notify_listeners(events: Sequence[CaseEvent]) -> None:
    if not events:
        return
    for listener in list(_listeners):
        listener(events)


def case_event_record(
    *,
    actor: Any,
    case_id: int,
    kind: str,
    action: str,
    target: models.Model | None = None,
    happened_on: date | None = None,
    params: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Write one timeline event and its audit entry on the case stream (for apps above cases).

    Must run inside the caller's transaction; listeners are called as for the cases services' own events.
    """
    from loanlit.cases.services._common import record_one

    record_one(
        actor=actor,
        case_id=case_id,
        kind=kind,
        action=action,
        target=target,
        happened_on=happened_on,
        params=params,
        changes=changes,
    )
