"""Reminder schedules, the set-based scan, sending with claims, retries and escalation."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from loanlit.accounts import services as accounts
from loanlit.deadlines.models import Deadline, ReminderDelivery, ReminderPolicy
from loanlit.deadlines.services import reminders as svc
from loanlit.deadlines.tests.reminders_support import build_reminder_world
from loanlit.law.calendar import Calendar
from loanlit.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages(settings):
    settings.LANGUAGE_CODE = "en"  # reminders go out in the site language; the assertions read English


SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKING = ReminderPolicy.DayBasis.WORKING
CALENDAR = ReminderPolicy.DayBasis.CALENDAR


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI)


def rows(deadline: Deadline) -> list[tuple[int, str, str]]:
    return sorted(ReminderDelivery.objects.filter(deadline=deadline).values_list("offset", "channel", "recipient_key"))


def offsets_sent(deadline: Deadline, channel: str = "in_app") -> list[int]:
    return sorted(
        ReminderDelivery.objects.filter(deadline=deadline, channel=channel, status="sent").values_list(
            "offset", flat=True
        ),
        reverse=True,
    )


@pytest.fixture
def world(personas):
    return build_reminder_world(personas)


# --- schedule arithmetic -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "anchor, offset, expected",
    [
        (dt.date(2026, 2, 25), 3, dt.date(2026, 2, 13)),  # Feb 24, make-up Sat Feb 14, Fri Feb 13
        (dt.date(2026, 2, 24), 1, dt.date(2026, 2, 14)),  # the make-up Saturday counts as a working day
        (dt.date(2026, 2, 24), 0, dt.date(2026, 2, 24)),
        (dt.date(2026, 3, 2), 2, dt.date(2026, 2, 27)),  # Feb 28 make-up Saturday, Feb 27 Friday
        (dt.date(2026, 10, 9), 1, dt.date(2026, 10, 8)),
        (dt.date(2026, 10, 8), 1, dt.date(2026, 9, 30)),  # over National Day week
    ],
)
def test_working_day_offsets_skip_holidays_and_count_make_up_days(anchor, offset, expected):
    assert svc.remind_on(anchor, offset, day_basis=WORKING, calendar=Calendar()) == expected


def test_calendar_day_offsets_ignore_holidays():
    assert svc.remind_on(dt.date(2026, 2, 24), 7, day_basis=CALENDAR, calendar=Calendar()) == dt.date(2026, 2, 17)


# --- the scan ------------------------------------------------------------------------------------


def test_scan_over_spring_festival_with_working_day_policy(world, time_machine):
    svc.reminder_policy_save(
        actor=None, deadline_kind="appeal", offsets=[3, 1, 0], day_basis=WORKING, channels=["in_app"],
        escalate_overdue=False,
    )  # fmt: skip
    deadline = world.deadline(due_on=dt.date(2026, 2, 24))
    seen: dict[dt.date, list[int]] = {}
    day = dt.date(2026, 2, 10)
    while day <= dt.date(2026, 2, 26):
        time_machine.move_to(at(day), tick=False)
        svc.reminders_run()
        seen[day] = offsets_sent(deadline)
        day += dt.timedelta(days=1)
    # Working days back from Tue Feb 24: Sat Feb 14 (make-up), Fri Feb 13, Thu Feb 12.
    assert seen[dt.date(2026, 2, 11)] == []
    assert seen[dt.date(2026, 2, 12)] == [3]
    assert seen[dt.date(2026, 2, 13)] == [3]
    assert seen[dt.date(2026, 2, 14)] == [3, 1]  # Saturday, but a make-up working day
    assert seen[dt.date(2026, 2, 23)] == [3, 1]  # nothing during the holiday
    assert seen[dt.date(2026, 2, 24)] == [3, 1, 0]
    assert seen[dt.date(2026, 2, 26)] == [3, 1, 0]
    assert Notification.objects.filter(recipient=world.personas.case_handler, code="deadlines.reminder").count() == 3


def test_scan_around_national_day_uses_the_default_policy_and_catches_up_a_missed_day(world, time_machine):
    deadline = world.deadline(due_on=dt.date(2026, 10, 8))
    for day in (dt.date(2026, 9, 7), dt.date(2026, 9, 8), dt.date(2026, 10, 1), dt.date(2026, 10, 6)):
        time_machine.move_to(at(day), tick=False)
        svc.reminders_run()
    # 30 days before = Sep 8; Oct 1 = 7 days; the scan on Oct 6 catches up the 3-day reminder of Oct 5.
    assert offsets_sent(deadline) == [30, 7, 3]
    assert offsets_sent(deadline, "email") == [30, 7, 3]
    time_machine.move_to(at(dt.date(2026, 10, 7)), tick=False)
    svc.reminders_run()
    time_machine.move_to(at(dt.date(2026, 10, 8)), tick=False)
    svc.reminders_run()
    assert offsets_sent(deadline) == [30, 7, 3, 1, 0]


def test_a_deadline_first_seen_inside_its_window_gets_only_the_current_reminder(world):
    deadline = world.deadline(due_on=dt.date(2026, 3, 20))
    # Ten days ahead: the 30-day reminder is caught up (once), the 7-day one waits for its day.
    result = svc.reminders_scan(today=dt.date(2026, 3, 10))
    assert result.inserted == {"in_app": 1, "email": 1}
    assert rows(deadline) == [(30, "email", f"user:{world.personas.case_handler.pk}"),
                              (30, "in_app", f"user:{world.personas.case_handler.pk}")]  # fmt: skip
    assert svc.reminders_scan(today=dt.date(2026, 3, 12)).total == 0
    assert svc.reminders_scan(today=dt.date(2026, 3, 13)).total == 2


def test_scanning_twice_inserts_nothing_new_and_sends_once(world):
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    first = svc.reminders_run(today=dt.date(2026, 3, 2))
    second = svc.reminders_run(today=dt.date(2026, 3, 2))
    assert first.scan.total == 2 and second.scan.total == 0
    assert [o.status for o in first.sent] == ["sent", "sent"] and second.sent == []
    assert Notification.objects.filter(target_id=str(deadline.pk)).count() == 1
    assert len(mail.outbox) == 1


def test_nothing_is_sent_for_done_or_waived_deadlines(world):
    world.deadline(due_on=dt.date(2026, 3, 9), status=Deadline.Status.DONE)
    world.deadline(due_on=dt.date(2026, 3, 9), status=Deadline.Status.WAIVED)
    result = svc.reminders_run(today=dt.date(2026, 3, 2))
    assert result.scan.total == 0 and result.sent == []
    assert not ReminderDelivery.objects.exists()


def test_a_deadline_done_after_the_scan_is_skipped_when_sending(world):
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_scan(today=dt.date(2026, 3, 2))
    Deadline.objects.filter(pk=deadline.pk).update(status=Deadline.Status.DONE)
    outcomes = svc.reminder_deliveries_send()
    assert [o.status for o in outcomes] == ["skipped", "skipped"]
    assert mail.outbox == [] and not Notification.objects.filter(code="deadlines.reminder").exists()


def test_an_inactive_policy_switches_reminders_for_its_type_off(world):
    svc.reminder_policy_save(
        actor=None, deadline_kind="appeal", offsets=[7], day_basis=CALENDAR, channels=["in_app"],
        escalate_overdue=False, is_active=False,
    )  # fmt: skip
    world.deadline(due_on=dt.date(2026, 3, 9))
    answer = world.deadline(due_on=dt.date(2026, 3, 9), kind=Deadline.Kind.ANSWER)
    svc.reminders_scan(today=dt.date(2026, 3, 2))
    assert list(ReminderDelivery.objects.values_list("deadline_id", flat=True).distinct()) == [answer.pk]


def test_missing_2027_holiday_data_reminds_on_the_earlier_date_and_says_unconfirmed(world):
    # law.periods: appeal from 2027-09-16 ends nominally on 2027-10-01, provisionally rolled to 10-04.
    deadline = world.deadline(due_on=dt.date(2027, 10, 4), reminder_date=dt.date(2027, 10, 1), confirmed=False)
    # Anchored on Oct 1 the 1-day reminder is due on Sep 30 (on Oct 4 it would still be the 7-day one).
    assert svc.reminders_scan(today=dt.date(2027, 9, 30)).total == 2
    assert {r[0] for r in rows(deadline)} == {1}
    svc.reminder_deliveries_send(today=dt.date(2027, 9, 30))
    body = mail.outbox[0].body
    assert "Due on: 2027-10-04" in body
    assert "Unconfirmed: the holiday calendar for that year is not published yet; the date may move." in body
    assert mail.outbox[0].subject == f"Due in 1 day: Appeal — {world.case.internal_no}"


def test_users_without_an_email_address_get_no_email_row(world):
    from loanlit.accounts.models import User

    User.objects.filter(pk=world.personas.case_handler.pk).update(email="")
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_scan(today=dt.date(2026, 3, 2))
    assert [r[1] for r in rows(deadline)] == ["in_app"]


# --- escalation ----------------------------------------------------------------------------------


def test_overdue_deadline_escalates_once_to_the_nearest_legal_manager(world):
    from loanlit.accounts.models import User

    personas = world.personas
    User.objects.filter(pk=personas.legal_manager.pk).update(email="legal.manager@bank.example")
    deadline = world.deadline(due_on=dt.date(2026, 3, 9), status=Deadline.Status.MISSED)
    svc.reminders_scan(today=dt.date(2026, 3, 10))
    # The case is in the Beijing branch; the nearest legal manager is at head office.
    assert rows(deadline) == [(-1, "email", f"user:{personas.legal_manager.pk}"),
                              (-1, "in_app", f"user:{personas.legal_manager.pk}")]  # fmt: skip
    assert svc.reminders_scan(today=dt.date(2026, 3, 11)).escalations == 0
    outcomes = svc.reminder_deliveries_send(today=dt.date(2026, 3, 10))
    assert {o.status for o in outcomes} == {"sent"}
    note = Notification.objects.get(recipient=personas.legal_manager)
    assert note.title == f"Overdue: Appeal — {world.case.internal_no}"


def test_a_legal_manager_without_an_email_address_gets_the_escalation_in_the_app_only(world):
    from loanlit.accounts.models import User

    User.objects.filter(pk=world.personas.legal_manager.pk).update(email="")
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    result = svc.reminders_scan(today=dt.date(2026, 3, 10))
    assert rows(deadline) == [(-1, "in_app", f"user:{world.personas.legal_manager.pk}")]
    assert result.escalations == 1


def test_escalation_prefers_a_legal_manager_in_the_cases_own_unit(world):
    personas = world.personas
    local = accounts.user_create(
        actor=None, username="bj_manager", password=None, role_code="legal_manager", unit=personas.beijing,
        creditors=[personas.creditor],
    )  # fmt: skip
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_scan(today=dt.date(2026, 3, 12))
    assert {r[2] for r in rows(deadline)} == {f"user:{local.pk}"}


def test_done_deadlines_are_not_escalated(world):
    world.deadline(due_on=dt.date(2026, 3, 9), status=Deadline.Status.DONE)
    assert svc.reminders_scan(today=dt.date(2026, 3, 10)).escalations == 0


# --- sending: idempotency, retries, crashes -----------------------------------------------------


def test_every_email_carries_its_delivery_id_as_idempotency_key(world):
    world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_run(today=dt.date(2026, 3, 2))
    delivery = ReminderDelivery.objects.get(channel="email")
    message = mail.outbox[0]
    assert message.extra_headers["X-Loanlit-Idempotency-Key"] == f"loanlit-reminder-{delivery.pk}"
    assert f"Reference: loanlit-reminder-{delivery.pk}" in message.body
    assert message.to == ["handler@bank.example"]


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp down")


def test_failed_email_is_retried_with_backoff(world, time_machine):
    world.deadline(due_on=dt.date(2026, 3, 9))
    start = at(dt.date(2026, 3, 2))
    time_machine.move_to(start, tick=False)
    with override_settings(EMAIL_BACKEND="loanlit.deadlines.tests.test_reminders.FailingBackend"):
        svc.reminders_run()
        delivery = ReminderDelivery.objects.get(channel="email")
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert delivery.next_attempt_at == start + dt.timedelta(minutes=1)
        assert delivery.last_error == "ConnectionRefusedError: smtp down"
        time_machine.move_to(start + dt.timedelta(seconds=59), tick=False)
        assert svc.reminder_deliveries_send() == []
        time_machine.move_to(start + dt.timedelta(minutes=1), tick=False)
        assert [o.status for o in svc.reminder_deliveries_send()] == ["failed"]
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at == start + dt.timedelta(minutes=3)
    time_machine.move_to(start + dt.timedelta(minutes=3), tick=False)
    assert [o.status for o in svc.reminder_deliveries_send()] == ["sent"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_a_delivery_out_of_attempts_is_abandoned(world, time_machine):
    world.deadline(due_on=dt.date(2026, 3, 9))
    moment = at(dt.date(2026, 3, 2))
    time_machine.move_to(moment, tick=False)
    with override_settings(EMAIL_BACKEND="loanlit.deadlines.tests.test_reminders.FailingBackend"):
        svc.reminders_run()
        for _ in range(svc.MAX_ATTEMPTS - 1):
            moment += dt.timedelta(hours=2)
            time_machine.move_to(moment, tick=False)
            svc.reminder_deliveries_send()
    delivery = ReminderDelivery.objects.get(channel="email")
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("abandoned", svc.MAX_ATTEMPTS, None)


def test_a_crash_between_sending_and_marking_resends_once_after_the_claim_goes_stale(world, time_machine, monkeypatch):
    world.deadline(due_on=dt.date(2026, 3, 9))
    start = at(dt.date(2026, 3, 2))
    time_machine.move_to(start, tick=False)
    svc.reminders_scan()
    ReminderDelivery.objects.filter(channel="in_app").delete()
    real_finish = svc._finish

    def crash(delivery, token, **values):
        raise SystemExit("worker killed")

    monkeypatch.setattr(svc, "_finish", crash)
    with pytest.raises(SystemExit):
        svc.reminder_deliveries_send()
    monkeypatch.setattr(svc, "_finish", real_finish)
    assert len(mail.outbox) == 1
    assert ReminderDelivery.objects.get().status == "sending"
    time_machine.move_to(start + dt.timedelta(minutes=5), tick=False)
    assert svc.reminder_deliveries_send() == []  # another sender's live claim is left alone
    time_machine.move_to(start + svc.CLAIM_STALE_AFTER + dt.timedelta(seconds=1), tick=False)
    assert [o.status for o in svc.reminder_deliveries_send()] == ["sent"]
    assert len(mail.outbox) == 2
    keys = {m.extra_headers["X-Loanlit-Idempotency-Key"] for m in mail.outbox}
    assert keys == {f"loanlit-reminder-{ReminderDelivery.objects.get().pk}"}  # same key: the receiver can dedupe
    assert svc.reminder_deliveries_send() == []


def test_in_app_reminder_links_to_the_deadline_and_names_no_party(world):
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_run(today=dt.date(2026, 3, 2))
    note = Notification.objects.get(code="deadlines.reminder")
    assert note.recipient_id == world.personas.case_handler.pk
    assert note.link == f"/deadlines/{deadline.pk}/"
    assert note.title == f"Due in 7 days: Appeal — {world.case.internal_no}"
    text = note.title + note.body
    assert [s for s in world.forbidden_strings() if s in text] == []


# --- policies ------------------------------------------------------------------------------------


def test_policy_save_validates_and_audits(world):
    from loanlit.audit.models import AuditEntry

    before = AuditEntry.objects.count()
    policy = svc.reminder_policy_save(
        actor=world.personas.legal_manager, deadline_kind="answer", offsets=["7", 3, 3, 0], day_basis=WORKING,
        channels=["in_app", "wecom"], escalate_overdue=True,
    )  # fmt: skip
    assert (policy.offsets, policy.channels) == ([7, 3, 0], ["in_app", "wecom"])
    assert AuditEntry.objects.count() == before + 1
    for bad in ({"offsets": [-1]}, {"offsets": ["x"]}, {"channels": ["fax"]}, {"channels": []}):
        kwargs = {"offsets": [7], "channels": ["in_app"], **bad}
        with pytest.raises(svc.DomainError):
            svc.reminder_policy_save(
                actor=None, deadline_kind="answer", day_basis=CALENDAR, escalate_overdue=True, **kwargs
            )
    with pytest.raises(svc.PermissionDeniedError):
        svc.reminder_policy_save(
            actor=world.personas.case_handler, deadline_kind="answer", offsets=[1], day_basis=CALENDAR,
            channels=["in_app"], escalate_overdue=True,
        )  # fmt: skip
    assert ReminderPolicy.objects.get().offsets == [7, 3, 0]
    assert AuditEntry.objects.count() == before + 1


# --- command and scheduler -----------------------------------------------------------------------


def test_run_reminders_once_prints_what_it_sent(world):
    world.deadline(due_on=dt.date(2026, 3, 9))
    out = StringIO()
    call_command("run_reminders", "--once", "--today", "2026-03-02", stdout=out)
    text = out.getvalue()
    assert "Scan for 2026-03-02: 2 new reminders (0 escalations)." in text
    assert f"sent in_app → case_handler: {world.case.internal_no} appeal (+7)" in text
    assert "Sent 2 of 2." in text
    with pytest.raises(CommandError):
        call_command("run_reminders", "--once", "--today", "2026-02-30")
    with pytest.raises(CommandError):
        call_command("run_reminders")


def test_scheduler_tick_runs_the_reminder_scan(world, time_machine):
    from loanlit.jobs.scheduler import scheduler_tick

    world.deadline(due_on=dt.date(2026, 3, 9))
    time_machine.move_to(at(dt.date(2026, 3, 2)), tick=False)
    assert "deadlines.reminders" in scheduler_tick()
    assert Notification.objects.filter(code="deadlines.reminder").count() == 1
