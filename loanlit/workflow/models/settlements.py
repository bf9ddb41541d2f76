"""Settlement plans (和解 / 分期还款协议) before suit or in court (mediation), with an instalment schedule.

Payments are matched from the case's recoveries; a missed instalment past the grace period is a breach
(a task to resume the suit); full payment creates the tasks to withdraw, release seizures and reclaim
refundable fees.

A settlement reached in enforcement (执行和解) is not a plan: its one home is the enforcement app's
``EnforcementSettlement`` (DESIGN: one home for each concept).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField
from loanlit.core.models import TimeStampedModel, VersionedModel


class SettlementPlan(VersionedModel):
    class Phase(models.TextChoices):
        BEFORE_SUIT = "before_suit", _("Before suit")
        IN_COURT = "in_court", _("In court (mediation)")
        # Not used for new plans (``services.settlements.settlement_create`` refuses it): a settlement in
        # enforcement is an ``enforcement.EnforcementSettlement``. Kept so the choices, and the migration,
        # stay as they are.
        ENFORCEMENT = "enforcement", _("In enforcement")

    class Status(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
        ACTIVE = "active", _("Active")
        BREACHED = "breached", _("Breached")
        COMPLETED = "completed", _("Paid in full")
        CANCELLED = "cancelled", _("Cancelled")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="settlements")
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    agreed_on = models.DateField(_("agreed on"))
    currency = CurrencyField()
    total = MoneyField(_("amount to pay"), currency_field="currency")
    # What the bank gives up against the claim (interest, penalty interest, fees): needs approval by policy.
    waived_interest = MoneyField(_("interest waived"), currency_field="currency", default=0)
    waived_penalty = MoneyField(_("penalty interest waived"), currency_field="currency", default=0)
    waived_fees = MoneyField(_("fees waived"), currency_field="currency", default=0)
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=0)
    note = models.TextField(_("note"), blank=True)
    decision = models.ForeignKey(
        "workflow.DecisionRequest",
        verbose_name=_("approval"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    breached_on = models.DateField(_("breached on"), null=True, blank=True)
    completed_on = models.DateField(_("paid in full on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("settlement plan")
        verbose_name_plural = _("settlement plans")
        ordering = ["case", "-agreed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.agreed_on}"


class SettlementInstalment(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PART_PAID = "part_paid", _("Partly paid")
        PAID = "paid", _("Paid")
        MISSED = "missed", _("Missed")

    plan = models.ForeignKey(
        SettlementPlan, verbose_name=_("settlement plan"), on_delete=models.CASCADE, related_name="instalments"
    )
    seq = models.PositiveSmallIntegerField(_("instalment no."))
    due_on = models.DateField(_("due on"))
    currency = CurrencyField()
    amount = MoneyField(_("amount"), currency_field="currency")
    paid = MoneyField(_("paid"), currency_field="currency", default=0)
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DUE)

    class Meta:
        verbose_name = _("settlement instalment")
        verbose_name_plural = _("settlement instalments")
        ordering = ["plan", "seq"]
        constraints = [models.UniqueConstraint(fields=["plan", "seq"], name="workflow_instalment_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id}#{self.seq}"


class SettlementPayment(TimeStampedModel):
    """A recovery (or the part of one) counted against a plan's instalments, oldest first."""

    plan = models.ForeignKey(
        SettlementPlan, verbose_name=_("settlement plan"), on_delete=models.CASCADE, related_name="payments"
    )
    instalment = models.ForeignKey(
        SettlementInstalment, verbose_name=_("instalment"), on_delete=models.CASCADE, related_name="payments"
    )
    recovery = models.ForeignKey(
        "cases.Recovery", verbose_name=_("recovery"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    currency = CurrencyField()
    amount = MoneyField(_("amount"), currency_field="currency")

    class Meta:
        verbose_name = _("settlement payment")
        verbose_name_plural = _("settlement payments")
        ordering = ["plan", "received_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["recovery", "instalment"], name="workflow_settlement_payment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.amount}"
