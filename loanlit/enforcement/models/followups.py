"""Follow-up items the enforcement app hands to a case's handler: a 终本 review that is due, the change of
plaintiff or applicant after a debt transfer. (There is no task app yet; these are enforcement's own.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import VersionedModel

__all__ = ["FollowUp"]


class FollowUp(VersionedModel):
    class Kind(models.TextChoices):
        TERMINATION_REVIEW = "termination_review", _("Review a case terminated for now")
        CHANGE_OF_PARTY = "change_of_party", _("Change of plaintiff or applicant after a debt transfer")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # What produced it ("review:t12:2026-07-01", "transfer:3:c9"): running the producer again never duplicates.
    source_key = models.CharField(_("source"), max_length=120, unique=True)
    termination = models.ForeignKey(
        "enforcement.Termination",
        verbose_name=_("termination for now"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    transfer = models.ForeignKey(
        "enforcement.DebtTransfer",
        verbose_name=_("debt transfer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    due_on = models.DateField(_("due on"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["assigned_to", "due_on"], name="enf_followup_open_idx", condition=Q(status="open")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"
