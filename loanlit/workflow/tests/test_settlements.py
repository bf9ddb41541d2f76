"""Settlement plans: exact schedules, matching recoveries to the cent, breach on the first day past grace
(once), completion tasks, waivers through the internal approval, cancellation, scope and permissions."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.models import CaseEvent, CostEntry, Proceeding
from loanlit.cases.tests.views_support import build_case_world
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.workflow import jobs_settlements
from loanlit.workflow.models import SettlementInstalment, SettlementPayment, SettlementPlan, Task
from loanlit.workflow.services import decisions
from loanlit.workflow.services import settlements as services

pytestmark = pytest.mark.django_db
D = Decimal
Status = SettlementPlan.Status
# The exact zh-Hans texts (kept out of the source: no CJK characters in Python).
ZH = json.loads((Path(__file__).parent / "settlements_zh.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    return build_case_world(personas)


@pytest.fixture
def enforced(personas):
    """A judged case (enforcement tests' world) whose enforcement was applied for on 2025-04-15."""
    from loanlit.enforcement.tests.support import apply, build_world

    world = build_world(personas)
    world.record = apply(world)
    return world


def make_plan(world, **kwargs):
    arguments = {
        "actor": world.personas.case_handler,
        "case": world.case,
        "phase": SettlementPlan.Phase.IN_COURT,
        "agreed_on": dt.date(2026, 1, 20),
        "total": D("10000.00"),
        "count": 3,
        "first_due": dt.date(2026, 1, 31),
        "grace_days": 5,
        **kwargs,
    }
    return services.settlement_create(**arguments)


def receive(world, amount, on, actor=None):
    return cases.recovery_record(
        actor=actor, case=world.case, received_on=on, amount=D(amount), source="borrower_payment"
    )


def schedule(plan):
    return [
        (row.seq, row.due_on, row.amount, row.paid, row.status, row.paid_on)
        for row in SettlementInstalment.objects.filter(plan=plan).order_by("seq")
    ]


def case_audit(world, prefix="settlement."):
    return list(
        AuditEntry.objects.filter(stream=f"case:{world.case.pk}", action__startswith=prefix)
        .order_by("seq")
        .values_list("action", flat=True)
    )


def settlement_events(world):
    return list(
        CaseEvent.objects.filter(case=world.case, kind__startswith="settlement_")
        .order_by("pk")
        .values_list("kind", "happened_on")
    )


def plan_tasks(plan):
    return list(
        Task.objects.filter(source_key__startswith=f"settlement:{plan.pk}:")
        .order_by("pk")
        .values_list("source_key", "title", "due_on", "assignee__username", "source")
    )


# --- schedules -------------------------------------------------------------------------------------------


def test_ten_thousand_in_three_puts_the_remainder_cent_on_the_last_instalment():
    rows = services.schedule_equal(total=D("10000.00"), count=3, first_due=dt.date(2026, 1, 31))
    assert [(r.seq, r.due_on, r.amount) for r in rows] == [
        (1, dt.date(2026, 1, 31), D("3333.33")),
        (2, dt.date(2026, 2, 28), D("3333.33")),
        (3, dt.date(2026, 3, 31), D("3333.34")),
    ]


def test_equal_instalments_round_half_up_so_the_last_may_be_smaller():
    rows = services.schedule_equal(total=D("200.00"), count=3, first_due=dt.date(2026, 5, 15))
    assert [r.amount for r in rows] == [D("66.67"), D("66.67"), D("66.66")]
    assert [r.due_on for r in rows] == [dt.date(2026, 5, 15), dt.date(2026, 6, 15), dt.date(2026, 7, 15)]


def test_month_end_dates_clamp_to_29_february_in_a_leap_year_and_return_to_the_31st():
    rows = services.schedule_equal(total=D("500.00"), count=5, first_due=dt.date(2027, 12, 31))
    assert [r.due_on for r in rows] == [
        dt.date(2027, 12, 31),
        dt.date(2028, 1, 31),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 31),
        dt.date(2028, 4, 30),
    ]


def test_quarterly_instalments_count_from_the_first_due_date():
    rows = services.schedule_equal(total=D("900.00"), count=3, first_due=dt.date(2026, 11, 30), interval_months=3)
    assert [r.due_on for r in rows] == [dt.date(2026, 11, 30), dt.date(2027, 2, 28), dt.date(2027, 5, 30)]


@pytest.mark.parametrize(
    "total, count, code",
    [("0.02", 3, "invalid_count"), ("100.00", 0, "invalid_count"), ("100.00", 121, "invalid_count")],
)
def test_impossible_equal_schedules_are_refused(total, count, code):
    with pytest.raises(DomainError) as caught:
        services.schedule_equal(total=D(total), count=count, first_due=dt.date(2026, 1, 31))
    assert caught.value.code == code


def test_a_given_schedule_must_add_up_to_the_total_to_the_cent():
    with pytest.raises(DomainError) as caught:
        services.schedule_given(
            total=D("1000.00"), rows=[(dt.date(2026, 2, 1), D("500.00")), (dt.date(2026, 3, 1), D("499.99"))]
        )
    assert caught.value.code == "schedule_sum"
    assert "999.99" in caught.value.message and "1,000.00" in caught.value.message


def test_a_given_schedule_must_be_in_date_order():
    with pytest.raises(DomainError) as caught:
        services.schedule_given(
            total=D("1000.00"), rows=[(dt.date(2026, 3, 1), D("500.00")), (dt.date(2026, 2, 1), D("500.00"))]
        )
    assert caught.value.code == "schedule_order"


# --- create ----------------------------------------------------------------------------------------------


def test_a_plan_without_waivers_is_in_force_at_once_with_its_schedule_event_and_audit(world):
    plan = make_plan(world)
    assert plan.status == Status.ACTIVE
    assert (plan.total, plan.currency, plan.grace_days, plan.created_by) == (
        D("10000.00"),
        "CNY",
        5,
        world.personas.case_handler,
    )
    assert schedule(plan) == [
        (1, dt.date(2026, 1, 31), D("3333.33"), D("0.00"), "due", None),
        (2, dt.date(2026, 2, 28), D("3333.33"), D("0.00"), "due", None),
        (3, dt.date(2026, 3, 31), D("3333.34"), D("0.00"), "due", None),
    ]
    assert settlement_events(world) == [("settlement_agreed", dt.date(2026, 1, 20))]
    event = CaseEvent.objects.get(case=world.case, kind="settlement_agreed")
    assert event.params == {
        "plan": plan.pk,
        "phase": "in_court",
        "amount": "10000.00",
        "currency": "CNY",
        "instalments": 3,
        "waived": "0.00",
    }
    assert case_audit(world) == ["settlement.created", "settlement.activated"]
    created = AuditEntry.objects.get(stream=f"case:{world.case.pk}", action="settlement.created")
    assert created.changes["schedule"] == [
        ["2026-01-31", "3333.33"],
        ["2026-02-28", "3333.33"],
        ["2026-03-31", "3333.34"],
    ]


def test_a_given_schedule_is_stored_as_entered(world):
    plan = make_plan(
        world,
        count=None,
        first_due=None,
        total=D("1500.00"),
        instalments=[(dt.date(2026, 2, 10), D("1000.00")), (dt.date(2026, 4, 10), D("500.00"))],
    )
    assert [(r[0], r[1], r[2]) for r in schedule(plan)] == [
        (1, dt.date(2026, 2, 10), D("1000.00")),
        (2, dt.date(2026, 4, 10), D("500.00")),
    ]


def test_a_second_plan_is_refused_while_one_is_in_force_and_nothing_is_written(world):
    make_plan(world)
    before = (SettlementPlan.objects.count(), SettlementInstalment.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError) as caught:
        make_plan(world, agreed_on=dt.date(2026, 1, 25))
    assert caught.value.code == "settlement_exists"
    assert (SettlementPlan.objects.count(), SettlementInstalment.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"phase": "after_lunch"}, "invalid_phase"),
        ({"first_due": dt.date(2026, 1, 19)}, "schedule_before"),
        ({"grace_days": 91}, "invalid_grace"),
        ({"waived_interest": D("-1.00")}, "invalid_amount"),
        ({"total": D("0.00")}, "invalid_amount"),
        ({"agreed_on": dt.date(2999, 1, 1), "first_due": dt.date(2999, 1, 31)}, "invalid_date"),
    ],
)
def test_bad_plans_are_refused_and_nothing_is_written(world, kwargs, code):
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        make_plan(world, **kwargs)
    assert caught.value.code == code
    assert not SettlementPlan.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_plan_in_the_enforcement_phase_is_refused_with_a_pointer_to_the_enforcement_page(world):
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        make_plan(world, phase=SettlementPlan.Phase.ENFORCEMENT)
    assert caught.value.code == "settlement_in_enforcement"
    assert caught.value.message == (
        "A settlement reached in enforcement is recorded on the case's enforcement page "
        "(Record a settlement in enforcement), not as a settlement plan."
    )
    assert not SettlementPlan.objects.exists()
    assert not SettlementInstalment.objects.exists()
    assert AuditEntry.objects.count() == before


def test_the_refusal_is_translated(world):
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        make_plan(world, phase=SettlementPlan.Phase.ENFORCEMENT)
    assert caught.value.message == ZH["enforcement_refusal"]


def test_no_plan_of_any_phase_on_a_case_whose_enforcement_is_under_way(enforced):
    before = AuditEntry.objects.count()
    for phase in (SettlementPlan.Phase.BEFORE_SUIT, SettlementPlan.Phase.IN_COURT):
        with pytest.raises(DomainError) as caught:
            services.settlement_create(
                actor=enforced.personas.case_handler,
                case=enforced.case,
                phase=phase,
                agreed_on=dt.date(2025, 5, 1),
                total=D("1000.00"),
                count=1,
                first_due=dt.date(2025, 6, 1),
            )
        assert caught.value.code == "settlement_in_enforcement"
    assert not SettlementPlan.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_viewer_without_edit_rights_cannot_create_a_plan_and_nothing_is_written(world):
    before = AuditEntry.objects.count()
    for user in (world.personas.read_only, world.personas.outsider_branch, world.personas.outsider_creditor):
        with pytest.raises(PermissionDeniedError):
            make_plan(world, actor=user)
    assert not SettlementPlan.objects.exists()
    assert not SettlementInstalment.objects.exists()
    assert AuditEntry.objects.count() == before


# --- matching --------------------------------------------------------------------------------------------


def test_partial_and_over_payments_are_matched_oldest_first_to_the_cent(world):
    plan = make_plan(world)
    receive(world, "5000.00", dt.date(2026, 1, 30))
    assert schedule(plan) == [
        (1, dt.date(2026, 1, 31), D("3333.33"), D("3333.33"), "paid", dt.date(2026, 1, 30)),
        (2, dt.date(2026, 2, 28), D("3333.33"), D("1666.67"), "part_paid", None),
        (3, dt.date(2026, 3, 31), D("3333.34"), D("0.00"), "due", None),
    ]
    receive(world, "1666.65", dt.date(2026, 2, 27))
    assert schedule(plan)[1] == (2, dt.date(2026, 2, 28), D("3333.33"), D("3333.32"), "part_paid", None)
    receive(world, "1.00", dt.date(2026, 2, 28))
    assert schedule(plan)[1:] == [
        (2, dt.date(2026, 2, 28), D("3333.33"), D("3333.33"), "paid", dt.date(2026, 2, 28)),
        (3, dt.date(2026, 3, 31), D("3333.34"), D("0.99"), "part_paid", None),
    ]
    payments = list(
        SettlementPayment.objects.filter(plan=plan)
        .order_by("pk")
        .values_list("instalment__seq", "amount", "received_on", "recovery__amount")
    )
    assert payments == [
        (1, D("3333.33"), dt.date(2026, 1, 30), D("5000.00")),
        (2, D("1666.67"), dt.date(2026, 1, 30), D("5000.00")),
        (2, D("1666.65"), dt.date(2026, 2, 27), D("1666.65")),
        (2, D("0.01"), dt.date(2026, 2, 28), D("1.00")),
        (3, D("0.99"), dt.date(2026, 2, 28), D("1.00")),
    ]
    plan.refresh_from_db()
    assert plan.status == Status.ACTIVE


def test_full_payment_completes_the_plan_and_an_overpayment_stays_unmatched(world):
    plan = make_plan(world)
    receive(world, "6666.66", dt.date(2026, 2, 1))
    receive(world, "3500.00", dt.date(2026, 3, 15))
    plan.refresh_from_db()
    assert (plan.status, plan.completed_on) == (Status.COMPLETED, dt.date(2026, 3, 15))
    assert [r[4] for r in schedule(plan)] == ["paid", "paid", "paid"]
    matched = SettlementPayment.objects.filter(plan=plan, recovery__amount=D("3500.00"))
    assert sorted(matched.values_list("amount", flat=True)) == [D("3333.34")]
    assert settlement_events(world) == [
        ("settlement_agreed", dt.date(2026, 1, 20)),
        ("settlement_completed", dt.date(2026, 3, 15)),
    ]
    # A recovery after completion is not counted towards the plan.
    receive(world, "10.00", dt.date(2026, 3, 20))
    assert SettlementPayment.objects.filter(plan=plan).count() == 3


def test_recoveries_before_the_agreement_are_not_counted_and_earlier_ones_after_it_are(world):
    receive(world, "100.00", dt.date(2026, 1, 19))
    receive(world, "200.00", dt.date(2026, 1, 20))
    plan = make_plan(world)
    assert list(SettlementPayment.objects.filter(plan=plan).values_list("amount", "received_on")) == [
        (D("200.00"), dt.date(2026, 1, 20))
    ]
    assert schedule(plan)[0][3:5] == (D("200.00"), "part_paid")


def test_matching_again_by_hand_counts_each_recovery_once(world):
    plan = make_plan(world)
    receive(world, "1000.00", dt.date(2026, 1, 25))
    assert services.settlement_payment_match(actor=world.personas.case_handler, plan=plan) == []
    assert SettlementPayment.objects.filter(plan=plan).count() == 1
    assert schedule(plan)[0][3] == D("1000.00")
    assert case_audit(world, "settlement.payment_matched") == ["settlement.payment_matched"]


def test_matching_by_hand_needs_edit_rights_and_writes_nothing_otherwise(world):
    plan = make_plan(world)
    before = AuditEntry.objects.count()
    for user in (world.personas.read_only, world.personas.outsider_branch):
        with pytest.raises(PermissionDeniedError):
            services.settlement_payment_match(actor=user, plan=plan)
    assert AuditEntry.objects.count() == before


# --- completion ------------------------------------------------------------------------------------------


def test_full_payment_creates_the_withdraw_release_and_refund_tasks_for_the_handler(world):
    from loanlit.enforcement import services as enforcement

    cases.cost_record(
        actor=None,
        case=world.case,
        kind=CostEntry.Kind.ACCEPTANCE_FEE,
        amount=D("186.38"),
        paid_on=dt.date(2026, 1, 12),
        payer=CostEntry.Payer.CREDITOR,
        borne_by_defendant=True,
        proceeding=world.proceeding,
    )
    asset = enforcement.asset_add(
        actor=None,
        case=world.case,
        kind="deposit",
        description="Current account",
        source="asset_search",
        found_on=dt.date(2026, 1, 11),
    )
    enforcement.measure_record(
        actor=None, case=world.case, asset=asset, kind="freeze", basis="preservation", started_on=dt.date(2026, 1, 15)
    )
    plan = make_plan(world)
    receive(world, "10000.00", dt.date(2026, 1, 28))
    plan.refresh_from_db()
    assert (plan.status, plan.completed_on) == (Status.COMPLETED, dt.date(2026, 1, 28))
    handler = world.personas.case_handler.username
    assert plan_tasks(plan) == [
        (
            f"settlement:{plan.pk}:withdraw",
            "Withdraw the suit: the settlement was paid in full",
            dt.date(2026, 2, 4),
            handler,
            "settlement",
        ),
        (
            f"settlement:{plan.pk}:release",
            "Apply to release the seizures: the settlement was paid in full",
            dt.date(2026, 2, 4),
            handler,
            "settlement",
        ),
        (
            f"settlement:{plan.pk}:refund",
            "Reclaim the refundable court fees",
            dt.date(2026, 2, 27),
            handler,
            "settlement",
        ),
    ]
    refund = Task.objects.get(source_key=f"settlement:{plan.pk}:refund")
    assert "Acceptance fee 2026-01-12 CNY 186.38" in refund.description
    assert case_audit(world, "task.created") == ["task.created"] * 3


def test_full_payment_with_no_suit_in_court_no_seizures_and_no_fees_creates_no_tasks(world):
    cases.proceeding_record_result(
        actor=None,
        proceeding=world.proceeding,
        result=Proceeding.Result.MEDIATION,
        result_on=dt.date(2026, 1, 18),
        version=world.proceeding.version,
        close=True,
    )
    plan = make_plan(world, phase=SettlementPlan.Phase.BEFORE_SUIT)
    receive(world, "10000.00", dt.date(2026, 1, 28))
    plan.refresh_from_db()
    assert plan.status == Status.COMPLETED
    assert plan_tasks(plan) == []


# --- breaches --------------------------------------------------------------------------------------------


def test_a_missed_instalment_breaches_on_the_first_day_past_grace_not_the_day_before(world):
    plan = make_plan(world)  # instalment 1 due 31 Jan, 5 days of grace: the last day of grace is 5 Feb
    receive(world, "3000.00", dt.date(2026, 1, 30))  # partly paid is still unpaid
    assert services.settlements_check_breaches(today=dt.date(2026, 2, 5)) == 0
    plan.refresh_from_db()
    assert plan.status == Status.ACTIVE
    assert plan_tasks(plan) == []
    assert services.settlements_check_breaches(today=dt.date(2026, 2, 6)) == 1
    plan.refresh_from_db()
    assert (plan.status, plan.breached_on) == (Status.BREACHED, dt.date(2026, 2, 6))
    assert [r[4] for r in schedule(plan)] == ["missed", "due", "due"]
    assert plan_tasks(plan) == [
        (
            f"settlement:{plan.pk}:breach:1",
            "Resume the suit: the settlement was breached",
            dt.date(2026, 2, 13),
            world.personas.case_handler.username,
            "settlement",
        )
    ]
    task = Task.objects.get(source_key=f"settlement:{plan.pk}:breach:1")
    assert task.priority == Task.Priority.HIGH
    assert task.description == (
        "Instalment 1 of 3,333.33 was due on 2026-01-31 and is unpaid after 5 days of grace "
        "(333.33 unpaid on the missed instalments)."
    )
    assert settlement_events(world) == [
        ("settlement_agreed", dt.date(2026, 1, 20)),
        ("settlement_breached", dt.date(2026, 2, 6)),
    ]
    event = CaseEvent.objects.get(case=world.case, kind="settlement_breached")
    assert (event.params["instalment"], event.params["unpaid"], event.actor) == (1, "333.33", None)


def test_the_breach_check_runs_again_without_a_second_task_or_event(world):
    plan = make_plan(world, grace_days=0)
    assert services.settlements_check_breaches(today=dt.date(2026, 3, 1)) == 1
    plan.refresh_from_db()
    # Two instalments were missed by 1 March; the one breach is dated by the first.
    assert [r[4] for r in schedule(plan)] == ["missed", "missed", "due"]
    assert plan.breached_on == dt.date(2026, 2, 1)
    assert services.settlements_check_breaches(today=dt.date(2026, 3, 2)) == 0
    assert services.settlements_check_breaches(today=dt.date(2026, 4, 30)) == 0
    assert len(plan_tasks(plan)) == 1
    assert CaseEvent.objects.filter(case=world.case, kind="settlement_breached").count() == 1
    assert case_audit(world, "task.created") == ["task.created"]


def test_a_breach_before_suit_asks_to_resume_the_suit(world):
    plan = make_plan(world, phase=SettlementPlan.Phase.BEFORE_SUIT, grace_days=0)
    services.settlements_check_breaches(today=dt.date(2026, 2, 1))
    assert [row[1] for row in plan_tasks(plan)] == ["Resume the suit: the settlement was breached"]


def test_an_instalment_paid_within_grace_is_no_breach(world):
    plan = make_plan(world)
    receive(world, "3333.33", dt.date(2026, 2, 5))
    assert services.settlements_check_breaches(today=dt.date(2026, 2, 6)) == 0
    plan.refresh_from_db()
    assert plan.status == Status.ACTIVE


def test_the_daily_periodic_task_checks_breaches_as_of_today(world, time_machine):
    plan = make_plan(world, grace_days=0)
    time_machine.move_to(dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC))
    from loanlit.jobs.registry import ensure_discovered, periodic_tasks

    ensure_discovered()
    assert periodic_tasks["workflow.settlement_breaches"].func is jobs_settlements.settlement_breaches_daily
    jobs_settlements.settlement_breaches_daily()
    plan.refresh_from_db()
    assert (plan.status, plan.breached_on) == (Status.BREACHED, dt.date(2026, 2, 1))


def test_a_breached_plan_takes_no_more_payments(world):
    plan = make_plan(world, grace_days=0)
    services.settlements_check_breaches(today=dt.date(2026, 2, 1))
    receive(world, "3333.33", dt.date(2026, 2, 2))
    assert not SettlementPayment.objects.filter(plan=plan).exists()
    plan.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        services.settlement_payment_match(actor=world.personas.case_handler, plan=plan)
    assert caught.value.code == "settlement_not_active"


# --- cancel ----------------------------------------------------------------------------------------------


def test_cancelling_a_plan_stops_matching_and_is_on_the_timeline(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 1, 22, 9, 0, tzinfo=dt.UTC))
    plan = make_plan(world)
    plan = services.settlement_cancel(
        actor=world.personas.case_handler, plan=plan, version=plan.version, reason="Renegotiated"
    )
    assert plan.status == Status.CANCELLED
    assert settlement_events(world)[-1] == ("settlement_cancelled", dt.date(2026, 1, 22))
    receive(world, "3333.33", dt.date(2026, 1, 22))
    assert not SettlementPayment.objects.exists()
    assert services.settlements_check_breaches(today=dt.date(2026, 3, 1)) == 0
    # A new plan may be agreed once the old one is cancelled.
    assert make_plan(world, agreed_on=dt.date(2026, 1, 22)).status == Status.ACTIVE


def test_cancelling_needs_the_current_version_a_reason_and_edit_rights(world):
    plan = make_plan(world)
    with pytest.raises(StaleVersionError):
        services.settlement_cancel(
            actor=world.personas.case_handler, plan=plan, version=plan.version - 1, reason="Renegotiated"
        )
    with pytest.raises(DomainError) as caught:
        services.settlement_cancel(actor=world.personas.case_handler, plan=plan, version=plan.version, reason=" ")
    assert caught.value.code == "reason_required"
    with pytest.raises(PermissionDeniedError):
        services.settlement_cancel(actor=world.personas.read_only, plan=plan, version=plan.version, reason="x")
    plan.refresh_from_db()
    assert plan.status == Status.ACTIVE
    assert "settlement.cancelled" not in case_audit(world)


# --- waivers and internal approval ------------------------------------------------------------------------


def test_a_waiver_without_an_approval_policy_is_in_force_at_once(world):
    plan = make_plan(world, waived_interest=D("345.67"), waived_fees=D("100.00"))
    assert plan.status == Status.ACTIVE
    assert plan.decision_id is None
    event = CaseEvent.objects.get(case=world.case, kind="settlement_agreed")
    assert event.params["waived"] == "445.67"


decisions_ready = pytest.mark.skipif(
    not hasattr(decisions, "decision_approve"), reason="the decisions area is not implemented yet"
)


@decisions_ready
def test_a_waiver_under_a_policy_awaits_approval_then_comes_into_force(world):
    from loanlit.workflow.models import ApprovalPolicy, DecisionRequest

    ApprovalPolicy.objects.create(kind="settlement", min_amount=D("0.00"), approver_roles=["legal_manager"])
    receive(world, "500.00", dt.date(2026, 1, 25))
    plan = make_plan(world, waived_penalty=D("200.00"))
    assert plan.status == Status.AWAITING_APPROVAL
    request = DecisionRequest.objects.get(pk=plan.decision_id)
    assert (request.kind, request.amount, request.payload) == ("settlement", D("200.00"), {"plan_id": plan.pk})
    assert not SettlementPayment.objects.exists()
    assert services.settlements_check_breaches(today=dt.date(2026, 3, 1)) == 0
    decisions.decision_approve(actor=world.personas.legal_manager, request=request, comment="ok")
    plan.refresh_from_db()
    assert plan.status == Status.ACTIVE
    # Recoveries received since the agreement are matched when the plan comes into force.
    assert schedule(plan)[0][3:5] == (D("500.00"), "part_paid")
    assert ("settlement_agreed", dt.date(2026, 1, 20)) in settlement_events(world)


@decisions_ready
def test_a_rejected_waiver_leaves_the_plan_rejected(world):
    from loanlit.workflow.models import ApprovalPolicy, DecisionRequest

    ApprovalPolicy.objects.create(kind="settlement", min_amount=D("0.00"), approver_roles=["legal_manager"])
    plan = make_plan(world, waived_penalty=D("200.00"))
    request = DecisionRequest.objects.get(pk=plan.decision_id)
    decisions.decision_reject(actor=world.personas.legal_manager, request=request, comment="Too generous")
    plan.refresh_from_db()
    assert plan.status == Status.REJECTED
    assert not CaseEvent.objects.filter(case=world.case, kind="settlement_agreed").exists()
    # A rejected plan does not block a new one.
    assert make_plan(world).status == Status.ACTIVE


@decisions_ready
def test_cancelling_a_plan_awaiting_approval_withdraws_the_request(world):
    from loanlit.workflow.models import ApprovalPolicy, DecisionRequest

    ApprovalPolicy.objects.create(kind="settlement", min_amount=D("0.00"), approver_roles=["legal_manager"])
    plan = make_plan(world, waived_fees=D("50.00"))
    plan = services.settlement_cancel(
        actor=world.personas.case_handler, plan=plan, version=plan.version, reason="Debtor withdrew"
    )
    assert plan.status == Status.CANCELLED
    assert DecisionRequest.objects.get(pk=plan.decision_id).state == DecisionRequest.State.WITHDRAWN


@decisions_ready
def test_approving_a_plan_someone_else_cancelled_fails_and_changes_nothing(world):
    from loanlit.workflow.models import ApprovalPolicy, DecisionRequest

    ApprovalPolicy.objects.create(kind="settlement", min_amount=D("100.00"), approver_roles=["administrator"])
    plan = make_plan(world, waived_fees=D("150.00"))
    plan = services.settlement_cancel(
        actor=world.personas.legal_manager, plan=plan, version=plan.version, reason="Agreed by mistake"
    )
    request = DecisionRequest.objects.get(pk=plan.decision_id)
    assert request.state == DecisionRequest.State.PENDING
    request = decisions.decision_approve(actor=world.personas.administrator, request=request)
    assert request.state == DecisionRequest.State.FAILED
    plan.refresh_from_db()
    assert plan.status == Status.CANCELLED
    assert not CaseEvent.objects.filter(case=world.case, kind="settlement_agreed").exists()


def test_a_waiver_below_the_policy_threshold_is_in_force_at_once(world):
    from loanlit.workflow.models import ApprovalPolicy

    ApprovalPolicy.objects.create(kind="settlement", min_amount=D("1000.00"), approver_roles=["legal_manager"])
    plan = make_plan(world, waived_interest=D("999.99"))
    assert (plan.status, plan.decision_id) == (Status.ACTIVE, None)


def test_only_acceptance_fees_not_refunded_of_suits_not_decided_by_judgment_are_refundable(world):
    def cost(kind, amount, proceeding=None):
        return cases.cost_record(
            actor=None,
            case=world.case,
            kind=kind,
            amount=D(amount),
            paid_on=dt.date(2026, 1, 12),
            payer=CostEntry.Payer.CREDITOR,
            borne_by_defendant=False,
            proceeding=proceeding,
        )

    without_proceeding = cost(CostEntry.Kind.ACCEPTANCE_FEE, "50.00")
    of_first_instance = cost(CostEntry.Kind.ACCEPTANCE_FEE, "186.38", world.proceeding)
    cost(CostEntry.Kind.PRESERVATION_FEE, "120.00", world.proceeding)
    refunded = cost(CostEntry.Kind.ACCEPTANCE_FEE, "80.00")
    cases.cost_refund(actor=None, cost=refunded, amount=D("80.00"), refunded_on=dt.date(2026, 1, 13), version=1)
    assert services.refundable_costs(world.case.pk) == [without_proceeding, of_first_instance]
    cases.proceeding_record_result(
        actor=None,
        proceeding=world.proceeding,
        result=Proceeding.Result.JUDGMENT,
        result_on=dt.date(2026, 1, 18),
        version=world.proceeding.version,
    )
    assert services.refundable_costs(world.case.pk) == [without_proceeding]


def test_recoveries_recorded_for_several_cases_match_each_cases_own_plan(world, personas):
    from loanlit.cases.tests.views_support import build_case_world

    other = build_case_world(personas, name="Li Si", seq=2)
    mine = make_plan(world)
    theirs = make_plan(other, total=D("600.00"))
    receive(world, "100.00", dt.date(2026, 1, 25))
    receive(other, "250.00", dt.date(2026, 1, 26))
    assert [r[3] for r in schedule(mine)] == [D("100.00"), D("0.00"), D("0.00")]
    assert [r[3] for r in schedule(theirs)] == [D("200.00"), D("50.00"), D("0.00")]


def test_the_price_of_a_debt_transfer_is_not_a_payment_under_the_plan(world):
    plan = make_plan(world)
    cases.recovery_record(
        actor=None, case=world.case, received_on=dt.date(2026, 1, 25), amount=D("900.00"), source="debt_transfer"
    )
    cases.recovery_record(
        actor=None, case=world.case, received_on=dt.date(2026, 1, 26), amount=D("90.00"), source="guarantor"
    )
    assert list(SettlementPayment.objects.filter(plan=plan).values_list("amount", flat=True)) == [D("90.00")]


# --- settlements in enforcement: the daily check only reads them -----------------------------------------


def enforcement_settlement(enforced):
    """Agreed 2025-05-01: 30,000.00 due 2025-06-01 and 77,300.00 due 2025-07-01 (the enforcement app's own)."""
    from loanlit.enforcement import services as enforcement

    return enforcement.settlement_record(
        actor=None,
        case=enforced.case,
        proceeding=enforced.record.proceeding,
        agreed_on=dt.date(2025, 5, 1),
        instalments=[(dt.date(2025, 6, 1), D("30000.00")), (dt.date(2025, 7, 1), D("77300.00"))],
    )


def enforcement_rows():
    from loanlit.enforcement.models import EnforcementSettlement
    from loanlit.enforcement.models import SettlementInstalment as EnforcementInstalment

    return (
        list(EnforcementSettlement.objects.order_by("pk").values()),
        list(EnforcementInstalment.objects.order_by("pk").values()),
    )


def overdue_tasks(settlement):
    return list(
        Task.objects.filter(source_key__startswith=f"enf-settlement:{settlement.pk}:")
        .order_by("pk")
        .values_list("source_key", "title", "due_on", "assignee__username", "source", "priority")
    )


def test_an_unpaid_instalment_in_enforcement_gets_one_task_the_day_after_it_fell_due(enforced):
    settlement = enforcement_settlement(enforced)
    snapshot = enforcement_rows()
    assert services.enforcement_settlements_check_overdue(today=dt.date(2025, 6, 1)) == 0
    assert overdue_tasks(settlement) == []
    assert services.enforcement_settlements_check_overdue(today=dt.date(2025, 6, 2)) == 1
    assert overdue_tasks(settlement) == [
        (
            f"enf-settlement:{settlement.pk}:overdue:1",
            "Instalment 1 of the settlement in enforcement is overdue: record the breach and apply to resume "
            "enforcement",
            dt.date(2025, 6, 9),
            enforced.personas.case_handler.username,
            "settlement",
            "high",
        )
    ]
    task = Task.objects.get(source_key=f"enf-settlement:{settlement.pk}:overdue:1")
    assert task.case_id == enforced.case.pk
    assert task.description == (
        "Instalment 1 of 30,000.00 under the settlement in enforcement agreed on 2025-05-01 fell due on "
        "2025-06-01 and is unpaid.\n"
        "If the debtor does not perform, record the breach on the case's enforcement page and apply to resume "
        "enforcement of the original title: the application is due within 2 years of the settlement's last "
        "performance day (Settlement Provisions art. 10).\n"
        "Last performance day 2025-07-01: apply to resume by 2027-07-01."
    )
    # Once only, also when the next instalment falls due unpaid as well; the enforcement rows are untouched.
    assert services.enforcement_settlements_check_overdue(today=dt.date(2025, 6, 2)) == 0
    assert services.enforcement_settlements_check_overdue(today=dt.date(2025, 7, 15)) == 0
    assert len(overdue_tasks(settlement)) == 1
    assert AuditEntry.objects.filter(action="task.created", stream=f"case:{enforced.case.pk}").count() == 1
    assert enforcement_rows() == snapshot


def test_an_instalment_paid_on_its_due_date_needs_no_task_and_the_next_one_overdue_gets_its_own(enforced):
    from loanlit.enforcement import services as enforcement

    settlement = enforcement_settlement(enforced)
    enforcement.settlement_instalment_pay(
        actor=None,
        instalment=settlement.instalments.get(seq=1),
        version=settlement.version,
        paid_on=dt.date(2025, 6, 1),
    )
    snapshot = enforcement_rows()
    assert services.enforcement_settlements_check_overdue(today=dt.date(2025, 6, 20)) == 0
    assert services.enforcement_settlements_check_overdue(today=dt.date(2025, 7, 1)) == 0
    assert services.enforcement_settlements_check_overdue(today=dt.date(2025, 7, 2)) == 1
    assert [(row[0], row[1], row[2]) for row in overdue_tasks(settlement)] == [
        (
            f"enf-settlement:{settlement.pk}:overdue:2",
            "Instalment 2 of the settlement in enforcement is overdue: record the breach and apply to resume "
            "enforcement",
            dt.date(2025, 7, 9),
        )
    ]
    assert enforcement_rows() == snapshot


def test_a_settlement_in_enforcement_breached_or_performed_gets_no_task(enforced):
    from loanlit.enforcement import services as enforcement

    settlement = enforcement_settlement(enforced)
    breached = enforcement.settlement_breach(
        actor=None, settlement=settlement, version=settlement.version, breached_on=dt.date(2025, 6, 2)
    )
    assert breached.resume_by == dt.date(2027, 7, 1)
    snapshot = enforcement_rows()
    assert services.enforcement_settlements_check_overdue(today=dt.date(2025, 6, 3)) == 0
    assert overdue_tasks(settlement) == []
    assert enforcement_rows() == snapshot


def test_the_daily_job_also_checks_the_settlements_in_enforcement(enforced, time_machine):
    settlement = enforcement_settlement(enforced)
    snapshot = enforcement_rows()
    time_machine.move_to(dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC))
    jobs_settlements.settlement_breaches_daily()
    jobs_settlements.settlement_breaches_daily()
    assert [row[0] for row in overdue_tasks(settlement)] == [f"enf-settlement:{settlement.pk}:overdue:1"]
    assert overdue_tasks(settlement)[0][2] == dt.date(2025, 6, 9)
    assert enforcement_rows() == snapshot


# --- the timeline ----------------------------------------------------------------------------------------


def test_the_timeline_summarises_a_settlement_event_with_its_amount_in_chinese(world):
    from loanlit.cases.templatetags.case_format import event_summary

    plan = make_plan(world, grace_days=0)
    services.settlements_check_breaches(today=dt.date(2026, 2, 1))
    agreed = CaseEvent.objects.get(case=world.case, kind="settlement_agreed")
    breached = CaseEvent.objects.get(case=world.case, kind="settlement_breached")
    assert breached.params["plan"] == plan.pk
    with translation.override("zh-hans"):
        assert event_summary(agreed, {}) == "CNY 10,000.00"
        assert event_summary(breached, {}) == ZH["breach_summary"]
    with translation.override("en"):
        assert event_summary(breached, {}) == "CNY 10,000.00 · instalment 1 missed, 3,333.33 unpaid"
