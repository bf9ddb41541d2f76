"""Deadlines derived from case events, recomputed on new holiday data, closed by people; loan monitors."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.events import notify_listeners, register_event_listener, unregister_event_listener
from loanlit.cases.models import CaseEvent, Proceeding
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.deadlines import selectors, services
from loanlit.deadlines.models import CollectionAction, Deadline
from loanlit.loans.models import GuaranteeContract
from loanlit.notifications.models import Notification
from loanlit.rules import services as rules

from .support import build_world, one, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- the listener hook ------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_case_services_call_registered_listeners_with_the_new_events_inside_the_transaction(personas):
    seen: list[list[str]] = []

    def listener(events):
        seen.append([e.kind for e in events])
        assert all(e.pk is not None for e in events)

    register_event_listener(listener)
    try:
        build_world(personas)
    finally:
        unregister_event_listener(listener)
    assert seen[0] == [CaseEvent.Kind.CREATED]
    assert [CaseEvent.Kind.PROCEEDING_OPENED] in seen


def test_a_failing_listener_rolls_back_the_event_that_caused_it(personas):
    world = build_world(personas)
    before = CaseEvent.objects.count()

    def broken(events):
        raise RuntimeError("listener failed")

    register_event_listener(broken)
    try:
        with pytest.raises(RuntimeError):
            serve(world.defendant, "complaint", dt.date(2025, 9, 1))
    finally:
        unregister_event_listener(broken)
    assert CaseEvent.objects.count() == before
    assert not Deadline.objects.filter(kind=Deadline.Kind.ANSWER).exists()


def test_notify_listeners_ignores_an_empty_batch():
    notify_listeners([])  # no listener is called and nothing fails


# --- deadlines from events -------------------------------------------------------------------------------------


def test_each_party_gets_its_own_appeal_deadline_from_its_own_service_date(personas):
    world = build_world(personas)
    serve(world.plaintiff, "judgment", dt.date(2025, 9, 23))
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))
    serve(world.guarantor_defendant, "judgment", dt.date(2025, 9, 28))
    # 2025-09-23 + 15 = 2025-10-08, inside the National Day holiday (1–8 Oct) → 2025-10-09.
    plaintiff = one(world.case, Deadline.Kind.APPEAL, world.plaintiff)
    assert (plaintiff.nominal_end, plaintiff.due_on, plaintiff.rolled) == (
        dt.date(2025, 10, 8),
        dt.date(2025, 10, 9),
        True,
    )
    # 2025-09-25 + 15 = 2025-10-10, a Friday working day: no roll-over.
    defendant = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    assert (defendant.due_on, defendant.rolled) == (dt.date(2025, 10, 10), False)
    # 2025-09-28 + 15 = 2025-10-13, a Monday.
    assert one(world.case, Deadline.Kind.APPEAL, world.guarantor_defendant).due_on == dt.date(2025, 10, 13)
    assert plaintiff.rule == "appeal_judgment"
    assert plaintiff.responsible == personas.case_handler
    assert plaintiff.status == Deadline.Status.OPEN and plaintiff.confirmed
    assert plaintiff.explanation[0]["code"] == "period.rule.appeal_judgment"
    assert any(item["code"] == "period.rolled" for item in plaintiff.explanation)
    assert plaintiff.unit_path == world.case.unit_path and plaintiff.creditor_id == personas.creditor.pk


def test_a_ruling_served_gives_the_ten_day_appeal_period(personas):
    world = build_world(personas)
    serve(world.defendant, "ruling", dt.date(2025, 11, 3))
    appeal = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    assert (appeal.rule, appeal.due_on) == ("appeal_ruling", dt.date(2025, 11, 13))


def test_complaint_served_on_a_defendant_starts_the_answer_period_but_not_on_the_plaintiff(personas):
    world = build_world(personas)
    serve(world.defendant, "complaint", dt.date(2026, 2, 1))
    serve(world.plaintiff, "complaint", dt.date(2026, 2, 1))
    # 2026-02-01 + 15 = 2026-02-16, inside the Spring Festival holiday (15–23 Feb) → 2026-02-24.
    answer = one(world.case, Deadline.Kind.ANSWER, world.defendant)
    assert (answer.nominal_end, answer.due_on) == (dt.date(2026, 2, 16), dt.date(2026, 2, 24))
    assert not Deadline.objects.filter(kind=Deadline.Kind.ANSWER, proceeding_party=world.plaintiff).exists()


def test_a_period_ending_on_a_make_up_working_saturday_does_not_roll_over(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2026, 1, 30))
    # 2026-01-30 + 15 = 2026-02-14, a Saturday declared a working day for the Spring Festival.
    appeal = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    assert (appeal.due_on, appeal.rolled, appeal.confirmed) == (dt.date(2026, 2, 14), False, True)


def test_recording_the_same_service_again_does_not_duplicate_the_deadline(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))
    serve(world.defendant, "judgment", dt.date(2025, 9, 30))  # a second copy served later: the first counts
    appeal = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    assert appeal.due_on == dt.date(2025, 10, 10)


def test_publication_gives_a_deemed_service_date_and_the_answer_runs_from_it(personas):
    world = build_world(personas)
    serve(world.defendant, "complaint", dt.date(2025, 11, 3), method="publication")
    deemed = one(world.case, Deadline.Kind.DEEMED_SERVICE)
    assert deemed.due_on == dt.date(2025, 12, 3)  # 30 days after publication, a Wednesday
    # The answer period runs 15 days from 2025-12-03: 2025-12-18 (Thursday).
    assert one(world.case, Deadline.Kind.ANSWER, world.defendant).due_on == dt.date(2025, 12, 18)


def test_filing_starts_the_trial_limit_and_enforcement_filing_the_enforcement_limit(personas):
    world = build_world(personas, filed_on=dt.date(2025, 8, 1))
    trial = one(world.case, Deadline.Kind.TRIAL_LIMIT)
    # 2025-08-01 + 6 months = 2026-02-01, a Sunday → Monday 2026-02-02.
    assert (trial.rule, trial.due_on) == ("trial_ordinary", dt.date(2026, 2, 2))
    cases.proceeding_open(
        actor=None,
        case=world.case,
        kind=Proceeding.Kind.ENFORCEMENT,
        court=world.proceeding.court,
        filed_on=dt.date(2025, 12, 10),
    )
    assert one(world.case, Deadline.Kind.ENFORCEMENT_LIMIT).due_on == dt.date(2026, 6, 10)


def test_switching_to_summary_procedure_recomputes_the_trial_limit_and_keeps_it(personas):
    world = build_world(personas, filed_on=dt.date(2025, 8, 1))
    trial = one(world.case, Deadline.Kind.TRIAL_LIMIT)
    services.deadline_change_procedure(
        actor=personas.case_handler, deadline=trial, rule="trial_summary", version=trial.version
    )
    trial.refresh_from_db()
    assert (trial.rule, trial.due_on) == ("trial_summary", dt.date(2025, 11, 3))  # 1 Nov is a Saturday
    serve(world.defendant, "complaint", dt.date(2025, 8, 10))  # re-derivation keeps the chosen procedure
    trial.refresh_from_db()
    assert trial.rule == "trial_summary"


def test_an_unappealed_judgment_gives_its_effective_date_and_the_enforcement_application_period(personas):
    world = build_world(personas)
    cases.proceeding_record_judgment(
        actor=None,
        proceeding=world.proceeding,
        judged_on=dt.date(2025, 9, 15),
        items=[cases.JudgmentItemInput(kind="principal", amount="12000.00")],
        version=world.proceeding.version,
    )
    for participant in (world.plaintiff, world.defendant, world.guarantor_defendant):
        serve(participant, "judgment", dt.date(2025, 9, 25))
    effective = one(world.case, Deadline.Kind.JUDGMENT_EFFECTIVE)
    assert effective.due_on == dt.date(2025, 10, 11)  # appeal ends 2025-10-10 → effective the next day
    enforcement = one(world.case, Deadline.Kind.ENFORCEMENT_APPLICATION)
    # performance: 10 days from 2025-10-11 = 2025-10-21; two years later 2027-10-21 (provisional: no 2027 data).
    assert enforcement.start == dt.date(2025, 10, 21)
    assert enforcement.nominal_end == dt.date(2027, 10, 21)
    assert enforcement.confirmed is False


def test_fee_notice_gives_seven_days_to_pay(personas):
    world = build_world(personas)
    with time_machine.travel(dt.datetime(2026, 2, 10, 9, 0), tick=False):
        services.fee_notice_record(actor=personas.case_handler, case=world.case, received_on=dt.date(2026, 2, 10))
    fee = one(world.case, Deadline.Kind.FEE_PAYMENT)
    # 2026-02-17 is in the Spring Festival holiday → 2026-02-24.
    assert (fee.nominal_end, fee.due_on) == (dt.date(2026, 2, 17), dt.date(2026, 2, 24))


def test_a_pre_suit_deposit_freeze_gives_expiry_renewal_and_thirty_days_to_sue(personas):
    world = build_world(personas)
    with time_machine.travel(dt.datetime(2025, 6, 5, 9, 0), tick=False):
        created = services.deadline_create_for_measure(
            actor=personas.case_handler,
            case=world.case,
            kind="preservation",
            took_effect_on=dt.date(2025, 6, 3),
            asset_type="deposit",
            pre_suit=True,
            measure_key="preservation:1",
        )
    by_kind = {d.kind: d for d in created}
    assert by_kind[Deadline.Kind.PRESERVATION_EXPIRY].due_on == dt.date(2026, 6, 3)
    # Renewal at least 7 days before expiry: 2026-05-27 (Wednesday).
    assert by_kind[Deadline.Kind.PRESERVATION_RENEWAL].due_on == dt.date(2026, 5, 27)
    assert by_kind[Deadline.Kind.SUE_AFTER_PRESERVATION].due_on == dt.date(2025, 7, 3)


def test_an_unknown_asset_type_is_refused_and_nothing_is_written(personas):
    world = build_world(personas)
    before = CaseEvent.objects.count(), Deadline.objects.count()
    with pytest.raises(DomainError):
        services.deadline_create_for_measure(
            actor=personas.case_handler,
            case=world.case,
            kind="seizure",
            took_effect_on=dt.date(2025, 6, 3),
            asset_type="boat",
        )
    assert (CaseEvent.objects.count(), Deadline.objects.count()) == before


# --- the missing-2027 case and recomputation ---------------------------------------------------------------


NATIONAL_DAY_2027_REST = [dt.date(2027, 10, d) for d in range(1, 8)]


def test_a_deadline_in_a_year_without_holiday_data_is_provisional_until_the_notice_is_entered(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2027, 9, 20))
    appeal = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    # Fallback calendar: only 1–3 Oct; 2027-10-05 (Tuesday) looks like a working day, unconfirmed.
    assert (appeal.due_on, appeal.confirmed) == (dt.date(2027, 10, 5), False)
    assert any(item["code"] == "period.provisional" for item in appeal.explanation)
    assert list(
        selectors.deadline_list_for_user(
            user=personas.case_handler, filters=selectors.DeadlineFilters(when="unconfirmed")
        )
    ) == [d for d in selectors.deadline_list_for_user(user=personas.case_handler) if not d.confirmed]

    rules.holiday_override_save(
        actor=personas.administrator,
        year=2027,
        notice="国办发明电〔2026〕X号",
        rest_days=NATIONAL_DAY_2027_REST,
        working_days=[dt.date(2027, 9, 26), dt.date(2027, 10, 9)],
    )
    appeal.refresh_from_db()
    assert (appeal.due_on, appeal.confirmed, appeal.version) == (dt.date(2027, 10, 8), True, 2)
    moved = CaseEvent.objects.get(case=world.case, kind=CaseEvent.Kind.DEADLINE_CHANGED)
    assert (moved.params["old"], moved.params["new"], moved.params["reason"]) == (
        "2027-10-05",
        "2027-10-08",
        "holidays",
    )
    # Moved later: nobody is alarmed.
    assert not Notification.objects.filter(code=services.deadlines.NOTIFY_CODE_MOVED_EARLIER).exists()


def test_recomputation_never_touches_done_waived_or_overridden_deadlines(personas):
    world = build_world(personas)
    for participant in (world.plaintiff, world.defendant, world.guarantor_defendant):
        serve(participant, "judgment", dt.date(2027, 9, 20))
    done, waived, overridden = (
        one(world.case, Deadline.Kind.APPEAL, p) for p in (world.plaintiff, world.defendant, world.guarantor_defendant)
    )
    services.deadline_mark_done(actor=personas.case_handler, deadline=done, version=done.version)
    services.deadline_waive(
        actor=personas.case_handler, deadline=waived, reason="no appeal wanted", version=waived.version
    )
    services.deadline_override(
        actor=personas.case_handler,
        deadline=overridden,
        due_on=dt.date(2027, 10, 4),
        reason="court told us",
        version=overridden.version,
    )
    snapshot = {
        d.pk: (d.due_on, d.confirmed, d.version, d.status) for d in Deadline.objects.filter(kind=Deadline.Kind.APPEAL)
    }
    rules.holiday_override_save(
        actor=personas.administrator, year=2027, notice="N-2027", rest_days=NATIONAL_DAY_2027_REST, working_days=[]
    )
    after = {
        d.pk: (d.due_on, d.confirmed, d.version, d.status) for d in Deadline.objects.filter(kind=Deadline.Kind.APPEAL)
    }
    assert after == snapshot
    assert snapshot[overridden.pk][0] == dt.date(2027, 10, 4)


def test_a_deadline_moved_earlier_tells_the_handler_without_personal_data(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))
    appeal = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    assert appeal.due_on == dt.date(2025, 10, 10)
    # An earlier postal service is found: that one counts (CPL Interpretation art. 244).
    serve(world.defendant, "judgment", dt.date(2025, 9, 19), method="mail")
    appeal.refresh_from_db()
    assert appeal.due_on == dt.date(2025, 10, 9)  # 2025-10-04 in the holiday → 2025-10-09
    notice = Notification.objects.get(code=services.deadlines.NOTIFY_CODE_MOVED_EARLIER)
    assert notice.recipient == personas.case_handler
    assert world.case.internal_no in notice.title
    assert "2025-10-09" in notice.body and "2025-10-10" in notice.body
    assert notice.link == f"/deadlines/{appeal.pk}/"
    text = notice.title + notice.body + notice.link
    for personal in (
        "Zhang San",
        "Li Si",
        world.borrower.id_masked if hasattr(world.borrower, "id_masked") else "Zhang",
    ):
        assert personal not in text
    moved = CaseEvent.objects.get(case=world.case, kind=CaseEvent.Kind.DEADLINE_CHANGED)
    assert (moved.params["old"], moved.params["new"]) == ("2025-10-10", "2025-10-09")


def test_recompute_of_one_case_confirms_nothing_when_data_is_unchanged(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))
    result = services.deadlines_recompute(case=world.case, reason="manual")
    assert (result.checked_cases, result.moved, result.confirmed) == (1, 0, 0)


# --- closing deadlines -----------------------------------------------------------------------------------------


def test_mark_done_is_audited_on_the_case_stream_and_a_stale_version_is_refused(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))
    appeal = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    with time_machine.travel(dt.datetime(2025, 10, 8, 10, 0), tick=False):
        services.deadline_mark_done(actor=personas.case_handler, deadline=appeal, version=appeal.version, note="filed")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.done_by, appeal.note, appeal.version) == ("done", personas.case_handler, "filed", 2)
    assert AuditEntry.objects.filter(action="deadline.done", stream=f"case:{world.case.pk}").count() == 1
    with pytest.raises(StaleVersionError):
        services.deadline_waive(actor=personas.case_handler, deadline=appeal, reason="x", version=1)
    with pytest.raises(DomainError):
        services.deadline_waive(actor=personas.case_handler, deadline=appeal, reason="x", version=2)


def test_waive_and_override_need_a_reason(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))
    appeal = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    with pytest.raises(DomainError):
        services.deadline_waive(actor=personas.case_handler, deadline=appeal, reason="  ", version=1)
    with pytest.raises(DomainError):
        services.deadline_override(
            actor=personas.case_handler, deadline=appeal, due_on=dt.date(2025, 10, 1), reason="", version=1
        )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.overridden, appeal.version) == ("open", False, 1)


@pytest.mark.parametrize("persona", ["outsider_branch", "outsider_creditor", "read_only", "branch_manager"])
def test_people_who_may_not_edit_the_case_cannot_close_its_deadlines(personas, persona):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))
    appeal = one(world.case, Deadline.Kind.APPEAL, world.defendant)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError):
        services.deadline_mark_done(actor=getattr(personas, persona), deadline=appeal, version=1)
    appeal.refresh_from_db()
    assert (appeal.status, appeal.version) == ("open", 1)
    assert AuditEntry.objects.count() == before


# --- selectors -----------------------------------------------------------------------------------------------


def test_outsiders_see_none_of_the_case_deadlines(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))
    for persona in ("outsider_branch", "outsider_creditor"):
        assert not selectors.deadline_list_for_user(user=getattr(personas, persona)).exists()
    assert selectors.deadline_list_for_user(user=personas.case_handler).count() == 2  # trial limit + appeal


def test_filters_today_this_week_and_overdue(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 25))  # appeal due 2025-10-10 (Friday)
    user = personas.case_handler
    kinds = lambda when, today: [  # noqa: E731
        d.kind
        for d in selectors.deadline_list_for_user(user=user, filters=selectors.DeadlineFilters(when=when, today=today))
    ]
    assert kinds("today", dt.date(2025, 10, 10)) == ["appeal"]
    assert kinds("week", dt.date(2025, 10, 6)) == ["appeal"]
    assert kinds("week", dt.date(2025, 10, 11)) == []
    assert kinds("overdue", dt.date(2025, 10, 11)) == ["appeal"]
    with time_machine.travel(dt.datetime(2025, 10, 1, 9, 0), tick=False):
        assert [d.kind for d in selectors.my_deadlines(user)] == ["appeal"]
        assert selectors.my_deadlines(personas.read_only) == []


# --- monitors -------------------------------------------------------------------------------------------------


def _unsued_loan(personas, **kwargs):
    from loanlit.cases.tests import factories

    _borrower, loan = factories.borrower_loan(
        personas.creditor, personas.beijing, name="Wang Wu", seq=7, maturity=dt.date(2024, 3, 20), **kwargs
    )
    return loan


def test_limitation_monitor_runs_three_years_from_due_and_restarts_on_an_interrupting_collection(personas):
    loan = _unsued_loan(personas)
    services.monitors_refresh(loans=[loan])
    limitation = Deadline.objects.get(loan=loan, kind=Deadline.Kind.LIMITATION)
    assert (limitation.case_id, limitation.start, limitation.due_on) == (
        None,
        dt.date(2024, 3, 20),
        dt.date(2027, 3, 22),
    )
    with time_machine.travel(dt.datetime(2025, 5, 6, 9, 0), tick=False):
        services.collection_action_record(
            actor=personas.case_handler, loan=loan, acted_on=dt.date(2025, 5, 6), method="phone", proof="call log"
        )
        limitation.refresh_from_db()
        assert limitation.start == dt.date(2024, 3, 20)  # not interrupting: nothing changes
        services.collection_action_record(
            actor=personas.case_handler,
            loan=loan,
            acted_on=dt.date(2025, 5, 6),
            method="lawyer_letter",
            proof="EMS 1234 signed",
            interrupts_limitation=True,
        )
    limitation.refresh_from_db()
    assert (limitation.start, limitation.nominal_end) == (dt.date(2025, 5, 6), dt.date(2028, 5, 6))
    assert CollectionAction.objects.filter(loan=loan).count() == 2


def test_an_interrupting_collection_action_needs_proof(personas):
    loan = _unsued_loan(personas)
    with pytest.raises(DomainError):
        services.collection_action_record(
            actor=personas.case_handler,
            loan=loan,
            acted_on=dt.date(2025, 1, 6),
            method="sms",
            interrupts_limitation=True,
        )
    assert not CollectionAction.objects.exists()


def test_outsiders_cannot_log_collection_on_another_branchs_loan(personas):
    loan = _unsued_loan(personas)
    with pytest.raises(PermissionDeniedError):
        services.collection_action_record(
            actor=personas.outsider_branch, loan=loan, acted_on=dt.date(2025, 1, 6), method="phone"
        )
    assert not CollectionAction.objects.exists()
    services.monitors_refresh(loans=[loan])
    assert not selectors.deadline_list_for_user(user=personas.outsider_branch).exists()
    assert selectors.deadline_list_for_user(user=personas.case_handler).filter(loan=loan).count() == 1
    assert not selectors.deadline_list_for_user(user=personas.external_lawyer).exists()


def test_guarantee_period_monitor_six_months_by_default_or_the_agreed_end(personas):
    loan = _unsued_loan(personas)
    guarantor = loan.parties.first()
    default = GuaranteeContract.objects.create(
        creditor=personas.creditor, contract_no="G-1", guarantor=guarantor, currency="CNY"
    )
    agreed = GuaranteeContract.objects.create(
        creditor=personas.creditor,
        contract_no="G-2",
        guarantor=guarantor,
        currency="CNY",
        period_agreed_end=dt.date(2026, 3, 20),
    )
    default.loans.add(loan)
    agreed.loans.add(loan)
    services.monitors_refresh(loans=[loan])
    periods = {
        d.guarantee_contract_id: d for d in Deadline.objects.filter(loan=loan, kind=Deadline.Kind.GUARANTEE_PERIOD)
    }
    assert periods[default.pk].due_on == dt.date(2024, 9, 20)  # six months after 2024-03-20, a Friday
    assert periods[agreed.pk].due_on == dt.date(2026, 3, 20)


def test_monitors_close_once_the_loan_is_sued(personas):
    loan = _unsued_loan(personas)
    services.monitors_refresh(loans=[loan])
    cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.case_handler,
        opened_on=dt.date(2025, 1, 5),
    )
    services.monitors_refresh(loans=[loan])
    assert Deadline.objects.get(loan=loan, kind=Deadline.Kind.LIMITATION).status == Deadline.Status.DONE
