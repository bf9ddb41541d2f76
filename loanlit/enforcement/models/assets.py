"""The debtors' assets (财产线索) on a case, the measures on them (查封 / 冻结 / 扣押) and their renewals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField, PersonalDataField
from loanlit.core.models import VersionedModel

__all__ = ["Asset", "Measure", "MeasureRenewal", "PreservationGuarantee"]


class Asset(VersionedModel):
    """An asset lead of a debtor on one case. Account, plate and certificate numbers and the location are
    personal data (encrypted, masked in lists); the description must not carry them."""

    class Kind(models.TextChoices):
        REAL_ESTATE = "real_estate", _("Real estate")
        VEHICLE = "vehicle", _("Vehicle")
        DEPOSIT = "deposit", _("Bank deposit")
        EQUITY = "equity", _("Equity")
        RECEIVABLE = "receivable", _("Receivable")
        OTHER_MOVABLE = "other_movable", _("Other movable property")
        OTHER_RIGHT = "other_right", _("Other property right")

    class Source(models.TextChoices):
        ASSET_SEARCH = "asset_search", _("Court's asset search")
        BORROWER_REPORT = "borrower_report", _("Debtor's asset report")
        OWN_INVESTIGATION = "own_investigation", _("Own investigation")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        LEAD = "lead", _("Lead, not yet verified")
        VERIFIED = "verified", _("Verified")
        DISPOSED = "disposed", _("Disposed of")
        NO_VALUE = "no_value", _("No value to recover")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="enforcement_assets"
    )
    owner = models.ForeignKey(
        "parties.Party", verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind of asset"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    registration_no = PersonalDataField(_("registration, account or certificate number"), kind="text", blank=True)
    location = PersonalDataField(_("location"), kind="text", blank=True)
    currency = CurrencyField()
    estimated_value = MoneyField(_("estimated value"), currency_field="currency", null=True, blank=True)
    source = models.CharField(_("source of the lead"), max_length=20, choices=Source.choices)
    found_on = models.DateField(_("found on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.LEAD)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["case", "found_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class Measure(VersionedModel):
    """A seizure, freeze or distraint on one asset. The current term's dates are kept here (computed by
    law.preservation); the first term and every renewal are in ``MeasureRenewal`` (seq 0 = the first)."""

    class Kind(models.TextChoices):
        SEIZURE = "seizure", _("Seizure")
        FREEZE = "freeze", _("Freeze")
        DISTRAINT = "distraint", _("Distraint")

    class Basis(models.TextChoices):
        PRE_SUIT_PRESERVATION = "pre_suit_preservation", _("Pre-suit preservation")
        PRESERVATION = "preservation", _("Preservation in the suit")
        ENFORCEMENT = "enforcement", _("Enforcement")

    class Rank(models.TextChoices):
        FIRST = "first", _("First seizure")
        WAITING = "waiting", _("Waiting seizure")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In force")
        RELEASED = "released", _("Released")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="enforcement_measures"
    )
    asset = models.ForeignKey(Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=12, choices=Kind.choices)
    basis = models.CharField(_("basis"), max_length=30, choices=Basis.choices)
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The enforcement a preservation measure turned into (CPL Interpretation art. 168): the term runs on.
    enforcement_proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("carried into enforcement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    carried_on = models.DateField(_("carried into enforcement on"), null=True, blank=True)
    court = models.ForeignKey(
        "cases.Court", verbose_name=_("court"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruling_no = models.CharField(_("ruling number"), max_length=100, blank=True)
    # Normalised (law.caseno): the preservation or enforcement case (财保, 执保, 执, 执恢).
    court_case_number = models.CharField(_("preservation or enforcement case number"), max_length=64, blank=True)
    started_on = models.DateField(_("took effect on"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    nominal_expires_on = models.DateField(_("term ends (before roll-over)"))
    expires_on = models.DateField(_("expires on"))
    renewal_due_on = models.DateField(_("apply to renew by"))
    stated_expiry = models.BooleanField(_("expiry stated by the court"), default=False)
    confirmed = models.BooleanField(_("confirmed by the calendar"), default=True)
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    rank = models.CharField(_("rank"), max_length=10, choices=Rank.choices, default=Rank.FIRST)
    rank_position = models.PositiveSmallIntegerField(_("position in the waiting list"), null=True, blank=True)
    currency = CurrencyField()
    amount = MoneyField(_("amount frozen or secured"), currency_field="currency", null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    release_reason = models.CharField(_("reason for the release"), max_length=300, blank=True)
    # Copied from the case so the cross-case list is one indexed query (DESIGN rule 2).
    unit_path = models.CharField(_("unit path"), max_length=255, editable=False)
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["case", "started_on", "pk"]
        indexes = [
            models.Index(fields=["renewal_due_on"], name="enf_measure_due_idx", condition=Q(status="active")),
            models.Index(fields=["creditor", "unit_path"], name="enf_measure_scope_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on}"

    @property
    def measure_key(self) -> str:
        """The key the deadlines app files this measure's current term under."""
        return f"enforcement.m{self.pk}.t{self.renewals}"

    @property
    def is_preservation(self) -> bool:
        return self.basis != self.Basis.ENFORCEMENT


class MeasureRenewal(models.Model):
    """One term of a measure: seq 0 the first, 1… each renewal (续行)."""

    measure = models.ForeignKey(Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="terms")
    seq = models.PositiveSmallIntegerField(_("term number"))
    applied_on = models.DateField(_("applied for on"), null=True, blank=True)
    renewed_on = models.DateField(_("renewed on"), null=True, blank=True)
    starts_on = models.DateField(_("term runs from"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    nominal_expires_on = models.DateField(_("term ends (before roll-over)"))
    expires_on = models.DateField(_("expires on"))
    renewal_due_on = models.DateField(_("apply to renew by"))
    stated_expiry = models.BooleanField(_("expiry stated by the court"), default=False)
    applied_late = models.BooleanField(_("applied after the latest safe day"), default=False)
    ruling_no = models.CharField(_("ruling number"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("term of a measure")
        verbose_name_plural = _("terms of measures")
        ordering = ["measure", "seq"]
        constraints = [models.UniqueConstraint(fields=["measure", "seq"], name="enf_measure_term_seq_unique")]

    def __str__(self) -> str:
        return f"{self.measure_id}/{self.seq}: {self.expires_on}"


class PreservationGuarantee(models.Model):
    """The insurer's letter of guarantee for a preservation application; its premium is a cost on the case."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="preservation_guarantees"
    )
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    insurer = models.CharField(_("insurer"), max_length=200)
    letter_no = models.CharField(_("letter of guarantee number"), max_length=100)
    issued_on = models.DateField(_("issued on"))
    currency = CurrencyField()
    guaranteed_amount = MoneyField(_("amount guaranteed"), currency_field="currency")
    cost = models.OneToOneField(
        "cases.CostEntry", verbose_name=_("premium"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("preservation guarantee")
        verbose_name_plural = _("preservation guarantees")
        ordering = ["case", "issued_on", "pk"]

    def __str__(self) -> str:
        return self.letter_no
