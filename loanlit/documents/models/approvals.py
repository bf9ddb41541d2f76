"""Document approval (文档审批): a request per submitted version, one step per approver."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["ApprovalRequest", "ApprovalStep"]


class ApprovalRequest(models.Model):
    """A version submitted to approvers, in sequence (each in turn) or to any one of them. The
    version's SHA-256 at submission is kept: a decision is about exactly that content."""

    class Mode(models.TextChoices):
        SEQUENCE = "sequence", _("In sequence")
        ANY = "any", _("Any one approver")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="approval_requests")
    version = models.ForeignKey("documents.DocumentVersion", on_delete=models.PROTECT, related_name="approval_requests")
    version_sha256 = models.CharField(_("SHA-256 submitted"), max_length=64)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.SEQUENCE)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.document} v{self.version.number} ({self.get_state_display()})"


class ApprovalStep(models.Model):
    class Decision(models.TextChoices):
        WAITING = "", _("Waiting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SKIPPED = "skipped", _("Not needed")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, default="", blank=True)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The hash of the version as it was when this approver decided (equal to the request's, or the
    # decision was refused).
    version_sha256 = models.CharField(_("SHA-256 decided on"), max_length=64, blank=True)

    class Meta:
        ordering = ["request", "order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="documents_approval_step_uniq")]

    def __str__(self) -> str:
        return f"{self.order}. {self.approver} ({self.get_decision_display()})"
