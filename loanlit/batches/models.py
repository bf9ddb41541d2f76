"""Batch litigation (批量诉讼): batches, their items, screening results and court write-backs.

A batch belongs to the unit of the user who created it (``unit_path`` copied, as on cases) and is seen
by users whose unit subtree holds it, within its creditor. Its items are cases (or loans not yet sued)
of that subtree. Screening reasons are stored as message codes with parameters and rendered in the
reader's language (``screening.reason_text``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import MoneyField
from loanlit.core.models import VersionedModel


class Batch(VersionedModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCREENED = "screened", _("Screened")
        PACKS = "packs", _("Filing packs generated")
        FILED = "filed", _("Court list written back")

    name = models.CharField(_("name"), max_length=200)
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(_("unit path"), max_length=255, db_index=True, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    # Claims below this amount (CNY) are not worth suing in this batch; 0 screens nothing out.
    min_claim = MoneyField(_("minimum claim"), default=0)
    # The day the batch is meant to be filed: limitation and guarantee periods must still run then.
    filing_on = models.DateField(_("planned filing date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["creditor", "unit_path"], name="batches_batch_scope_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("batches:batch_detail", args=[self.pk])


class BatchItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Not screened")
        INCLUDED = "included", _("Included")
        EXCLUDED = "excluded", _("Excluded")
        NEEDS_COURT = "needs_court", _("Court to be chosen")

    class CourtBasis(models.TextChoices):
        NONE = "", _("Not decided")
        AGREED = "agreed", _("Agreed court (forum clause)")
        DOMICILE = "domicile", _("Defendant's domicile")
        CHOSEN = "chosen", _("Chosen by hand")

    class PackState(models.TextChoices):
        NONE = "", _("No filing pack")
        GENERATED = "generated", _("Filing pack generated")
        FAILED = "failed", _("Filing pack failed")

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    loan = models.ForeignKey(
        "loans.LoanContract", verbose_name=_("loan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    # [{"code": "amount_below_threshold", "params": {...}}, ...]: rendered by screening.reason_text.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # Guarantors not sued (their guarantee period lapsed): [{"party": id, "name": ..., "code", "params"}].
    excluded_parties = models.JSONField(_("parties not sued"), default=list, blank=True)
    claim_amount = MoneyField(_("claim amount"), default=0)
    court = models.ForeignKey(
        "cases.Court", verbose_name=_("court"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    court_basis = models.CharField(
        _("court chosen by"), max_length=20, choices=CourtBasis.choices, blank=True, default=""
    )
    law_firm = models.ForeignKey(
        "cases.LawFirm", verbose_name=_("law firm"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pack_state = models.CharField(_("filing pack"), max_length=20, choices=PackState.choices, blank=True, default="")
    pack_error = models.CharField(_("filing pack error"), max_length=500, blank=True)
    pack_documents = models.JSONField(_("filing pack documents"), default=list, blank=True)
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("first-instance proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    court_case_number = models.CharField(_("court case number"), max_length=64, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    fee_notice_amount = MoneyField(_("fee notice amount"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch item")
        verbose_name_plural = _("batch items")
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "case"], condition=Q(case__isnull=False), name="batches_item_unique_case"
            ),
            models.UniqueConstraint(
                fields=["batch", "loan"],
                condition=Q(case__isnull=True, loan__isnull=False),
                name="batches_item_unique_loan",
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(loan__isnull=False), name="batches_item_case_or_loan"
            ),
        ]
        indexes = [models.Index(fields=["batch", "status"], name="batches_item_status_idx")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.case_id or self.loan_id}"
