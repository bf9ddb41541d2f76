"""Job handlers and periodic tasks of the settlements area (imported by loanlit/workflow/tasks.py)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from loanlit.jobs.registry import periodic
from loanlit.workflow.services import settlements


@periodic("workflow.settlement_breaches", every=timedelta(hours=24))
def settlement_breaches_daily() -> None:
    """Instalments unpaid past their due date (idempotent): settlement plans past their grace period are
    breached with a task to resume the suit; settlements in enforcement get a task to record the breach
    and apply to resume enforcement (the enforcement app's rows are only read)."""
    today = timezone.localdate()
    settlements.settlements_check_breaches(today=today)
    settlements.enforcement_settlements_check_overdue(today=today)
