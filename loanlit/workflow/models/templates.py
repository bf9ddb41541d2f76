"""Workflow templates (流程设置 / 流程定制): per case type, versioned; a running case keeps its version.

A version's ``definition`` is immutable once saved (a change is a new version). Its shape, checked by
``loanlit.workflow.definitions.validate_definition``::

    {
      "initial": "pre_litigation",
      "stages": [
        {"code": "pre_litigation",                       # a cases.CaseStage code
         "on_enter": {
            "tasks": [{"key": "collect", "title": "...", "role": "handler",
                       "due": {"days": 5, "basis": "working"},      # or {"deadline_kind": "appeal"}
                       "priority": "normal", "checklist": ["...", "..."]}],
            "documents": ["complaint"]},                  # docgen template codes generated on entry
         "exit_requires": {"documents": ["complaint"],    # document category codes present
                           "approved_documents": [],      # ... and approved
                           "fields": ["claim_total", "law_firm"]}},  # case fields that must be set
        ...
      ],
      "transitions": [["pre_litigation", "filed"], ...]
    }
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import TimeStampedModel, VersionedModel


class WorkflowTemplate(VersionedModel):
    class CaseType(models.TextChoices):
        FINANCIAL_LOAN_SUIT = "financial_loan_suit", _("Financial loan suit")
        CREDIT_CARD_BATCH = "credit_card_batch", _("Credit-card batch suit")
        PAYMENT_ORDER = "payment_order", _("Payment order")
        ARBITRATION = "arbitration", _("Arbitration")
        NOTARISED_ENFORCEMENT = "notarised_enforcement", _("Enforcement of a notarised debt instrument")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    case_type = models.CharField(_("case type"), max_length=40, choices=CaseType.choices)
    # None: offered to every creditor.
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # New cases of the creditor get the default template's current version.
    is_default = models.BooleanField(_("default for new cases"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "workflow.WorkflowVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("workflow template")
        verbose_name_plural = _("workflow templates")
        ordering = ["case_type", "code"]

    def __str__(self) -> str:
        return self.name


class WorkflowVersion(models.Model):
    template = models.ForeignKey(
        WorkflowTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version number"))
    definition = models.JSONField(_("definition"))
    note = models.CharField(_("change note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("workflow template version")
        verbose_name_plural = _("workflow template versions")
        ordering = ["template", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="workflow_version_unique")]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class CaseWorkflow(TimeStampedModel):
    """Which template version a case runs; changed only by ``services.templates`` (``case_workflow_assign``,
    ``cases_workflow_migrate``, ``cases_workflow_assign_default`` for new cases)."""

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="workflow")
    version = models.ForeignKey(
        WorkflowVersion, verbose_name=_("template version"), on_delete=models.PROTECT, related_name="cases"
    )

    class Meta:
        verbose_name = _("case workflow")
        verbose_name_plural = _("case workflows")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.version}"
