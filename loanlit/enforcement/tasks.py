"""Periodic work of the enforcement app, run by ``scheduler_tick()`` (embedded worker or Celery beat)."""

from __future__ import annotations

from datetime import timedelta

from loanlit.enforcement import services
from loanlit.jobs.registry import periodic


@periodic("enforcement.termination_reviews", every=timedelta(hours=6))
def termination_reviews_tick() -> None:
    """A review follow-up (and an in-app notice) for every 终本 case whose review is due; idempotent."""
    services.termination_reviews_due()
