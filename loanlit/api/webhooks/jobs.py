"""Webhook delivery jobs and the periodic retry sweep.

* ``api.webhooks.send`` — queued after commit when new deliveries were written (and by a test event or a
  replay): sends everything due, within a time budget; what is left (a slow receiver) goes with the sweep.
* ``api.webhooks.sweep`` (every minute) — sends due deliveries, retries included, with a shorter budget so
  the scheduler tick stays short; the claim (a conditional UPDATE per delivery) keeps two workers from
  sending the same delivery at once.
* ``api.webhooks.prune`` (daily) — deletes deliveries older than ``WEBHOOK_KEEP_DAYS``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from django.utils.translation import gettext_lazy as _

from loanlit.api.webhooks import services
from loanlit.jobs.registry import job_handler, periodic

JOB_BUDGET_SECONDS: Final = 240.0
SWEEP_BUDGET_SECONDS: Final = 20.0
SWEEP_LIMIT: Final = 100


def _summary(results: list[services.AttemptResult]) -> dict[str, int]:
    counts: dict[str, int] = {"attempts": len(results)}
    for result in results:
        counts[result.state] = counts.get(result.state, 0) + 1
    return counts


@job_handler(services.SEND_JOB, label=_("Send webhook deliveries"), max_attempts=1)
def send_deliveries(context: Any) -> dict[str, int]:
    return _summary(services.webhook_deliveries_send_due(limit=1000, budget_seconds=JOB_BUDGET_SECONDS))


@periodic("api.webhooks.sweep", every=timedelta(minutes=1))
def sweep() -> None:
    services.webhook_deliveries_send_due(limit=SWEEP_LIMIT, budget_seconds=SWEEP_BUDGET_SECONDS)


@periodic("api.webhooks.prune", every=timedelta(hours=24))
def prune() -> None:
    services.webhook_deliveries_prune()
