"""A record of every backup taken (by hand, from the app or on schedule) and every restore."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BackupRun(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", _("From the command line")
        APP = "app", _("From the app")
        SCHEDULED = "scheduled", _("Scheduled")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.RUNNING)
    path = models.CharField(_("archive"), max_length=1000, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    encrypted_key_id = models.CharField(_("encryption key id"), max_length=64, blank=True)
    counts = models.JSONField(_("rows per table"), default=dict, blank=True)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    error = models.TextField(_("error"), blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    pruned_at = models.DateTimeField(_("removed by retention at"), null=True, blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.state})"
