"""Background jobs (DESIGN rule 7): one Job row per unit of work, claimed by a conditional UPDATE."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def job_result_path(job: Job, filename: str) -> str:
    created = job.created_at or timezone.now()
    return f"jobs/{created:%Y/%m}/{job.pk}/{filename}"


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED_STATES = (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    kind = models.CharField(_("kind"), max_length=100, db_index=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=15, blank=True)

    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    progress_message = models.CharField(_("progress message"), max_length=500, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)

    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("error count"), default=0)
    error_message = models.TextField(_("error message"), blank=True)

    result = models.JSONField(_("result"), null=True, blank=True)
    result_file = models.FileField(_("result file"), upload_to=job_result_path, max_length=500, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    run_after = models.DateTimeField(_("run after"), default=timezone.now)

    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=3)
    worker_id = models.CharField(_("worker"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "run_after"], name="jobs_job_state_run_after"),
            models.Index(fields=["state", "heartbeat_at"], name="jobs_job_state_heartbeat"),
            models.Index(fields=["created_by", "-created_at"], name="jobs_job_creator_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:job_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.state in self.FINISHED_STATES

    @property
    def kind_label(self) -> str:
        from loanlit.jobs.registry import handler_label

        return handler_label(self.kind)

    @property
    def percent(self) -> int | None:
        """Whole per cent done, or None while the total is unknown."""
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def result_filename(self) -> str:
        return self.result_file.name.rsplit("/", 1)[-1] if self.result_file else ""

    def public_result(self) -> dict[str, Any] | None:
        return self.result if isinstance(self.result, dict) else None


class SchedulerLease(models.Model):
    """Who may run the scheduler tick right now; taken with a conditional UPDATE, so it works on every database."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    holder = models.CharField(_("holder"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduler lease")
        verbose_name_plural = _("scheduler leases")

    def __str__(self) -> str:
        return self.name


class PeriodicTaskState(models.Model):
    """Last-run bookkeeping per periodic task: a task is claimed for a period by moving ``next_run_at``."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("next run at"))
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_succeeded = models.BooleanField(_("last run succeeded"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    run_count = models.PositiveIntegerField(_("runs"), default=0)

    class Meta:
        verbose_name = _("periodic task")
        verbose_name_plural = _("periodic tasks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """The last sign of life of each ``run_worker`` process: /readyz and the system status page read it.

    Written by a small thread of the worker every few seconds (also while a long job runs), deleted when
    the worker stops cleanly; the row of a killed worker simply grows old.
    """

    worker_id = models.CharField(_("worker"), max_length=200, unique=True)
    hostname = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), default=0)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    beat_at = models.DateTimeField(_("last heartbeat"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-beat_at", "-pk"]

    def __str__(self) -> str:
        return self.worker_id
