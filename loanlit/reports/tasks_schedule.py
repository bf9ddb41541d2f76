"""Scheduled report e-mails: every hour, send the saved reports due today (weekly on Mondays, monthly
on the 1st, Asia/Shanghai dates) that were not sent today, and retry their failed e-mails.

Idempotent: each report is claimed with a conditional UPDATE of ``last_sent_on``, so a second run the same
day, or a second scheduler at the same moment, sends nothing more.
"""

from __future__ import annotations

from datetime import timedelta

from loanlit.jobs.registry import periodic
from loanlit.reports.services import saved

SEND_EVERY = timedelta(hours=1)


@periodic("reports.scheduled_emails", every=SEND_EVERY)
def scheduled_reports_tick() -> None:
    saved.saved_reports_send_due()
    saved.scheduled_deliveries_retry()
