"""The court's decision in a proceeding (判决主文) as structured items."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField, RateField
from loanlit.core.models import VersionedModel


class Judgment(VersionedModel):
    class Kind(models.TextChoices):
        JUDGMENT = "judgment", _("Judgment")
        RULING = "ruling", _("Ruling")
        MEDIATION = "mediation", _("Mediation statement")

    proceeding = models.OneToOneField(
        "cases.Proceeding", verbose_name=_("proceeding"), on_delete=models.CASCADE, related_name="judgment"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.JUDGMENT)
    judged_on = models.DateField(_("judged on"))
    performance_days = models.PositiveSmallIntegerField(_("days to perform"), default=10)
    currency = CurrencyField()
    # Cached, recomputed by the services from the items and the service records.
    adjudicated_amount = MoneyField(_("adjudicated amount"), currency_field="currency", default=0)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    effective_confirmed = models.BooleanField(_("effective date confirmed by the calendar"), default=False)
    performance_ends = models.DateField(_("performance period ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("judgment")
        verbose_name_plural = _("judgments")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.judged_on}"


class JudgmentItem(models.Model):
    class Kind(models.TextChoices):
        PRINCIPAL = "principal", _("Principal")
        INTEREST = "interest", _("Interest")
        POST_JUDGMENT_INTEREST = "post_judgment_interest", _("Interest after the cut-off date")
        PENALTY = "penalty", _("Penalty interest")
        COMPOUND = "compound", _("Compound interest")
        LAWYER_FEE = "lawyer_fee", _("Lawyer's fee")
        COURT_FEE_BORNE = "court_fee_borne", _("Court fee borne by the defendant")
        PRESERVATION_FEE_BORNE = "preservation_fee_borne", _("Preservation fee borne by the defendant")
        PRIORITY_OVER_COLLATERAL = "priority_over_collateral", _("Priority over collateral")
        JOINT_LIABILITY = "joint_liability", _("Joint liability")
        OTHER = "other", _("Other")

    judgment = models.ForeignKey(Judgment, verbose_name=_("judgment"), on_delete=models.CASCADE, related_name="items")
    seq = models.PositiveSmallIntegerField(_("item number"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    currency = CurrencyField()
    amount = MoneyField(_("amount"), currency_field="currency", null=True, blank=True)
    base = MoneyField(_("base amount"), currency_field="currency", null=True, blank=True)
    rate = RateField(_("rate (% per year)"), null=True, blank=True)
    from_date = models.DateField(_("from"), null=True, blank=True)
    until_text = models.CharField(_("until"), max_length=200, blank=True)
    collateral = models.ForeignKey(
        "loans.Collateral",
        verbose_name=_("collateral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    party = models.ForeignKey(
        "parties.Party", verbose_name=_("party"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("judgment item")
        verbose_name_plural = _("judgment items")
        ordering = ["judgment", "seq"]
        constraints = [models.UniqueConstraint(fields=["judgment", "seq"], name="cases_judgmentitem_seq_unique")]

    def __str__(self) -> str:
        return f"{self.seq}. {self.get_kind_display()}"


# The money the defendant was ordered to pay; costs borne come from the cost ledger instead.
ADJUDICATED_KINDS: Final = frozenset(
    {
        JudgmentItem.Kind.PRINCIPAL,
        JudgmentItem.Kind.INTEREST,
        JudgmentItem.Kind.PENALTY,
        JudgmentItem.Kind.COMPOUND,
        JudgmentItem.Kind.LAWYER_FEE,
    }
)
