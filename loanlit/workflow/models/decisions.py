"""Internal approvals (maker-checker) of decisions that need authority.

An ``ApprovalPolicy`` says which decisions of a kind need approval (from an amount up, per creditor) and by
whom (roles, in sequence or any one). A ``DecisionRequest`` holds the action's parameters; the action is
run by the executor registered for its kind (``loanlit.workflow.services.decisions.register_action``)
only once the last approver approves, in the same transaction as that approval.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField
from loanlit.core.models import TimeStampedModel, VersionedModel


class DecisionKind(models.TextChoices):
    FILE_SUIT = "file_suit", _("Filing a suit")
    SETTLEMENT = "settlement", _("Settlement or waiver of interest or penalty")
    WITHDRAWAL = "withdrawal", _("Withdrawal of a suit")
    COST_PAYMENT = "cost_payment", _("Payment of a cost")
    PERSONAL_DATA_EXPORT = "personal_data_export", _("Bulk export of personal data")


class ApprovalPolicy(VersionedModel):
    class Mode(models.TextChoices):
        SEQUENCE = "sequence", _("One after another")
        ANY = "any", _("Any one of them")

    kind = models.CharField(_("decision"), max_length=30, choices=DecisionKind.choices)
    # None: every creditor without a policy of its own.
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The policy applies from this amount up (CNY); 0 = always. The highest threshold reached wins.
    min_amount = MoneyField(_("from amount"), default=0)
    # Role codes (accounts roles), e.g. ["legal_manager", "administrator"]: in sequence, or any one.
    approver_roles = models.JSONField(_("approver roles"), default=list)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.SEQUENCE)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")
        ordering = ["kind", "min_amount"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ≥ {self.min_amount}"


class DecisionRequest(TimeStampedModel):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved and carried out")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        FAILED = "failed", _("Approved, but the action failed")

    kind = models.CharField(_("decision"), max_length=30, choices=DecisionKind.choices)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE, related_name="decisions"
    )
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = models.CharField(_("unit path"), max_length=255, db_index=True, editable=False)
    policy = models.ForeignKey(
        ApprovalPolicy, verbose_name=_("policy"), null=True, on_delete=models.PROTECT, related_name="requests"
    )
    currency = CurrencyField()
    amount = MoneyField(_("amount"), currency_field="currency", null=True, blank=True)
    # The executor's keyword arguments (JSON-safe: ids, dates and money as strings); never personal data.
    payload = models.JSONField(_("parameters"), default=dict)
    summary = models.CharField(_("summary"), max_length=300)
    reason = models.TextField(_("reason"), blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # What the executor returned (e.g. {"cost_id": 12}) or the translated reason it failed.
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("internal approval request")
        verbose_name_plural = _("internal approval requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["creditor", "unit_path", "state"], name="workflow_decision_scope_idx")]

    def __str__(self) -> str:
        return self.summary


class DecisionStep(models.Model):
    class Decision(models.TextChoices):
        NONE = "", _("Waiting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    request = models.ForeignKey(
        DecisionRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    # A role code; in "any" mode the step lists every role that may decide, comma-separated.
    role = models.CharField(_("approver role"), max_length=200)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default="", blank=True)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["request", "order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="workflow_decision_step_unique")]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.order} {self.role}"
