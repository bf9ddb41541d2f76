"""Tasks (任务分配): from templates, settlements, decisions or ad hoc; scoped like their case."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import VersionedModel


class Task(VersionedModel):
    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        AD_HOC = "ad_hoc", _("Created by hand")
        TEMPLATE = "template", _("Workflow template")
        SETTLEMENT = "settlement", _("Settlement plan")
        DECISION = "decision", _("Internal approval")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    # A task without a case is a personal or team task, visible to its assignee and creator only.
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    # A copy of the case's unit_path (or the creator's unit for a task without a case): scope is one prefix query.
    unit_path = models.CharField(_("unit path"), max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    # The role the template asked for, kept when nobody could be resolved (the task then waits, unassigned).
    assignee_role = models.CharField(_("assignee role"), max_length=40, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    # [{"text": "...", "done": false}, ...]
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    completion_note = models.TextField(_("completion note"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.AD_HOC)
    # Idempotency: a template stage entry, a settlement breach or a decision creates its task once
    # (e.g. "wf:<version>:<stage>:<task key>:<entry no.>", "settlement:<plan>:breach:<instalment>").
    # NULL for ad hoc tasks (NULLs never collide, on every backend; a partial index would not exist on MariaDB).
    source_key = models.CharField(_("source key"), max_length=120, null=True, blank=True, unique=True)
    deadline = models.ForeignKey(
        "deadlines.Deadline",
        verbose_name=_("deadline"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_on"], name="workflow_task_mine_idx"),
            models.Index(fields=["creditor", "unit_path", "status"], name="workflow_task_scope_idx"),
            models.Index(fields=["case", "status"], name="workflow_task_case_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
