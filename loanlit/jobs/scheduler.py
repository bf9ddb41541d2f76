"""The one scheduled entry point (DESIGN rule 7): ``scheduler_tick()`` runs due periodic tasks.

Safe to call from anywhere, any number of times, in parallel: a lease row lets one tick run at a time,
and each task is claimed for its period by a conditional UPDATE, so it runs once per period even if two
ticks overlap after a lease expired.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation

from loanlit.jobs import conf, registry, services

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def scheduler_tick(*, now: datetime | None = None, holder: str | None = None) -> list[str]:
    """Run every periodic task that is due; returns the names that ran in this tick."""
    registry.ensure_discovered()
    holder = holder or default_holder()
    now = now or timezone.now()
    if not services.scheduler_lease_acquire(name=LEASE_NAME, holder=holder, now=now, ttl=conf.scheduler_lease()):
        return []
    ran: list[str] = []
    try:
        with translation.override(settings.LANGUAGE_CODE):
            for spec in sorted(registry.periodic_tasks.values(), key=lambda s: s.name):
                if not services.scheduler_lease_acquire(
                    name=LEASE_NAME, holder=holder, now=now, ttl=conf.scheduler_lease()
                ):
                    break  # another scheduler took over; it will carry on
                if not services.periodic_task_claim(name=spec.name, every=spec.every, now=now):
                    continue
                try:
                    spec.func()
                except Exception as exc:
                    logger.exception("Periodic task %s failed.", spec.name)
                    services.periodic_task_record(name=spec.name, succeeded=False, error=f"{type(exc).__name__}: {exc}")
                else:
                    services.periodic_task_record(name=spec.name, succeeded=True)
                ran.append(spec.name)
    finally:
        services.scheduler_lease_release(name=LEASE_NAME, holder=holder)
    return ran
