"""The case timeline for people (DESIGN rule 6): written by services only, never personal data in params."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseEvent(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Case opened")
        UPDATED = "updated", _("Case details changed")
        STAGE_CHANGED = "stage_changed", _("Stage changed")
        LOAN_LINKED = "loan_linked", _("Loan linked")
        CLAIM_COMPUTED = "claim_computed", _("Claim computed")
        PROCEEDING_OPENED = "proceeding_opened", _("Proceeding opened")
        PROCEEDING_UPDATED = "proceeding_updated", _("Proceeding details changed")
        PROCEEDING_RESULT = "proceeding_result", _("Proceeding result recorded")
        PARTY_ADDED = "party_added", _("Participant added")
        HEARING_SET = "hearing_set", _("Hearing scheduled")
        SERVED = "served", _("Document served")
        JUDGMENT_RECORDED = "judgment_recorded", _("Judgment recorded")
        JUDGMENT_EFFECTIVE = "judgment_effective", _("Judgment effective")
        COST_PAID = "cost_paid", _("Cost paid")
        COST_REFUNDED = "cost_refunded", _("Cost refunded")
        RECOVERY_RECEIVED = "recovery_received", _("Recovery received")
        PLACED = "placed", _("Placed with a law firm")
        RECALLED = "recalled", _("Recalled from a law firm")
        CLOSED = "closed", _("Case closed")
        # Written by the deadlines app through loanlit.cases.events.case_event_record.
        FEE_NOTICE = "fee_notice", _("Fee notice received")
        PRESERVATION_EFFECTIVE = "preservation_effective", _("Preservation measure took effect")
        DEADLINE_CHANGED = "deadline_changed", _("Deadline changed")
        # Written by the documents app through loanlit.cases.events.case_event_record.
        DOCUMENT_ADDED = "document_added", _("Document added")
        DOCUMENT_VERSION_ADDED = "document_version_added", _("New document version")
        DOCUMENT_BINNED = "document_binned", _("Document moved to the recycle bin")
        DOCUMENT_RESTORED = "document_restored", _("Document restored")
        DOCUMENT_SUBMITTED = "document_submitted", _("Document submitted for approval")
        DOCUMENT_APPROVED = "document_approved", _("Document approved")
        DOCUMENT_REJECTED = "document_rejected", _("Document rejected")
        DOCUMENT_APPROVAL_WITHDRAWN = "document_approval_withdrawn", _("Approval request withdrawn")
        # Written by the workflow app through loanlit.cases.events.case_event_record.
        WORKFLOW_ASSIGNED = "workflow_assigned", _("Workflow template assigned")
        WORKFLOW_MIGRATED = "workflow_migrated", _("Workflow template version changed")
        HANDLER_CHANGED = "handler_changed", _("Handler changed")
        DECISION_REQUESTED = "decision_requested", _("Internal approval requested")
        DECISION_APPROVED = "decision_approved", _("Internal approval granted")
        DECISION_REJECTED = "decision_rejected", _("Internal approval refused")
        SETTLEMENT_AGREED = "settlement_agreed", _("Settlement agreed")
        SETTLEMENT_BREACHED = "settlement_breached", _("Settlement breached")
        SETTLEMENT_COMPLETED = "settlement_completed", _("Settlement paid in full")
        SETTLEMENT_CANCELLED = "settlement_cancelled", _("Settlement cancelled")
        CASE_SHARED = "case_shared", _("Case shared")
        CASE_UNSHARED = "case_unshared", _("Case sharing withdrawn")
        LEGAL_HOLD_SET = "legal_hold_set", _("Legal hold placed")
        LEGAL_HOLD_RELEASED = "legal_hold_released", _("Legal hold released")
        PERSONAL_DATA_ANONYMISED = "personal_data_anonymised", _("Personal data anonymised")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    happened_on = models.DateField(_("happened on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    params = models.JSONField(_("details"), default=dict, blank=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "happened_on", "pk"]
        indexes = [models.Index(fields=["case", "happened_on"], name="cases_event_case_day_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on}"
