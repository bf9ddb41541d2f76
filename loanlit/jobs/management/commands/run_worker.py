"""``manage.py run_worker``: runs queued jobs and the embedded scheduler tick (DESIGN rule 7)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from loanlit.jobs import registry
from loanlit.jobs.models import Job
from loanlit.jobs.scheduler import scheduler_tick
from loanlit.jobs.worker import new_worker_id, release_connections, run_pending

logger = logging.getLogger("loanlit.jobs.worker")


class Command(BaseCommand):
    help = "Run background jobs and scheduled tasks until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run one scheduler tick and every job that is due, then exit."
        )
        parser.add_argument("--sleep", type=float, default=2.0, help="Seconds to wait when the queue is empty.")
        parser.add_argument("--no-scheduler", action="store_true", help="Do not run the embedded scheduler tick.")

    def handle(self, *args: Any, **options: Any) -> None:
        registry.ensure_discovered()
        worker_id = new_worker_id()
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_args: stop.set())
        sleep = max(0.1, float(options["sleep"]))
        self.stdout.write(
            _("Worker %(worker)s started: %(handlers)s job kinds, %(periodic)s periodic tasks.")
            % {"worker": worker_id, "handlers": len(registry.handlers), "periodic": len(registry.periodic_tasks)}
        )
        while not stop.is_set():
            release_connections()
            try:
                if not options["no_scheduler"]:
                    scheduler_tick()
                ran = run_pending(worker_id=worker_id, limit=1)
            except Exception:
                # A database restart must not end the worker; it retries after the pause.
                logger.exception("Worker loop failed; retrying in %s s.", sleep)
                ran = []
                if options["once"]:
                    raise
            for job_id, state in ran:
                label = Job.State(state).label if state in Job.State.values else state
                self.stdout.write(_("Job %(id)s: %(state)s") % {"id": job_id, "state": label})
            if ran:
                continue
            if options["once"]:
                break
            stop.wait(sleep)
        self.stdout.write(_("Worker %(worker)s stopped.") % {"worker": worker_id})
