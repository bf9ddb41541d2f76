"""The daily anonymisation of archived cases past the retention period (issue 10)."""

from __future__ import annotations

from datetime import timedelta

from loanlit.cases.services import retention
from loanlit.jobs.registry import periodic


@periodic("cases.anonymise_archived", every=timedelta(hours=24))
def anonymise_archived_daily() -> None:
    """Anonymise archived cases past ``CASE_ANONYMISE_AFTER_DAYS`` (idempotent; nothing while it is 0).

    A bounded batch per run keeps the scheduler tick short; a backlog drains over the following days, or
    at once with ``manage.py anonymise_archived_cases``.
    """
    if retention.anonymise_after_days() > 0:
        retention.cases_anonymise_due(actor=None)
