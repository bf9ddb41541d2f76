"""What a handler sees while it runs: parameters, progress, cancel checks, row errors and result files."""

from __future__ import annotations

import threading
import time
from typing import IO, Any

from django.utils.functional import Promise

from loanlit.jobs import conf


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.check_cancelled` when somebody asked to cancel the job."""


class JobLeaseLost(JobCancelled):
    """This worker no longer owns the job (its lease expired and the job was queued again or failed)."""


class JobContext:
    """Passed to every handler. Progress and errors are buffered and written at most every
    ``JOB_PROGRESS_INTERVAL_SECONDS``; each write doubles as a heartbeat."""

    def __init__(self, *, job_id: int, kind: str, params: dict[str, Any], worker_id: str, attempt: int) -> None:
        self.job_id = job_id
        self.kind = kind
        self.params: dict[str, Any] = params
        self.worker_id = worker_id
        self.attempt = attempt
        self.done = 0
        self.total: int | None = None
        self.message = ""
        self.errors: list[dict[str, Any]] = []
        self.error_count = 0
        self.result: dict[str, Any] | None = None
        self.result_file_name = ""
        self.lease_lost = threading.Event()
        self._dirty = False
        self._last_write = 0.0
        self._last_cancel_check = 0.0

    # --- progress -------------------------------------------------------------------------------------

    def set_progress(self, done: int, total: int | None = None, message: str | Promise = "") -> None:
        """Record ``done`` of ``total`` (None while unknown) with a short message for the progress bar."""
        self.done = max(0, int(done))
        self.total = None if total is None else max(0, int(total))
        self.message = str(message)[:500]
        self._dirty = True
        finished = self.total is not None and self.done >= self.total
        if finished or time.monotonic() - self._last_write >= conf.progress_interval():
            self.flush()

    def flush(self) -> None:
        """Write buffered progress and errors now (also a heartbeat); raise JobLeaseLost if the job moved on."""
        from loanlit.jobs import services

        if self.lease_lost.is_set():
            raise JobLeaseLost()
        still_mine = services.job_save_progress(
            job_id=self.job_id,
            worker_id=self.worker_id,
            done=self.done,
            total=self.total,
            message=self.message,
            errors=self.errors,
            error_count=self.error_count,
        )
        self._last_write = time.monotonic()
        self._dirty = False
        if not still_mine:
            self.lease_lost.set()
            raise JobLeaseLost()

    # --- cancel ---------------------------------------------------------------------------------------

    def check_cancelled(self) -> None:
        """Raise :class:`JobCancelled` when cancel was requested; call it between units of work."""
        if self.lease_lost.is_set():
            raise JobLeaseLost()
        now = time.monotonic()
        if self._last_cancel_check and now - self._last_cancel_check < conf.progress_interval():
            return
        self._last_cancel_check = now
        from loanlit.jobs.models import Job

        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise JobCancelled()

    # --- errors and results ---------------------------------------------------------------------------

    def add_error(
        self,
        message: str | Promise,
        *,
        row: int | None = None,
        field: str = "",
        code: str = "",
        **details: Any,
    ) -> None:
        """Record a row-level error (the job goes on). Past ``JOB_ERRORS_CAP`` errors are counted, not kept."""
        self.error_count += 1
        if len(self.errors) < conf.errors_cap():
            entry: dict[str, Any] = {"message": str(message)}
            if row is not None:
                entry["row"] = row
            if field:
                entry["field"] = field
            if code:
                entry["code"] = code
            entry.update({key: _jsonable(value) for key, value in details.items()})
            self.errors.append(entry)
        self._dirty = True

    def set_result(self, result: dict[str, Any]) -> None:
        """Small JSON summary shown on the job page (counts, ids); files go through save_result_file."""
        self.result = result

    def save_result_file(self, name: str, content: bytes | IO[bytes]) -> str:
        """Store the job's downloadable result under MEDIA_ROOT/jobs/…; returns the storage name."""
        from loanlit.jobs import services

        self.result_file_name = services.job_save_result_file(job_id=self.job_id, name=name, content=content)
        return self.result_file_name


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | bool | type(None)):
        return value
    if isinstance(value, float):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
