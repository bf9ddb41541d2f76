"""The case's money ledger: costs the bank paid and recoveries it received."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField
from loanlit.core.models import VersionedModel


class CostEntry(VersionedModel):
    class Kind(models.TextChoices):
        ACCEPTANCE_FEE = "acceptance_fee", _("Acceptance fee")
        PRESERVATION_FEE = "preservation_fee", _("Preservation fee")
        PRESERVATION_GUARANTEE_PREMIUM = "preservation_guarantee_premium", _("Preservation guarantee premium")
        PUBLICATION_FEE = "publication_fee", _("Publication fee")
        APPRAISAL_FEE = "appraisal_fee", _("Appraisal fee")
        ENFORCEMENT_FEE = "enforcement_fee", _("Enforcement fee")
        LAWYER_FEE = "lawyer_fee", _("Lawyer's fee")
        OTHER = "other", _("Other")

    class Payer(models.TextChoices):
        CREDITOR = "creditor", _("Creditor")
        UNIT = "unit", _("Unit")
        LAW_FIRM = "law_firm", _("Law firm")
        OTHER = "other", _("Other")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="costs")
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="costs",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    currency = CurrencyField()
    amount = MoneyField(_("amount"), currency_field="currency")
    payer = models.CharField(_("paid by"), max_length=20, choices=Payer.choices)
    paid_on = models.DateField(_("paid on"))
    borne_by_defendant = models.BooleanField(_("borne by the defendant"), default=False)
    refunded_amount = MoneyField(_("refunded"), currency_field="currency", default=0)
    refunded_on = models.DateField(_("refunded on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        ordering = ["case", "paid_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Recovery(models.Model):
    class Source(models.TextChoices):
        BORROWER_PAYMENT = "borrower_payment", _("Payment by the borrower")
        COURT_ENFORCEMENT = "court_enforcement", _("Court enforcement")
        AUCTION = "auction", _("Auction proceeds")
        GUARANTOR = "guarantor", _("Payment by a guarantor")
        SETTLEMENT_IN_KIND = "settlement_in_kind", _("Settlement in kind")
        DEBT_TRANSFER = "debt_transfer", _("Debt transfer")

    class Phase(models.TextChoices):
        PRE_JUDGMENT = "pre_judgment", _("Before judgment")
        ENFORCEMENT = "enforcement", _("After judgment")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="recoveries")
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_on = models.DateField(_("received on"))
    currency = CurrencyField()
    amount = MoneyField(_("amount"), currency_field="currency")
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    value_note = models.CharField(_("valuation note"), max_length=300, blank=True)
    after_write_off = models.BooleanField(_("received after write-off"), default=False)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    # law.allocation result: {"order": [...], "applied": [[bucket, "12.34"], ...], "remainder": "0.00"}
    allocation = models.JSONField(_("allocation"), default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")
        ordering = ["case", "received_on", "pk"]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount}"
