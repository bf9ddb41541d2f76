"""How the deadlines app hears about case events and reference-data changes (connected in apps.ready)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from loanlit.cases.models import CaseEvent
from loanlit.rules.signals import HOLIDAYS


def on_case_events(events: Sequence[CaseEvent]) -> None:
    from loanlit.deadlines.services import deadlines_for_events

    deadlines_for_events(events)


def on_reference_data_changed(
    sender: Any, *, kind: str, years: Iterable[int] = (), actor: Any = None, **kwargs: Any
) -> None:
    """Holiday data changed: recompute the open deadlines of the years concerned (and every provisional one).

    No deadline rule reads the LPR table today, so an LPR row changes no date; the hook is there for rules
    that will (interest-bearing deadlines), and costs nothing until then.
    """
    from loanlit.deadlines.services import deadlines_recompute

    if kind == HOLIDAYS:
        deadlines_recompute(reason="holidays", actor=actor, years=list(years))


def connect() -> None:
    from loanlit.cases.events import register_event_listener
    from loanlit.rules.signals import reference_data_changed

    register_event_listener(on_case_events)
    reference_data_changed.connect(on_reference_data_changed, dispatch_uid="deadlines.recompute")
