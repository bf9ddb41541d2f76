"""Refresh of the statistics: after commit on write, the scheduler's incremental refresh, the nightly rebuild,
the management command, and the switch that turns the refresh on write off."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from loanlit.cases import services as cases
from loanlit.cases.models import Case, CaseEvent, Recovery
from loanlit.cases.tests.views_support import build_case_world
from loanlit.jobs import registry
from loanlit.jobs.models import Job
from loanlit.reports import receivers, tasks_refresh
from loanlit.reports.models import CaseFact, SummaryRow, SummaryState
from loanlit.reports.services import facts, summaries
from loanlit.reports.tests import facts_support
from loanlit.reports.tests.portfolio import NOW, TOTALS_A, build_portfolio

pytestmark = pytest.mark.django_db
no_summaries = facts_support.no_summaries  # the fixture
D = Decimal
LATER = NOW + dt.timedelta(days=1)


@pytest.fixture
def world(personas, no_summaries):
    # Built a month before NOW, so its rows' timestamps precede every refresh the tests make.
    with time_machine.travel(dt.datetime(2026, 2, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        return build_case_world(personas)


def _flushes(callbacks) -> list:
    return [c for c in callbacks if getattr(c, "__self__", None).__class__ is receivers._Batch]


def _recover(case: Case, amount: str, on: dt.date = dt.date(2026, 1, 20)) -> Recovery:
    return cases.recovery_record(actor=None, case=case, received_on=on, amount=D(amount), source="borrower_payment")


def test_a_service_write_refreshes_the_fact_after_commit_with_one_flush(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        _recover(world.case, "1000.00")
        _recover(world.case, "234.56", dt.date(2026, 1, 21))
        assert receivers.pending_case_ids() == {world.case.pk}
        # Not before the commit.
        assert not CaseFact.objects.filter(case=world.case).exists()
    assert len(_flushes(callbacks)) == 1
    fact = CaseFact.objects.get(case=world.case)
    assert (fact.recovered, fact.recovered_cash, fact.first_recovery_on) == (
        D("1234.56"),
        D("1234.56"),
        dt.date(2026, 1, 20),
    )
    assert receivers.pending_case_ids() == set()


def test_the_next_transaction_gets_its_own_flush(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _recover(world.case, "100.00")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        world.proceeding.refresh_from_db()
        cases.proceeding_record_result(
            actor=None,
            proceeding=world.proceeding,
            result="withdrawn",
            result_on=dt.date(2026, 2, 1),
            version=world.proceeding.version,
        )
    assert len(_flushes(callbacks)) == 1
    fact = CaseFact.objects.get(case=world.case)
    assert (fact.outcome_class, fact.recovered) == ("withdrawn", D("100.00"))


def test_a_judgment_marks_its_case_without_a_query(
    world, django_capture_on_commit_callbacks, django_assert_num_queries
):
    from loanlit.cases.models import Judgment, JudgmentItem

    world.proceeding.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        judgment = cases.proceeding_record_judgment(
            actor=None,
            proceeding=world.proceeding,
            judged_on=dt.date(2026, 2, 2),
            items=[cases.JudgmentItemInput(kind="principal", amount=D("12000.00"))],
            version=world.proceeding.version,
        )
    fact = CaseFact.objects.get(case=world.case)
    assert (fact.outcome_class, fact.adjudicated, fact.judged_on) == ("partly_won", D("12000.00"), dt.date(2026, 2, 2))
    # Rows loaded without their parents are resolved at flush time, not on save.
    item = JudgmentItem.objects.get(judgment=judgment)
    bare = Judgment.objects.get(pk=judgment.pk)
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(2), transaction.atomic():
        receivers._saved(JudgmentItem, item, using="default")  # the 2 queries: SAVEPOINT and RELEASE
        receivers._saved(Judgment, bare, using="default")
    batch = receivers._BATCHES.last("default")
    assert (batch.judgment_ids, batch.proceeding_ids) == ({judgment.pk}, {world.proceeding.pk})
    assert batch.resolve() == {world.case.pk}


def test_a_rolled_back_write_refreshes_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _recover(world.case, "500.00")
            raise RuntimeError("abort")
        assert receivers.pending_case_ids() == set()
    assert _flushes(callbacks) == []
    assert not CaseFact.objects.filter(case=world.case).exists()


def test_a_failed_refresh_is_logged_and_the_write_stands(
    world, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("summary table locked")

    monkeypatch.setattr(facts, "facts_refresh", broken)
    with (
        caplog.at_level(logging.ERROR, logger="loanlit.reports.receivers"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        recovery = _recover(world.case, "700.00")
    assert Recovery.objects.filter(pk=recovery.pk).exists()
    assert not CaseFact.objects.filter(case=world.case).exists()
    [record] = [r for r in caplog.records if r.name == "loanlit.reports.receivers"]
    assert "the scheduler will catch up" in record.getMessage()
    assert record.exc_info is not None


def test_with_the_setting_off_a_write_refreshes_nothing(world, django_capture_on_commit_callbacks):
    with override_settings(STATS_REFRESH_ON_WRITE=False), django_capture_on_commit_callbacks(execute=True) as callbacks:
        _recover(world.case, "900.00")
    assert _flushes(callbacks) == []
    assert not CaseFact.objects.filter(case=world.case).exists()


def test_a_case_opened_in_bulk_is_counted_after_commit(personas, no_summaries, django_capture_on_commit_callbacks):
    rows = [
        cases.CaseOpenInput(
            creditor=personas.creditor,
            handling_unit=personas.beijing,
            cause_of_action="金融借款合同纠纷",
            opened_on=dt.date(2026, 2, day),
        )
        for day in (2, 3)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        opened = cases.cases_open_batch(actor=None, rows=rows)  # bulk inserts: no post_save, but case events
    assert set(CaseFact.objects.values_list("case_id", flat=True)) == {c.pk for c in opened}


def test_deleting_a_case_removes_its_fact_and_refreshes_the_cell_it_left(
    personas,
    no_summaries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(
            actor=None,
            creditor=personas.creditor,
            handling_unit=personas.beijing_chaoyang,
            cause_of_action="金融借款合同纠纷",
            opened_on=dt.date(2026, 2, 9),
        )
    assert CaseFact.objects.filter(case=case).exists()
    no_summaries.cells.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Case.objects.filter(pk=case.pk).delete()
    assert not CaseFact.objects.filter(case_id=case.pk).exists()
    assert no_summaries.cells == [(personas.creditor.pk, personas.beijing_chaoyang.path, dt.date(2026, 2, 1))]


# --- the scheduler's incremental refresh -----------------------------------------------------------------


def test_without_a_first_rebuild_the_incremental_refresh_rebuilds_everything(world, no_summaries):
    assert not SummaryState.objects.exists()
    with time_machine.travel(NOW, tick=False):
        assert facts.facts_refresh_pending() == 1
    state = SummaryState.objects.get(name="cases")
    assert (state.rebuilt_at, state.refreshed_at) == (NOW, NOW)
    assert state.last_event_id == CaseEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
    assert no_summaries.rebuilt == 1
    assert CaseFact.objects.filter(case=world.case).exists()


def test_the_incremental_refresh_catches_bulk_writes_through_the_event_watermark(world):
    with time_machine.travel(NOW, tick=False):
        facts.facts_rebuild_all()
    watermark = SummaryState.objects.get(name="cases").last_event_id
    # A bulk write that fires no signal, with its event (as bulk services write them).
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        Recovery.objects.bulk_create(
            [
                Recovery(
                    case=world.case,
                    received_on=dt.date(2026, 2, 27),
                    currency="CNY",
                    amount=D("321.00"),
                    source="borrower_payment",
                    phase="pre_judgment",
                )
            ]
        )
        [event] = CaseEvent.objects.bulk_create(
            [CaseEvent(case=world.case, kind="recovery_received", happened_on=dt.date(2026, 2, 27))]
        )
    assert CaseFact.objects.get(case=world.case).recovered == D("0.00")
    # Within the lag the event is refreshed but the watermark stays (a lower id may still commit).
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        assert facts.facts_refresh_pending() == 1
    assert CaseFact.objects.get(case=world.case).recovered == D("321.00")
    assert SummaryState.objects.get(name="cases").last_event_id == watermark
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        assert facts.facts_refresh_pending() == 1
    state = SummaryState.objects.get(name="cases")
    assert state.last_event_id == event.pk
    assert state.refreshed_at == NOW + dt.timedelta(minutes=10)
    with time_machine.travel(NOW + dt.timedelta(minutes=20), tick=False):
        assert facts.facts_refresh_pending() == 0  # nothing new


def test_the_incremental_refresh_catches_cases_saved_since_the_last_refresh(world):
    with time_machine.travel(NOW, tick=False):
        facts.facts_rebuild_all()
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        # A raw update (no signal, no event) that keeps updated_at honest.
        Case.objects.filter(pk=world.case.pk).update(stage_id="filed", updated_at=NOW + dt.timedelta(minutes=5))
    with time_machine.travel(NOW + dt.timedelta(minutes=15), tick=False):
        assert facts.facts_refresh_pending() == 1
    assert CaseFact.objects.get(case=world.case).stage == "filed"


# --- the nightly rebuild, the scheduler tasks and the command ---------------------------------------------


def test_rebuild_all_is_idempotent(personas, no_summaries):
    portfolio = build_portfolio(personas, refresh=False)
    with time_machine.travel(NOW, tick=False):
        assert facts.facts_rebuild_all(batch_size=3) == 11
    first = list(CaseFact.objects.order_by("pk").values())
    with time_machine.travel(LATER, tick=False):
        assert facts.facts_rebuild_all() == 11
    second = list(CaseFact.objects.order_by("pk").values())
    assert [{**row, "refreshed_at": None} for row in first] == [{**row, "refreshed_at": None} for row in second]
    assert {row["refreshed_at"] for row in second} == {LATER}
    assert len(second) == len(portfolio.cases)
    assert no_summaries.rebuilt == 2
    state = SummaryState.objects.get(name="cases")
    assert (state.rebuilt_at, state.refreshed_at) == (LATER, LATER)


def test_the_periodic_tasks_are_registered_and_the_rebuild_is_queued_once(world, django_capture_on_commit_callbacks):
    registry.ensure_discovered()
    refresh = registry.periodic_tasks["reports.refresh_statistics"]
    rebuild = registry.periodic_tasks["reports.rebuild_statistics"]
    assert (refresh.every, rebuild.every) == (dt.timedelta(minutes=5), dt.timedelta(days=1))
    # Before any rebuild the incremental tick queues the rebuild instead of running it inside the tick.
    with django_capture_on_commit_callbacks(execute=False):
        refresh.func()
        rebuild.func()
    jobs = Job.objects.filter(kind=tasks_refresh.REBUILD_JOB)
    assert jobs.count() == 1
    assert not CaseFact.objects.exists()
    from loanlit.jobs.context import JobContext

    job = jobs.get()
    result = tasks_refresh.rebuild_statistics(
        JobContext(job_id=job.pk, kind=job.kind, params={}, worker_id="test", attempt=1)
    )
    assert result == {"cases": 1}
    assert CaseFact.objects.filter(case=world.case).exists()
    # After it, the incremental tick runs inline.
    _recover_raw(world.case)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)):
        refresh.func()
    assert CaseFact.objects.get(case=world.case).recovered == D("50.00")


def _recover_raw(case: Case) -> None:
    Recovery.objects.bulk_create(
        [
            Recovery(
                case=case,
                received_on=dt.date(2026, 2, 27),
                currency="CNY",
                amount=D("50.00"),
                source="borrower_payment",
                phase="pre_judgment",
            )
        ]
    )
    CaseEvent.objects.bulk_create([CaseEvent(case=case, kind="recovery_received", happened_on=dt.date(2026, 2, 27))])


def test_the_command_refreshes_or_rebuilds_and_says_how_many(world):
    out = StringIO()
    with translation.override("en"), time_machine.travel(NOW, tick=False):
        call_command("refresh_statistics", "--full", stdout=out)
        call_command("refresh_statistics", stdout=out)
        _recover_raw(world.case)
    with translation.override("en"), time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        call_command("refresh_statistics", stdout=out)
    assert out.getvalue().splitlines() == [
        "Statistics rebuilt: 1 case.",
        "Statistics refreshed: 0 cases changed.",
        "Statistics refreshed: 1 case changed.",
    ]
    with translation.override("zh-hans"):
        out = StringIO()
        call_command("refresh_statistics", "--full", stdout=out)
    assert out.getvalue().strip() == "统计数据已重建：1 个案件。"


def test_the_command_refuses_a_bad_batch():
    from django.core.management.base import CommandError

    with translation.override("en"), pytest.raises(CommandError, match=r"--batch must be a positive number\."):
        call_command("refresh_statistics", "--full", "--batch", "0")
    assert not SummaryState.objects.exists()


# --- with the real summaries ------------------------------------------------------------------------------


def test_the_portfolio_summary_totals_match_the_facts_after_a_write(personas, django_capture_on_commit_callbacks):
    if _summaries_missing():
        pytest.skip("summaries are not implemented yet")
    portfolio = build_portfolio(personas)
    totals = _all_rows(portfolio.creditor)
    assert (totals["cases"], totals["claim"], totals["recovered"], totals["costs"]) == (
        TOTALS_A["cases"],
        TOTALS_A["claim"],
        TOTALS_A["recovered"],
        TOTALS_A["costs"],
    )
    case = portfolio.case("pending")
    with django_capture_on_commit_callbacks(execute=True):
        cases.recovery_record(
            actor=None, case=case, received_on=dt.date(2026, 2, 2), amount=D("1000.00"), source="borrower_payment"
        )
    totals = _all_rows(portfolio.creditor)
    assert (totals["recovered"], totals["recovered_cash"], totals["recovered_cases"]) == (
        TOTALS_A["recovered"] + D("1000.00"),
        TOTALS_A["recovered_cash"] + D("1000.00"),
        TOTALS_A["recovered_cases"] + 1,
    )


def _summaries_missing() -> bool:
    try:
        summaries.cells_refresh(cells=[])
    except NotImplementedError:
        return True
    return False


def _all_rows(creditor) -> dict:
    from django.db.models import Q, Sum

    # Counts over the rows of every currency, amounts over the CNY rows (one currency per summary row).
    counts = ("cases", "recovered_cases")
    money = ("claim", "recovered", "recovered_cash", "costs")
    sums = {n: Sum(n) for n in counts} | {n: Sum(n, filter=Q(currency="CNY")) for n in money}
    return SummaryRow.objects.filter(creditor=creditor, dimension="all").aggregate(**sums)
