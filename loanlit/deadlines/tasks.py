"""Periodic work of the deadlines app, run by ``scheduler_tick()`` (embedded worker or Celery beat)."""

from __future__ import annotations

from datetime import timedelta

from loanlit.deadlines import services
from loanlit.deadlines.services import reminders
from loanlit.jobs.registry import periodic

SCAN_EVERY = timedelta(minutes=5)


@periodic("deadlines.reminders", every=SCAN_EVERY)
def reminders_tick() -> None:
    """Insert the reminders due today (set-based, idempotent) and send what is due, retries included."""
    reminders.reminders_run()


@periodic("deadlines.daily", every=timedelta(hours=24))
def deadlines_daily() -> None:
    """Mark overdue open deadlines missed, and refresh the limitation and guarantee monitors of unsued loans."""
    services.deadlines_mark_missed()
    services.monitors_refresh()
