"""Periods under CPL art. 85: named rules, roll-over policy, provisional years, exclusions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanlit.law.calendar import Calendar, RolloverPolicy
from loanlit.law.explain import known_codes
from loanlit.law.money import LawInputError
from loanlit.law.periods import (
    RULES,
    Unit,
    add_months,
    check_evidence_period,
    compute_deadline,
    judgment_effective_date,
    party_deadlines,
)

EXPECTED_RULES = {
    "appeal_judgment": (15, Unit.DAYS),
    "appeal_ruling": (10, Unit.DAYS),
    "appeal_foreign": (30, Unit.DAYS),
    "answer": (15, Unit.DAYS),
    "answer_foreign": (30, Unit.DAYS),
    "publication": (30, Unit.DAYS),
    "publication_foreign": (60, Unit.DAYS),
    "sue_after_preservation": (30, Unit.DAYS),
    "fee_payment": (7, Unit.DAYS),
    "trial_ordinary": (6, Unit.MONTHS),
    "trial_summary": (3, Unit.MONTHS),
    "trial_small_claims": (2, Unit.MONTHS),
    "trial_second_instance": (3, Unit.MONTHS),
    "trial_second_instance_ruling": (30, Unit.DAYS),
    "enforcement_limit": (6, Unit.MONTHS),
    "enforcement_application": (24, Unit.MONTHS),
    "limitation": (36, Unit.MONTHS),
    "guarantee_period": (6, Unit.MONTHS),
    "retrial_application": (6, Unit.MONTHS),
    "preservation_deposit": (12, Unit.MONTHS),
    "preservation_movable": (24, Unit.MONTHS),
    "preservation_real_estate": (36, Unit.MONTHS),
}

PLAIN = Calendar()  # module level: hypothesis tests cannot take function-scoped fixtures


def test_the_named_rules_are_exactly_the_issue_list_with_their_lengths():
    assert {name: (spec.amount, spec.unit) for name, spec in RULES.items()} == EXPECTED_RULES


@pytest.mark.parametrize("name", sorted(EXPECTED_RULES))
def test_every_rule_has_zh_and_en_labels_and_cites_its_article(name):
    spec = RULES[name]
    assert spec.label_zh and spec.label_en
    assert "第" in spec.article_zh and "art" in spec.article_en
    texts = known_codes()[f"period.rule.{name}"]
    assert spec.article_zh in texts["zh-hans"] and spec.article_en in texts["en"]


def test_every_explanation_code_of_a_result_is_registered_in_both_languages(calendar):
    codes = known_codes()
    for name in RULES:
        for msg in compute_deadline(name, date(2026, 12, 1), calendar=calendar).explanation:
            assert msg.code in codes, msg.code
            assert msg.text("zh-hans") != msg.code and msg.text("en") != msg.code


def test_month_end_clamps_to_the_last_day_of_the_month():
    assert add_months(date(2024, 8, 31), 6) == (date(2025, 2, 28), True)
    assert add_months(date(2024, 2, 29), 12) == (date(2025, 2, 28), True)
    assert add_months(date(2023, 11, 30), 3) == (date(2024, 2, 29), True)
    assert add_months(date(2014, 5, 28), 3) == (date(2014, 8, 28), False)  # the SPC 2014 example (P18)
    assert add_months(date(2025, 12, 15), 1) == (date(2026, 1, 15), False)


def test_second_instance_example_of_the_spc_2014_document(calendar):
    result = compute_deadline("trial_second_instance", date(2014, 5, 28), calendar=calendar)
    assert (result.nominal_end, result.deadline, result.rolled) == (date(2014, 8, 28), date(2014, 8, 28), False)


def test_make_up_working_day_policy_switch_rolls_an_adjusted_sunday(calendar):
    policy = RolloverPolicy(makeup_workday_is_working=False)
    result = compute_deadline("appeal_judgment", date(2025, 9, 13), calendar=calendar, policy=policy)
    assert (result.nominal_end, result.deadline, result.rolled) == (date(2025, 9, 28), date(2025, 9, 29), True)


def test_swapped_rest_day_policy_switch_keeps_the_swapped_day(calendar):
    policy = RolloverPolicy(swapped_rest_day_is_rest=False)
    result = compute_deadline("appeal_judgment", date(2025, 9, 23), calendar=calendar, policy=policy)
    assert (result.deadline, result.rolled) == (date(2025, 10, 8), False)


def test_publication_roll_over_switch(calendar):
    rolled = compute_deadline("publication", date(2025, 9, 1), calendar=calendar)
    assert (rolled.nominal_end, rolled.deadline) == (date(2025, 10, 1), date(2025, 10, 9))
    kept = compute_deadline(
        "publication", date(2025, 9, 1), calendar=calendar, policy=RolloverPolicy(publication_rollover=False)
    )
    assert (kept.deadline, kept.rolled) == (date(2025, 10, 1), False)
    assert "period.publication_no_rollover" in [m.code for m in kept.explanation]
    # The switch is for publication only; other periods still roll.
    other = compute_deadline(
        "appeal_foreign", date(2025, 9, 1), calendar=calendar, policy=RolloverPolicy(publication_rollover=False)
    )
    assert other.deadline == date(2025, 10, 9)


def test_period_inside_a_holiday_block_counts_the_block_and_looks_only_at_the_last_day(calendar):
    result = compute_deadline("fee_payment", date(2025, 9, 30), calendar=calendar)  # runs through Oct 1-7
    assert (result.nominal_end, result.deadline, result.rolled) == (date(2025, 10, 7), date(2025, 10, 9), True)


def test_provisional_result_when_the_end_falls_in_a_year_without_data(calendar):
    result = compute_deadline("appeal_judgment", date(2026, 12, 17), calendar=calendar)
    assert result.nominal_end == date(2027, 1, 1)
    assert result.deadline == date(2027, 1, 4)  # fallback: 1 Jan holiday, then the weekend
    assert (result.rolled, result.confirmed) == (True, False)
    assert result.reminder_date == date(2027, 1, 1)  # the earlier of nominal end and provisional date
    provisional = [m for m in result.explanation if m.code == "period.provisional"]
    assert provisional and provisional[0].params["years"] == "2027"


def test_entering_the_years_notice_confirms_the_same_period(calendar_2027):
    result = compute_deadline("appeal_judgment", date(2026, 12, 17), calendar=calendar_2027)
    assert (result.nominal_end, result.deadline, result.confirmed) == (date(2027, 1, 1), date(2027, 1, 4), True)
    assert result.reminder_date == date(2027, 1, 4)
    swapped = compute_deadline("appeal_judgment", date(2027, 1, 24), calendar=calendar_2027)  # ends Mon 2027-02-08
    assert (swapped.nominal_end, swapped.deadline) == (date(2027, 2, 8), date(2027, 2, 9))
    makeup = compute_deadline("appeal_ruling", date(2026, 12, 30), calendar=calendar_2027)  # ends Sat 2027-01-09
    assert (makeup.deadline, makeup.rolled) == (date(2027, 1, 9), False)


def test_provisional_working_day_end_keeps_its_date_but_stays_unconfirmed(calendar):
    result = compute_deadline("appeal_judgment", date(2026, 12, 20), calendar=calendar)
    assert (result.nominal_end, result.deadline, result.rolled, result.confirmed) == (
        date(2027, 1, 4),
        date(2027, 1, 4),
        False,
        False,
    )


def test_preservation_reminder_is_the_last_working_day_seven_days_before_expiry(calendar):
    deposit = compute_deadline("preservation_deposit", date(2025, 3, 10), calendar=calendar)
    assert deposit.nominal_end == date(2026, 3, 10)
    assert deposit.reminder_date == date(2026, 3, 3)  # a Tuesday: expiry − 7 is a working day
    movable = compute_deadline("preservation_movable", date(2023, 10, 15), calendar=calendar)
    assert movable.nominal_end == date(2025, 10, 15)
    assert movable.reminder_date == date(2025, 9, 30)  # 10-08 is inside the National Day block: walk back
    assert movable.confirmed is True
    estate = compute_deadline("preservation_real_estate", date(2024, 1, 8), calendar=calendar)
    assert (estate.nominal_end, estate.reminder_date) == (date(2027, 1, 8), date(2026, 12, 31))
    assert estate.confirmed is False  # the expiry lies in 2027


def test_suspension_intervals_extend_a_trial_limit_by_the_excluded_days(calendar):
    # 2025-03-03 + 6 months = 2025-09-03; an appraisal of 10 days (inclusive) and an overlapping
    # settlement attempt merge to 2025-04-01..2025-04-15 = 15 days -> 2025-09-18 (a Thursday).
    result = compute_deadline(
        "trial_ordinary",
        date(2025, 3, 3),
        calendar=calendar,
        suspensions=[(date(2025, 4, 1), date(2025, 4, 10)), (date(2025, 4, 6), date(2025, 4, 15))],
    )
    assert result.excluded_days == 15
    assert (result.nominal_end, result.deadline) == (date(2025, 9, 18), date(2025, 9, 18))
    assert "period.suspension_excluded" in [m.code for m in result.explanation]


def test_suspension_after_the_limit_ended_changes_nothing(calendar):
    result = compute_deadline(
        "trial_summary", date(2025, 3, 3), calendar=calendar, suspensions=[(date(2025, 7, 1), date(2025, 7, 5))]
    )
    assert (result.excluded_days, result.nominal_end) == (0, date(2025, 6, 3))


@pytest.mark.parametrize("rule", ["guarantee_period", "appeal_judgment", "limitation"])
def test_periods_that_cannot_be_suspended_refuse_intervals(calendar, rule):
    with pytest.raises(LawInputError) as excinfo:
        compute_deadline(rule, date(2025, 3, 3), calendar=calendar, suspensions=[(date(2025, 4, 1), date(2025, 4, 2))])
    assert excinfo.value.code == "period.suspension_not_allowed"


def test_reversed_suspension_interval_is_refused(calendar):
    with pytest.raises(LawInputError) as excinfo:
        compute_deadline(
            "trial_ordinary", date(2025, 3, 3), calendar=calendar, suspensions=[(date(2025, 4, 2), date(2025, 4, 1))]
        )
    assert excinfo.value.code == "period.bad_interval"


def test_unknown_rule_is_refused(calendar):
    with pytest.raises(LawInputError) as excinfo:
        compute_deadline("appeal_by_carrier_pigeon", date(2025, 3, 3), calendar=calendar)
    assert excinfo.value.code == "period.unknown_rule"


def test_each_party_runs_from_its_own_service_date_and_the_judgment_takes_effect_after_the_last(calendar):
    served = {"borrower": date(2025, 5, 15), "guarantor": date(2025, 9, 23)}
    results = party_deadlines("appeal_judgment", served, calendar=calendar)
    assert results["borrower"].deadline == date(2025, 5, 30)
    assert results["guarantor"].deadline == date(2025, 10, 9)
    effective = judgment_effective_date(served, calendar=calendar)
    assert (effective.last_deadline, effective.effective_on, effective.confirmed) == (
        date(2025, 10, 9),
        date(2025, 10, 10),
        True,
    )


def test_effective_date_needs_at_least_one_service_date(calendar):
    with pytest.raises(LawInputError) as excinfo:
        judgment_effective_date({}, calendar=calendar)
    assert excinfo.value.code == "period.no_service_dates"


@pytest.mark.parametrize(
    ("procedure", "days", "status"),
    [
        ("summary", 15, "ok"),
        ("summary", 16, "invalid"),
        ("second_instance_new_evidence", 10, "ok"),
        ("second_instance_new_evidence", 9, "invalid"),
        ("ordinary_first_instance", 14, "invalid"),
        ("small_claims", 8, "warning"),
    ],
)
def test_evidence_period_limits_by_procedure(procedure, days, status):
    assert check_evidence_period(procedure, days).status == status


@pytest.mark.parametrize(
    ("procedure", "days", "code"), [("arbitration", 10, "period.unknown_procedure"), ("summary", 0, "period.bad_days")]
)
def test_evidence_period_bad_input_is_refused(procedure, days, code):
    with pytest.raises(LawInputError) as excinfo:
        check_evidence_period(procedure, days)
    assert excinfo.value.code == code


# --- properties -----------------------------------------------------------------------------------------

starts = st.dates(min_value=date(2004, 1, 1), max_value=date(2027, 12, 31))
rule_names = st.sampled_from(sorted(RULES))


@settings(max_examples=300, deadline=None)
@given(rule=rule_names, start=starts)
def test_deadline_is_never_before_its_nominal_end_and_nominal_end_is_after_start(rule, start):
    result = compute_deadline(rule, start, calendar=PLAIN)
    assert result.start < result.nominal_end <= result.deadline
    assert result.rolled is (result.deadline != result.nominal_end)
    assert result.deadline - result.nominal_end < timedelta(days=15)
    assert result.reminder_date <= result.deadline


@settings(max_examples=200, deadline=None)
@given(rule=rule_names, start=starts)
def test_results_are_stable_across_calls_and_calendar_instances(rule, start):
    first = compute_deadline(rule, start, calendar=PLAIN)
    assert compute_deadline(rule, start, calendar=PLAIN) == first
    assert compute_deadline(rule, start, calendar=Calendar()) == first


@settings(max_examples=200, deadline=None)
@given(rule=rule_names, start=st.dates(min_value=date(2004, 1, 1), max_value=date(2020, 12, 31)))
def test_confirmed_deadline_is_a_working_day_and_every_day_before_it_after_nominal_end_is_rest(rule, start):
    result = compute_deadline(rule, start, calendar=PLAIN)
    assert result.confirmed is True
    assert PLAIN.is_working_day(result.deadline)
    day = result.nominal_end
    while day < result.deadline:
        assert not PLAIN.is_working_day(day)
        day += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(rule=rule_names, start=starts)
def test_unconfirmed_results_remind_on_the_earlier_date(rule, start):
    result = compute_deadline(rule, start, calendar=PLAIN)
    if not result.confirmed and not rule.startswith("preservation_"):
        assert result.reminder_date == min(result.nominal_end, result.deadline)


@pytest.mark.parametrize("start", [datetime(2025, 3, 3, 9, 30), "2025-03-03", None])
def test_start_must_be_a_plain_date(calendar, start):
    with pytest.raises(LawInputError) as excinfo:
        compute_deadline("appeal_judgment", start, calendar=calendar)
    assert excinfo.value.code == "period.bad_start"
