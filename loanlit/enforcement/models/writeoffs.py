"""Write-offs (核销) per loan with their evidence checklist, and debt transfers (债权转让) of sets of cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField
from loanlit.core.models import VersionedModel

__all__ = ["DebtTransfer", "DebtTransferItem", "EvidenceItem", "WriteOff"]


class WriteOff(VersionedModel):
    """A loan written off the books (核销). The case stays open (账销案存): recoveries after the write-off
    date are reported separately."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="write_offs")
    loan = models.OneToOneField(
        "loans.LoanContract", verbose_name=_("loan"), on_delete=models.PROTECT, related_name="write_off"
    )
    written_off_on = models.DateField(_("written off on"))
    currency = CurrencyField()
    amount = MoneyField(_("amount written off"), currency_field="currency")
    approval_ref = models.CharField(_("approval reference"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        ordering = ["case", "written_off_on", "pk"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.written_off_on}"


class EvidenceItem(VersionedModel):
    """One line of a write-off file's evidence checklist. The documents app does not exist yet: the status
    is set by hand and ``reference`` says where the paper or file is."""

    class Kind(models.TextChoices):
        JUDGMENT = "judgment", _("Effective judgment or mediation statement")
        TERMINATION_RULING = "termination_ruling", _("Ruling terminating enforcement for now")
        ASSET_SEARCHES = "asset_searches", _("Asset search results")
        COLLECTION_RECORDS = "collection_records", _("Collection records")
        APPROVAL = "approval", _("Internal write-off approval")

    class Status(models.TextChoices):
        MISSING = "missing", _("Missing")
        ON_FILE = "on_file", _("On file")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    write_off = models.ForeignKey(
        WriteOff, verbose_name=_("write-off"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("evidence"), max_length=30, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.MISSING)
    reference = models.CharField(_("where it is"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")
        ordering = ["write_off", "pk"]
        constraints = [models.UniqueConstraint(fields=["write_off", "kind"], name="enf_evidence_kind_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_status_display()}"


class DebtTransfer(VersionedModel):
    """A sale of debts to a buyer (债权转让). Recoveries after ``base_date`` belong to the buyer."""

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    buyer = models.CharField(_("buyer"), max_length=200)
    buyer_uscc = models.CharField(_("buyer's unified social credit code"), max_length=18, blank=True)
    agreed_on = models.DateField(_("agreement signed on"))
    base_date = models.DateField(_("transfer base date"))
    currency = CurrencyField()
    price = MoneyField(_("price"), currency_field="currency")
    reference = models.CharField(_("agreement reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("debt transfer")
        verbose_name_plural = _("debt transfers")
        ordering = ["-base_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.buyer} {self.base_date}"


class DebtTransferItem(models.Model):
    transfer = models.ForeignKey(
        DebtTransfer, verbose_name=_("debt transfer"), on_delete=models.CASCADE, related_name="items"
    )
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="debt_transfer_item"
    )
    loans = models.ManyToManyField("loans.LoanContract", verbose_name=_("loans"), related_name="+", blank=True)
    currency = CurrencyField()
    outstanding = MoneyField(_("outstanding when recorded"), currency_field="currency")

    class Meta:
        verbose_name = _("transferred case")
        verbose_name_plural = _("transferred cases")
        ordering = ["transfer", "pk"]

    def __str__(self) -> str:
        return f"{self.transfer_id}:{self.case_id}"
