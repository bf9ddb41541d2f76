"""vectors.json sections periods, holidays_calendar and deadline_events, value for value."""

from __future__ import annotations

from datetime import date
from typing import Any

import chinese_calendar
import pytest

from loanlit.law.calendar import DayKind
from loanlit.law.deadline_events import EVENT_RULES, TRIGGER_EVENTS, compute_event_deadline, event_deadlines
from loanlit.law.periods import RULES, Unit, check_evidence_period, compute_deadline, filing_is_timely, resolve_rule

from .vectors import cases, section


def _start(vector: dict[str, Any]) -> date:
    inputs = vector["inputs"]
    return date.fromisoformat(inputs.get("start_event_date") or inputs["start_date"])


@pytest.mark.parametrize(
    "vector", cases("periods", where=lambda v: "start_event_date" in v["inputs"] or "start_date" in v["inputs"])
)
def test_period_vector_gives_the_expected_nominal_end_deadline_and_roll_over(vector, calendar):
    result = compute_deadline(vector["inputs"]["period_type"], _start(vector), calendar=calendar)
    expected = vector["expected"]
    assert result.nominal_end == date.fromisoformat(expected["nominal_end"])
    assert result.deadline == date.fromisoformat(expected["deadline"])
    assert result.rolled is expected["rolled"]
    assert result.confirmed is True
    assert result.reminder_date == result.deadline


@pytest.mark.parametrize(
    "vector", cases("periods", where=lambda v: "start_event_date" in v["inputs"] or "start_date" in v["inputs"])
)
def test_period_vector_length_matches_the_named_rule(vector):
    spec = resolve_rule(vector["inputs"]["period_type"])
    inputs = vector["inputs"]
    if "days" in inputs:
        assert (spec.unit, spec.amount) == (Unit.DAYS, inputs["days"])
    else:
        assert (spec.unit, spec.amount) == (Unit.MONTHS, inputs["months"])


@pytest.mark.parametrize(
    "vector", cases("periods", where=lambda v: v["inputs"]["period_type"] == "evidence_period_check")
)
def test_evidence_period_vector(vector):
    inputs, expected = vector["inputs"], vector["expected"]
    result = check_evidence_period(inputs["procedure"], inputs["days_set_by_court"])
    status = {True: "ok", False: "invalid", "warning": "warning"}[expected["valid"]]
    assert result.status == status
    if status == "invalid":
        assert result.rule == expected["rule"]
    if status == "warning":
        # The vector's rule text adds the statute's words; the machine rule is its leading part.
        assert result.rule == "generally <= 7 days"
        assert expected["rule"].startswith(result.rule)
        assert result.valid is True


@pytest.mark.parametrize("vector", cases("periods", where=lambda v: v["inputs"]["period_type"] == "mailed_filing"))
def test_mailed_filing_vector_compares_the_postmark_not_the_receipt(vector):
    inputs = vector["inputs"]
    result = filing_is_timely(
        date.fromisoformat(inputs["deadline"]), postmark_date=date.fromisoformat(inputs["postmark_date"])
    )
    assert result.timely is vector["expected"]["timely"]
    assert result.compared_date == date.fromisoformat(inputs["postmark_date"])
    # The receipt date alone would give the opposite answer for P34: that is the trap the rule avoids.
    by_receipt = filing_is_timely(
        date.fromisoformat(inputs["deadline"]), filed_on=date.fromisoformat(inputs["court_received"])
    )
    assert by_receipt.timely is False


def test_every_period_vector_is_covered_by_one_of_the_tests_above():
    handled = {"evidence_period_check", "mailed_filing"}
    for vector in section("periods"):
        inputs = vector["inputs"]
        assert inputs["period_type"] in handled or "start_event_date" in inputs or "start_date" in inputs, vector["id"]


# --- holidays_calendar: the package itself, and our Calendar built on it ------------------------------

H_CALLS = {
    "H01": (chinese_calendar.is_workday, date(2025, 10, 8)),
    "H02": (chinese_calendar.is_workday, date(2025, 9, 28)),
    "H03": (chinese_calendar.is_in_lieu, date(2025, 10, 8)),
    "H04": (chinese_calendar.get_holiday_detail, date(2025, 10, 11)),
    "H05": (chinese_calendar.is_holiday, date(2025, 3, 1)),
    "H06": (chinese_calendar.is_workday, date(2027, 1, 4)),
    "H07": (chinese_calendar.is_workday, date(2003, 12, 31)),
    "H08": (lambda d: chinese_calendar.find_workday(0, d), date(2025, 10, 8)),
    "H09": (chinese_calendar.is_workday, date(2026, 2, 28)),
}


@pytest.mark.parametrize("vector", cases("holidays_calendar"))
def test_holiday_vector_holds_for_the_pinned_package(vector):
    call, day = H_CALLS[vector["id"]]
    expected = vector["expected"]
    if isinstance(expected, dict) and "raises" in expected:
        with pytest.raises(NotImplementedError) as excinfo:
            call(day)
        if "message" in expected:
            assert str(excinfo.value) == expected["message"]
    elif isinstance(expected, list):
        assert list(call(day)) == expected
    elif isinstance(expected, str):
        assert call(day) == date.fromisoformat(expected)
    else:
        assert call(day) is expected


CALENDAR_EXPECTATIONS = {
    "H01": (date(2025, 10, 8), DayKind.SWAPPED_REST, True),
    "H02": (date(2025, 9, 28), DayKind.MAKEUP_WORKING, True),
    "H03": (date(2025, 10, 8), DayKind.SWAPPED_REST, True),
    "H04": (date(2025, 10, 11), DayKind.MAKEUP_WORKING, True),
    "H05": (date(2025, 3, 1), DayKind.WEEKEND, True),
    "H06": (date(2027, 1, 4), DayKind.WORKING, False),  # fallback answer, flagged
    "H07": (date(2003, 12, 31), DayKind.WORKING, False),
    "H08": (date(2025, 10, 8), DayKind.SWAPPED_REST, True),
    "H09": (date(2026, 2, 28), DayKind.MAKEUP_WORKING, True),
}


@pytest.mark.parametrize("vector", cases("holidays_calendar"))
def test_holiday_vector_as_our_calendar_classifies_it_never_raising(vector, calendar):
    day, kind, confirmed = CALENDAR_EXPECTATIONS[vector["id"]]
    info = calendar.day_info(day)
    assert (info.kind, info.confirmed) == (kind, confirmed)
    if vector["id"] == "H04":
        assert info.name == vector["expected"][1]
    if vector["id"] == "H08":
        assert calendar.next_working_day(day) == (date.fromisoformat(vector["expected"]), True)


def test_our_calendar_agrees_with_the_package_on_every_covered_day(calendar):
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert calendar.is_working_day(day) is chinese_calendar.is_workday(day), day
        day = date.fromordinal(day.toordinal() + 1)


# --- deadline_events: trigger → deadlines, in machine form ------------------------------------------------

E_EVENTS: dict[str, tuple[str, tuple[tuple[str, int, str, str], ...]]] = {
    "E01": ("complaint_submitted", (("filing_decision", 7, "days", "after"),)),
    "E02": ("fee_notice_received", (("fee_payment", 7, "days", "after"),)),
    "E03": (
        "case_filed",
        (
            ("complaint_copy", 5, "days", "after"),
            ("trial_ordinary", 6, "months", "after"),
            ("trial_summary", 3, "months", "after"),
            ("trial_small_claims", 2, "months", "after"),
        ),
    ),
    "E04": ("complaint_served", (("answer", 15, "days", "after"), ("answer_foreign", 30, "days", "after"))),
    "E05": ("hearing_scheduled", (("summons_before_hearing", 3, "days", "before"),)),
    "E06": ("preservation_application_received", (("preservation_ruling", 48, "hours", "after"),)),
    "E07": ("pre_suit_preservation_taken", (("sue_after_preservation", 30, "days", "after"),)),
    "E08": (
        "preservation_term_running",
        (
            ("preservation_deposit", 12, "months", "after"),
            ("preservation_movable", 24, "months", "after"),
            ("preservation_real_estate", 36, "months", "after"),
            ("preservation_renewal_lead", 7, "days", "before"),
        ),
    ),
    "E09": (
        "judgment_served",
        (
            ("appeal_judgment", 15, "days", "after"),
            ("appeal_ruling", 10, "days", "after"),
            ("appeal_foreign", 30, "days", "after"),
            ("appeal_fee", 7, "days", "after"),
        ),
    ),
    "E10": ("mediation_statement_signed", ()),
    "E11": ("judgment_effective", (("retrial_application", 6, "months", "after"),)),
    "E12": ("performance_period_ended", (("enforcement_application", 24, "months", "after"),)),
    "E13": (
        "enforcement_application_received",
        (("enforcement_notice", 10, "days", "after"), ("enforcement_limit", 6, "months", "after")),
    ),
    "E14": (
        "enforcement_objection_filed",
        (("enforcement_objection_review", 15, "days", "after"), ("enforcement_review_request", 10, "days", "after")),
    ),
    "E15": ("third_party_objection_ruling", (("third_party_objection_suit", 15, "days", "after"),)),
    "E16": ("payment_order_served", (("payment_order_response", 15, "days", "after"),)),
    "E17": (
        "pre_filing_mediation_accepted",
        (
            ("pre_filing_mediation", 30, "days", "after"),
            ("mediation_after_filing_ordinary", 15, "days", "after"),
            ("mediation_after_filing_summary", 7, "days", "after"),
        ),
    ),
}


@pytest.mark.parametrize("vector", cases("deadline_events"))
def test_deadline_event_vector_opens_exactly_the_listed_deadlines(vector, calendar):
    event, expected = E_EVENTS[vector["id"]]
    deadlines = event_deadlines(event)
    assert tuple((d.key, d.amount, d.unit, d.direction) for d in deadlines) == expected
    for deadline in deadlines:
        if not deadline.dated:
            continue
        spec = RULES.get(deadline.key) or EVENT_RULES[deadline.key]
        assert (spec.amount, spec.unit.value) == (deadline.amount, deadline.unit)
        result = compute_event_deadline(deadline.key, date(2025, 6, 3), calendar=calendar)
        assert result.deadline >= result.nominal_end > date(2025, 6, 3)


def test_every_trigger_event_has_a_label_in_both_languages():
    for event in TRIGGER_EVENTS.values():
        assert event.label.text("zh-hans") != event.label.code
        assert event.label.text("en") != event.label.code
    assert len(TRIGGER_EVENTS) == len(section("deadline_events"))


def test_meta_date_conventions_are_the_ones_compute_deadline_implements(calendar):
    meta = section_meta()
    conventions = meta["conventions"]
    assert date.fromisoformat(meta["generated"]) == date(2026, 12, 3)
    assert "start day not counted" in conventions["day_period"]
    assert "last day of that month" in conventions["month_period"]
    assert "is_workday() is False" in conventions["rest_day_for_rollover"]
    # day period: start + N, then roll; month period: clamp, then roll
    day = compute_deadline("appeal_judgment", date(2024, 3, 1), calendar=calendar)
    assert (day.nominal_end, day.deadline) == (date(2024, 3, 16), date(2024, 3, 18))
    month = compute_deadline("trial_ordinary", date(2024, 8, 31), calendar=calendar)
    assert (month.nominal_end, month.clamped) == (date(2025, 2, 28), True)


def section_meta() -> dict[str, Any]:
    from .vectors import meta

    return meta()
