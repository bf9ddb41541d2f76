"""Row builders: one case (with its chunk's facts) → the values of the case list or the 诉讼台账 columns.

Values stay typed (Decimal, date, str); the CSV and xlsx writers format them by column type.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from loanlit.cases.models import Case, Proceeding
from loanlit.cases.positions import ENFORCEMENT_KINDS, position_of
from loanlit.cases.templatetags.case_format import cause_label
from loanlit.deadlines.models import Deadline
from loanlit.imports.exports.facts import CaseFacts, outstanding

SEPARATOR: Final = "; "
FIRST_INSTANCE: Final = frozenset({Proceeding.Kind.FIRST_INSTANCE})
SECOND_INSTANCE: Final = frozenset({Proceeding.Kind.SECOND_INSTANCE})
RETRIAL: Final = frozenset({Proceeding.Kind.RETRIAL})
ENFORCEMENT: Final = frozenset({Proceeding.Kind.ENFORCEMENT, Proceeding.Kind.NOTARISED_ENFORCEMENT})
RESUMED: Final = frozenset({Proceeding.Kind.RESUMED_ENFORCEMENT})


def _join(values: Iterable[str]) -> str:
    return SEPARATOR.join(value for value in values if value)


def current_proceeding(row: CaseFacts) -> Proceeding | None:
    """The latest active proceeding, else the latest one (``loanlit.cases.positions.current_proceeding``)."""
    active = [p for p in row.proceedings if p.is_active]
    pool = active or row.proceedings
    return pool[-1] if pool else None


def _case_numbers(row: CaseFacts, kinds: frozenset[str]) -> str:
    return _join(p.court_case_number for p in row.proceedings if p.kind in kinds)


def _filed_on(row: CaseFacts) -> date | None:
    first = [p.filed_on for p in row.proceedings if p.kind in FIRST_INSTANCE and p.filed_on]
    if first:
        return first[0]
    filed = [p.filed_on for p in row.proceedings if p.filed_on]
    return min(filed) if filed else None


def _terminated_for_now_on(row: CaseFacts) -> date | None:
    days = [
        p.result_on
        for p in row.proceedings
        if p.kind in ENFORCEMENT_KINDS and p.result == Proceeding.Result.TERMINATED_FOR_NOW and p.result_on
    ]
    return max(days) if days else None


def _common(case: Case, row: CaseFacts) -> dict[str, Any]:
    current = current_proceeding(row)
    return {
        "internal_no": case.internal_no,
        "borrowers": _join(party.name for party in row.borrowers),
        "borrower_ids": _join(row.borrower_ids),
        "creditor": row.creditor,
        "handling_unit": row.handling_unit,
        "stage": row.stage,
        "cause": cause_label(case.cause_of_action),
        "court": str(current.court) if current is not None and current.court is not None else "",
        "currency": case.claim_currency,
        "claim_total": case.claim_total,
        "recovered": row.recovered,
        "handler": row.handler,
        "law_firm": row.law_firm,
        "opened_on": case.opened_on,
    }


def case_list_row(case: Case, row: CaseFacts) -> dict[str, Any]:
    """The case list's columns."""
    current = current_proceeding(row)
    values = _common(case, row)
    values["court_case_number"] = current.court_case_number if current is not None else ""
    if row.next_deadline is not None:
        due_on, kind = row.next_deadline
        values["next_deadline_on"] = due_on
        values["next_deadline_kind"] = str(Deadline.Kind(kind).label) if kind in Deadline.Kind.values else kind
    else:
        values["next_deadline_on"] = None
        values["next_deadline_kind"] = ""
    return values


def ledger_row(case: Case, row: CaseFacts) -> dict[str, Any]:
    """诉讼台账: the case, its claim, every instance's 案号, judgment, enforcement and money, one row."""
    values = _common(case, row)
    judgment = row.judgment
    values.update(
        {
            "contract_nos": _join(row.contract_nos),
            "borrower_phones": _join(row.borrower_phones),
            "claim_principal": case.claim_principal,
            "claim_interest": case.claim_interest,
            "claim_penalty": case.claim_penalty,
            "claim_compound": case.claim_compound,
            "claim_fees": case.claim_fees,
            "acceptance_fee": case.claim_acceptance_fee,
            "acceptance_fee_paid": row.acceptance_fee_paid,
            "filed_on": _filed_on(row),
            "caseno_first_instance": _case_numbers(row, FIRST_INSTANCE),
            "caseno_second_instance": _case_numbers(row, SECOND_INSTANCE),
            "caseno_retrial": _case_numbers(row, RETRIAL),
            "hearing_dates": _join(day.isoformat() for day in row.hearing_days),
            "judged_on": judgment.judged_on if judgment is not None else None,
            "adjudicated_amount": judgment.adjudicated_amount if judgment is not None else None,
            "judgment_effective_on": judgment.effective_on if judgment is not None else None,
            "caseno_enforcement": _case_numbers(row, ENFORCEMENT),
            "caseno_resumed_enforcement": _case_numbers(row, RESUMED),
            "terminated_for_now_on": _terminated_for_now_on(row),
            "written_off_on": row.written_off_on,
            "recovered_after_write_off": row.recovered_after_write_off,
            "costs_paid": row.costs_paid,
            "outstanding": outstanding(case, row),
            "position": str(position_of(current_proceeding(row))),
            "outcome": case.get_outcome_display(),
            "closed_on": case.closed_on,
        }
    )
    return values
