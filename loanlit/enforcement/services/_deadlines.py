"""The measures' expiry and renewal deadlines, kept by the deadlines app (its reminders, lists and ICS feed).

Each term of a measure is filed with the deadlines app under its own key (``Measure.measure_key``):
``deadline_create_for_measure`` derives the expiry and the renewal date (expiry − 7 days, on a working day)
from the start of the term with the statutory maximum. A shorter term or an expiry stated by the court is
then set on those deadlines by hand (``deadline_override``, with the reason), which recomputation respects.
A renewed term closes the previous term's deadlines as done; a release waives them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from loanlit.deadlines import services as deadlines
from loanlit.deadlines.models import Deadline
from loanlit.enforcement.models import Measure
from loanlit.law.preservation import MeasureTerm

OPEN_STATUSES = (Deadline.Status.OPEN, Deadline.Status.MISSED)


def _rows(measure: Measure, key: str | None = None) -> list[Deadline]:
    prefix = f"measure:{key or measure.measure_key}:"
    return list(Deadline.objects.filter(case_id=measure.case_id, source_key__startswith=prefix).order_by("pk"))


def term_deadlines_create(*, actor: Any, measure: Measure, term: MeasureTerm, first: bool) -> list[Deadline]:
    rows = deadlines.deadline_create_for_measure(
        actor=actor,
        case=measure.case,
        kind="preservation" if measure.is_preservation else "seizure",
        took_effect_on=term.start,
        asset_type=term.term_class.value,
        pre_suit=first and measure.basis == Measure.Basis.PRE_SUIT_PRESERVATION,
        measure_key=measure.measure_key,
        proceeding=measure.proceeding,
    )
    wanted: dict[str, date] = {
        Deadline.Kind.PRESERVATION_EXPIRY: term.expiry,
        Deadline.Kind.PRESERVATION_RENEWAL: term.renewal_due,
    }
    reason = _("Term set by the court") if term.stated or term.term_months != term.max_months else ""
    result = []
    for row in rows:
        due = wanted.get(row.kind)
        if due is not None and reason and row.due_on != due and not row.is_settled:
            row = deadlines.deadline_override(actor=actor, deadline=row, due_on=due, reason=reason, version=row.version)
        result.append(row)
    return result


def term_deadlines_close(*, actor: Any, measure: Measure, key: str, renewed: bool, note: str) -> None:
    """Close the open deadlines of one term: done when the measure was renewed, waived when released."""
    for row in _rows(measure, key):
        if row.status not in OPEN_STATUSES:
            continue
        if renewed and row.kind == Deadline.Kind.SUE_AFTER_PRESERVATION:
            continue  # suing after a pre-suit measure is a duty of its own
        if renewed:
            deadlines.deadline_mark_done(actor=actor, deadline=row, version=row.version, note=note)
        else:
            deadlines.deadline_waive(actor=actor, deadline=row, reason=note, version=row.version)


def term_deadlines(measure: Measure) -> list[Deadline]:
    return _rows(measure)
