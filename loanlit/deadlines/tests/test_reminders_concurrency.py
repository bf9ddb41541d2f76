"""Two scanners at once on PostgreSQL: every reminder is inserted and sent exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection

from loanlit.deadlines.models import ReminderDelivery
from loanlit.deadlines.services import reminders as svc
from loanlit.deadlines.tests.reminders_support import build_reminder_world
from loanlit.notifications.models import Notification


@pytest.fixture(autouse=True)
def english_messages(settings):
    settings.LANGUAGE_CODE = "en"  # reminders go out in the site language; the assertions read English


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scanners_send_each_reminder_exactly_once(personas):
    world = build_reminder_world(personas)
    deadlines = [world.deadline(due_on=dt.date(2026, 3, 9) + dt.timedelta(days=i % 3)) for i in range(30)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scanner() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                svc.reminders_run(today=dt.date(2026, 3, 2), limit=7)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scanner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    svc.reminder_deliveries_send(limit=1000)  # whatever the two left behind
    assert ReminderDelivery.objects.count() == 60
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.filter(code="deadlines.reminder").count() == 30
    assert len(mail.outbox) == 30
    assert {m.extra_headers["X-Loanlit-Idempotency-Key"] for m in mail.outbox} == {
        d.idempotency_key for d in ReminderDelivery.objects.filter(channel="email")
    }
    assert len(deadlines) == 30
