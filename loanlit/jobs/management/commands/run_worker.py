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
from loanlit.jobs.worker import (
    WorkerBeat,
    new_worker_id,
    release_connections,
    run_pending,
    worker_beat_end,
)

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
        # The heartbeat /readyz reads. --once (e.g. from cron) beats once and leaves its row, a sign that a
        # worker ran; a long-running worker beats from a thread (also during a long job) and removes its row
        # when it stops cleanly.
        beat = WorkerBeat(worker_id)
        if options["once"]:
            beat.beat()
            self._loop(worker_id, stop, sleep, options)
        else:
            beat.start()
            try:
                self._loop(worker_id, stop, sleep, options)
            finally:
                beat.stop()
                try:
                    worker_beat_end(worker_id=worker_id)
                except Exception:
                    logger.exception("Could not remove the heartbeat of %s.", worker_id)
        self.stdout.write(_("Worker %(worker)s stopped.") % {"worker": worker_id})

    def _loop(self, worker_id: str, stop: threading.Event, sleep: float, options: dict[str, Any]) -> None:
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
