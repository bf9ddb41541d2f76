"""终本 → the periodic review → 恢复执行; write-offs keep the case open and split the recoveries; debt transfers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Proceeding, Recovery
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.enforcement import ledger, services
from loanlit.enforcement.models import (
    DebtTransfer,
    DebtTransferItem,
    EvidenceItem,
    FollowUp,
    Termination,
    WriteOff,
)
from loanlit.notifications.models import Notification

from .support import apply, build_world, deposit

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(personas):
    return build_world(personas)


def _terminate(world, *, on=dt.date(2025, 8, 20), result="nothing"):
    record = apply(world)
    search = services.asset_search_record(
        actor=None,
        case=world.case,
        searched_on=dt.date(2025, 8, 1),
        channel="court_online",
        result=result,
        proceeding=record.proceeding,
    )
    proceeding = Proceeding.objects.get(pk=record.proceeding_id)
    return services.enforcement_terminate_for_now(
        actor=world.personas.case_handler,
        proceeding=proceeding,
        version=proceeding.version,
        terminated_on=on,
        ruling_no="(2025)京0105执1234号之一",
        asset_search=search,
    )


def test_terminating_for_now_puts_the_case_in_the_pool_with_a_review_in_six_months(world):
    termination = _terminate(world)
    assert (termination.status, termination.next_review_on) == ("in_pool", dt.date(2026, 2, 20))
    proceeding = termination.proceeding
    assert (proceeding.result, proceeding.result_on, proceeding.is_active) == (
        "terminated_for_now",
        dt.date(2025, 8, 20),
        False,
    )
    world.case.refresh_from_db()
    assert world.case.stage_id == "terminated_enforcement"
    assert world.case.procedural_position.code == "enforcement_terminated_for_now"
    assert world.case.is_closed is False  # the debt survives


def test_a_search_that_found_assets_does_not_support_terminating(world):
    with pytest.raises(DomainError) as caught:
        _terminate(world, result="found")
    assert caught.value.code == "search_found_assets"
    assert not Termination.objects.exists()
    assert Proceeding.objects.get(case=world.case, kind="enforcement").result == ""


def test_the_periodic_review_creates_one_task_and_one_notice_and_then_resumption_opens_resumed_enforcement(
    world, personas
):
    termination = _terminate(world)
    assert services.termination_reviews_due(day=dt.date(2026, 2, 19)) == []
    created = services.termination_reviews_due(day=dt.date(2026, 2, 20))
    assert [(f.kind, f.due_on, f.assigned_to) for f in created] == [
        ("termination_review", dt.date(2026, 2, 20), personas.case_handler)
    ]
    notices = Notification.objects.filter(recipient=personas.case_handler, code="enforcement.review_due")
    assert notices.count() == 1
    assert world.case.internal_no in notices.get().title and "Zhang San" not in notices.get().title + notices.get().body
    # Running again (the next tick, a second scheduler) adds nothing.
    assert services.termination_reviews_due(day=dt.date(2026, 2, 21)) == []
    assert FollowUp.objects.count() == 1 and notices.count() == 1

    review = created[0]
    with time_machine.travel(dt.datetime(2026, 2, 25, 10, 0), tick=False):
        services.termination_review_record(
            actor=personas.case_handler,
            follow_up=review,
            version=review.version,
            reviewed_on=dt.date(2026, 2, 25),
            channel="court_online",
            result="nothing",
        )
    review.refresh_from_db()
    termination.refresh_from_db()
    assert (review.status, termination.last_reviewed_on, termination.next_review_on) == (
        "done",
        dt.date(2026, 2, 25),
        dt.date(2026, 8, 25),
    )
    # The next round of the scheduler on the new date: a new task; then a lead turns up and enforcement resumes.
    second = services.termination_reviews_due(day=dt.date(2026, 8, 25))
    assert len(second) == 1
    lead = deposit(world, found_on=dt.date(2026, 8, 26))
    with time_machine.travel(dt.datetime(2026, 8, 28, 10, 0), tick=False):
        enforcement = services.enforcement_resume(
            actor=personas.case_handler,
            termination=termination,
            version=termination.version,
            applied_on=dt.date(2026, 8, 28),
            court=world.court,
            lead=lead,
            court_case_number="(2026)京0105执恢56号",
        )
    resumed = enforcement.proceeding
    assert (resumed.kind, resumed.follows_id, resumed.court_case_number) == (
        "resumed_enforcement",
        termination.proceeding_id,
        "（2026）京0105执恢56号",
    )
    termination.refresh_from_db()
    second[0].refresh_from_db()
    assert (termination.status, termination.resumed_proceeding_id, second[0].status) == (
        "resumed",
        resumed.pk,
        "cancelled",
    )
    world.case.refresh_from_db()
    assert world.case.stage_id == "enforcement"
    assert world.case.procedural_position.code == "resumed_enforcement"
    assert services.termination_reviews_due(day=dt.date(2027, 6, 1)) == []  # out of the pool


def test_the_periodic_job_is_registered_and_idempotent(world):
    from loanlit.enforcement import tasks
    from loanlit.jobs.registry import ensure_discovered, periodic_tasks

    ensure_discovered()
    assert "enforcement.termination_reviews" in periodic_tasks
    _terminate(world, on=dt.date(2025, 9, 1))  # first review 2026-03-01
    with time_machine.travel(dt.datetime(2026, 6, 1, 8, 0), tick=False):
        tasks.termination_reviews_tick()
        tasks.termination_reviews_tick()
    assert FollowUp.objects.filter(kind="termination_review").count() == 1


def test_a_write_off_keeps_the_case_open_and_splits_the_recoveries(world, personas):
    apply(world)
    services.court_payment_record(actor=None, case=world.case, received_on=dt.date(2025, 5, 30), amount=D("1000.00"))
    write_off = services.write_off_record(
        actor=personas.legal_manager,
        case=world.case,
        loan=world.loan,
        written_off_on=dt.date(2025, 6, 30),
        amount=D("105000.00"),
        approval_ref="HX-2025-017",
    )
    world.case.refresh_from_db()
    world.loan.refresh_from_db()
    assert (world.case.is_closed, world.case.stage_id, world.case.outcome) == (False, "enforcement", "")
    assert (world.loan.written_off, world.loan.written_off_on) == (True, dt.date(2025, 6, 30))
    assert sorted(EvidenceItem.objects.filter(write_off=write_off).values_list("kind", "status")) == sorted(
        (kind, "missing") for kind in EvidenceItem.Kind.values
    )
    after = services.court_payment_record(
        actor=None, case=world.case, received_on=dt.date(2025, 7, 15), amount=D("2500.00")
    )
    assert after.after_write_off is True
    assert Recovery.objects.get(received_on=dt.date(2025, 5, 30)).after_write_off is False
    split = ledger.recovery_split(world.case)
    assert (split.total, split.before_write_off, split.after_write_off, split.write_off_on) == (
        D("3500.00"),
        D("1000.00"),
        D("2500.00"),
        dt.date(2025, 6, 30),
    )


def test_a_handler_without_the_write_off_code_writes_nothing(world, personas):
    before = (WriteOff.objects.count(), AuditEntry.objects.count())
    with pytest.raises(PermissionDeniedError):
        services.write_off_record(
            actor=personas.case_handler,
            case=world.case,
            loan=world.loan,
            written_off_on=dt.date(2025, 6, 30),
            amount=D("1.00"),
            approval_ref="X",
        )
    world.loan.refresh_from_db()
    assert world.loan.written_off is False
    assert (WriteOff.objects.count(), AuditEntry.objects.count()) == before


def test_the_evidence_checklist_needs_a_reference_for_what_is_on_file(world, personas):
    write_off = services.write_off_record(
        actor=None,
        case=world.case,
        loan=world.loan,
        written_off_on=dt.date(2025, 6, 30),
        amount=D("1.00"),
        approval_ref="X",
    )
    item = write_off.evidence.get(kind="judgment")
    with pytest.raises(DomainError):
        services.evidence_update(actor=personas.case_handler, item=item, version=item.version, status="on_file")
    updated = services.evidence_update(
        actor=personas.case_handler, item=item, version=item.version, status="on_file", reference="Archive box 12"
    )
    assert (updated.status, updated.reference) == ("on_file", "Archive box 12")


def test_a_debt_transfer_hands_later_recoveries_to_the_buyer_and_asks_each_handler_to_change_the_party(world, personas):
    other = build_world(personas, seq=2, name="Li Si")
    apply(world)
    services.court_payment_record(actor=None, case=world.case, received_on=dt.date(2025, 6, 30), amount=D("700.00"))
    with time_machine.travel(dt.datetime(2025, 7, 10, 9, 0), tick=False):
        transfer = services.debt_transfer_record(
            actor=personas.legal_manager,
            creditor=personas.creditor,
            buyer="Example Asset Management Co., Ltd.",
            buyer_uscc="91350100M000100Y43",
            agreed_on=dt.date(2025, 7, 10),
            base_date=dt.date(2025, 6, 30),
            price=D("30000.00"),
            cases=[world.case, other.case],
        )
    assert DebtTransferItem.objects.filter(transfer=transfer).count() == 2
    follow_ups = FollowUp.objects.filter(transfer=transfer, kind="change_of_party")
    assert {(f.case_id, f.due_on, f.assigned_to_id) for f in follow_ups} == {
        (world.case.pk, dt.date(2025, 8, 9), personas.case_handler.pk),
        (other.case.pk, dt.date(2025, 8, 9), personas.case_handler.pk),
    }
    assert Notification.objects.filter(code="enforcement.change_of_party").count() == 2
    services.court_payment_record(actor=None, case=world.case, received_on=dt.date(2025, 7, 1), amount=D("300.00"))
    split = ledger.recovery_split(world.case)
    assert (split.for_the_bank, split.for_the_buyer, split.transfer_base_date) == (
        D("700.00"),
        D("300.00"),
        dt.date(2025, 6, 30),
    )
    with pytest.raises(DomainError) as caught:
        services.debt_transfer_record(
            actor=None,
            creditor=personas.creditor,
            buyer="Second Buyer",
            agreed_on=dt.date(2025, 7, 10),
            base_date=dt.date(2025, 6, 30),
            price=D("1.00"),
            cases=[world.case],
        )
    assert caught.value.code == "already_transferred"
    assert DebtTransfer.objects.count() == 1
    done = services.follow_up_close(
        actor=personas.case_handler, follow_up=follow_ups.get(case=world.case), version=1, note="Applied on 2025-07-20"
    )
    assert done.status == "done"


def test_an_outsider_cannot_terminate_or_transfer_and_nothing_is_written(world, personas):
    record = apply(world)
    search = services.asset_search_record(
        actor=None, case=world.case, searched_on=dt.date(2025, 8, 1), channel="court_online", result="nothing"
    )
    proceeding = Proceeding.objects.get(pk=record.proceeding_id)
    before = (Termination.objects.count(), DebtTransfer.objects.count(), AuditEntry.objects.count())
    with pytest.raises(PermissionDeniedError):
        services.enforcement_terminate_for_now(
            actor=personas.outsider_branch,
            proceeding=proceeding,
            version=proceeding.version,
            terminated_on=dt.date(2025, 8, 20),
            ruling_no="X",
            asset_search=search,
        )
    with pytest.raises(PermissionDeniedError):
        services.debt_transfer_record(
            actor=personas.outsider_branch,
            creditor=personas.creditor,
            buyer="B",
            agreed_on=dt.date(2025, 7, 10),
            base_date=dt.date(2025, 6, 30),
            price=D("1.00"),
            cases=[world.case],
        )
    assert (Termination.objects.count(), DebtTransfer.objects.count(), AuditEntry.objects.count()) == before
    proceeding.refresh_from_db()
    assert proceeding.result == ""
