"""Plain rows for the summary and statistics tests: real Case rows, CaseFact rows with exact
values written directly (the facts builder has its own tests), and a brute-force reference that sums
facts in Python the way the definitions say."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from loanlit.cases.models import Case, Court, LawFirm
from loanlit.core.models import Creditor, OrgUnit
from loanlit.reports.definitions import MONEY_MEASURES, Measures, month_start
from loanlit.reports.models import CaseFact

_seq = count(1)


def make_case(
    creditor: Creditor,
    unit: OrgUnit,
    *,
    opened_on: dt.date = dt.date(2026, 1, 5),
    handler: Any = None,
    co_handlers: tuple[Any, ...] = (),
    stage: str = "filed",
) -> Case:
    n = next(_seq)
    case = Case.objects.create(
        internal_no=f"T-{n:06d}",
        creditor=creditor,
        handling_unit=unit,
        unit_path=unit.path,
        cause_of_action="金融借款合同纠纷",
        handler=handler,
        stage_id=stage,
        opened_on=opened_on,
    )
    if co_handlers:
        case.co_handlers.set(co_handlers)
    return case


def make_fact(case: Case, **values: Any) -> CaseFact:
    """A CaseFact for ``case`` (creditor, unit, dates from the case unless given)."""
    opened_on = values.pop("opened_on", case.opened_on)
    row = CaseFact(
        case=case,
        creditor_id=case.creditor_id,
        unit_id=case.handling_unit_id,
        unit_path=case.unit_path,
        stage=case.stage_id,
        position="first_instance",
        outcome_class="pending",
        opened_on=opened_on,
        cohort_month=month_start(opened_on),
        is_open=True,
        currency="CNY",
        cause_of_action=case.cause_of_action,
        refreshed_at=timezone.now(),
    )
    for name, value in values.items():
        if name in MONEY_MEASURES or name == "claim_principal":
            value = Decimal(value)
        setattr(row, name, value)
    if "cohort_month" not in values:
        row.cohort_month = month_start(row.opened_on)
    row.save()
    return row


def make_court(code: str, name: str, region_code: str) -> Court:
    return Court.objects.create(code=code, name=name, level=Court.Level.BASIC, region_code=region_code)


def make_firm(name: str) -> LawFirm:
    return LawFirm.objects.create(name=name)


def _days(later: dt.date | None, opened_on: dt.date) -> int | None:
    if later is None:
        return None
    days = (later - opened_on).days
    return days if days >= 0 else None


def reference_measures(facts: list[CaseFact]) -> Measures:
    """The definitions applied in Python, fact by fact (the oracle for both paths)."""
    out = Measures()
    for f in facts:
        m = Measures(cases=1)
        m.open_cases = int(f.is_open)
        m.closed_cases = int(not f.is_open)
        m.foreign_cases = int(f.currency != "CNY")
        m.adjudicated_cases = int(f.adjudicated > 0)
        m.recovered_cases = int(f.recovered > 0)
        m.enforcement_cases = int(f.entered_enforcement)
        m.terminated_cases = int(f.terminated_for_now)
        m.written_off_cases = int(f.written_off)
        setattr(m, f.outcome_class, 1)
        if f.currency == "CNY":
            for name in MONEY_MEASURES:
                if name == "recovered_adjudicated":
                    m.recovered_adjudicated = f.recovered if f.adjudicated > 0 else Decimal("0.00")
                else:
                    setattr(m, name, getattr(f, name))
        for column, days_name, n_name in (
            ("judged_on", "judgment_days", "judgment_n"),
            ("first_recovery_on", "recovery_days", "recovery_n"),
            ("closed_on", "close_days", "close_n"),
        ):
            days = _days(getattr(f, column), f.opened_on)
            if days is not None:
                setattr(m, days_name, days)
                setattr(m, n_name, 1)
        out += m
    return out


def as_dict(m: Measures) -> dict[str, Any]:
    return {f.name: getattr(m, f.name) for f in fields(m)}
