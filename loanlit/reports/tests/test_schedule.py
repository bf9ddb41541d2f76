"""Scheduled report e-mails: weekly on Mondays, monthly on the 1st (Asia/Shanghai dates), never twice a day,
each subscriber's figures in that subscriber's scope, aggregates only (no borrower's name in the mail).

2026-03-01 is a Sunday (the 1st: monthly), 2026-03-02 a Monday (weekly).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from loanlit.accounts.models import Role
from loanlit.notifications.models import Delivery, Notification
from loanlit.reports import tasks_schedule
from loanlit.reports.models import SavedReport
from loanlit.reports.services import saved as services
from loanlit.reports.tests.dashboard_support import build_portfolio

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
BY_REGION = {"dimensions": ["court_province"], "measures": ["cases", "claim", "recovery_rate_claim"]}
BORROWERS = ("Zhang San", "Li Si", "Wang Wu")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    portfolio = build_portfolio(personas)
    for user in (personas.legal_manager, personas.case_handler, personas.outsider_branch):
        user.email = f"{user.username}@bank.example"
        user.save(update_fields=["email"])
    personas.portfolio = portfolio
    return personas


def _report(world, schedule: str, subscribers=None) -> SavedReport:
    return services.saved_report_create(
        actor=world.legal_manager,
        name=f"Regions {schedule}",
        definition=BY_REGION,
        shared_with_roles=list(Role.objects.filter(code="case_handler")),
        schedule=schedule,
        subscribers=subscribers or [world.legal_manager, world.case_handler, world.outsider_branch],
    )


def _tick(when: dt.datetime, django_capture_on_commit_callbacks) -> None:
    with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks_schedule.scheduled_reports_tick()


def _mail_to(username: str):
    [message] = [m for m in mail.outbox if m.to == [f"{username}@bank.example"]]
    return message


def test_a_weekly_report_is_sent_on_monday_once_to_each_subscriber(world, django_capture_on_commit_callbacks):
    report = _report(world, "weekly")
    _tick(dt.datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)  # Sunday
    assert mail.outbox == []
    _tick(dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)  # Monday
    assert sorted(m.to[0] for m in mail.outbox) == [
        "case_handler@bank.example",
        "legal_manager@bank.example",
        "outsider_branch@bank.example",
    ]
    report.refresh_from_db()
    assert report.last_sent_on == dt.date(2026, 3, 2)
    assert report.version == 1  # the send stamp is no edit: open forms stay valid
    assert Delivery.objects.filter(channel="email", status="sent").count() == 3
    assert not Notification.objects.filter(code="reports.scheduled", in_app=True).exists()
    # Later the same day, and a second scheduler: nothing more.
    _tick(dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    _tick(dt.datetime(2026, 3, 2, 23, 59, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    # The next Monday it goes out again.
    _tick(dt.datetime(2026, 3, 9, 8, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 6


def test_monday_is_the_shanghai_date_not_utc(world, django_capture_on_commit_callbacks):
    _report(world, "weekly", subscribers=[world.legal_manager])
    # Monday 17:00 UTC is Tuesday 01:00 in Shanghai: not due.
    _tick(dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    # Sunday 20:00 UTC is Monday 04:00 in Shanghai: due.
    _tick(dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert SavedReport.objects.get().last_sent_on == dt.date(2026, 3, 2)


def test_a_monthly_report_is_sent_on_the_first_only(world, django_capture_on_commit_callbacks):
    report = _report(world, "monthly", subscribers=[world.legal_manager])
    _tick(dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)  # Monday, 2nd
    assert mail.outbox == []
    _tick(dt.datetime(2026, 4, 1, 8, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    _tick(dt.datetime(2026, 4, 1, 18, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Report “Regions monthly” — 2026-04-01"
    report.refresh_from_db()
    assert report.last_sent_on == dt.date(2026, 4, 1)


def test_two_schedulers_claim_a_report_once(world):
    report = _report(world, "weekly", subscribers=[world.legal_manager])
    monday = dt.date(2026, 3, 2)
    assert services.saved_report_send(report=report, today=monday) == 1
    assert services.saved_report_send(report=report, today=monday) == 0  # the other scheduler, same row read
    assert Notification.objects.filter(code="reports.scheduled").count() == 1


def test_each_subscriber_gets_their_own_scope_and_no_personal_data(world, django_capture_on_commit_callbacks):
    _report(world, "weekly")
    _tick(dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    manager = _mail_to("legal_manager").body
    handler = _mail_to("case_handler").body
    outsider = _mail_to("outsider_branch").body
    assert "Beijing | 1 | 12345.67 | 40.50%" in manager
    assert "Guangdong | 1 | 31000.00 | 0.00%" in manager
    assert "Total | 3 | 51345.67 | 9.74%" in manager
    assert "Beijing | 1 | 12345.67 | 40.50%" in handler and "Shanghai | 1 | 8000.00 | 0.00%" in handler
    assert "Total | 2 | 20345.67 | 24.58%" in handler
    assert "Guangdong" not in handler and "31000.00" not in handler
    assert "Guangdong | 1 | 31000.00 | 0.00%" in outsider and "Beijing" not in outsider
    for message in mail.outbox:
        text = message.subject + message.body
        for name in BORROWERS:
            assert name not in text
        for case in world.portfolio.cases:
            assert case.internal_no not in text  # aggregates only: not even which cases
        assert f"/reports/saved/{SavedReport.objects.get().pk}/" in message.body


def test_a_subscriber_who_lost_access_gets_nothing(world, django_capture_on_commit_callbacks):
    _report(world, "weekly", subscribers=[world.legal_manager, world.case_handler])
    world.case_handler.role = Role.objects.get(code="read_only")
    world.case_handler.save(update_fields=["role"])
    _tick(dt.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["legal_manager@bank.example"]]


def test_a_failing_report_stays_due_and_the_others_are_sent(world, django_capture_on_commit_callbacks, monkeypatch):
    broken = _report(world, "weekly", subscribers=[world.legal_manager])
    fine = _report(world, "monthly", subscribers=[world.case_handler])
    real = services.selectors.mail_text

    def mail_text(user, report, *, today):
        if report.pk == broken.pk:
            raise RuntimeError("boom")
        return real(user, report, today=today)

    monkeypatch.setattr(services.selectors, "mail_text", mail_text)
    # 2026-06-01 is a Monday and the first of the month: both are due.
    _tick(dt.datetime(2026, 6, 1, 8, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["case_handler@bank.example"]]
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.last_sent_on is None and fine.last_sent_on == dt.date(2026, 6, 1)
    assert not Notification.objects.filter(code="reports.scheduled", recipient=world.legal_manager).exists()


@pytest.mark.postgres_only
def test_two_schedulers_at_the_same_moment_send_once(personas, transactional_db):
    import threading

    from django.db import connection

    personas.legal_manager.email = "legal_manager@bank.example"
    personas.legal_manager.save(update_fields=["email"])
    report = services.saved_report_create(
        actor=personas.legal_manager,
        name="Weekly",
        definition=BY_REGION,
        schedule="weekly",
        subscribers=[personas.legal_manager],
    )
    barrier = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            barrier.wait()
            sent.append(services.saved_reports_send_due(today=dt.date(2026, 3, 2)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(sent) == [0, 1]
    assert Notification.objects.filter(code="reports.scheduled", target_id=str(report.pk)).count() == 1
