"""The Case aggregate root, its per-unit number counter and its loans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField
from loanlit.core.models import VersionedModel


class CaseCounter(models.Model):
    """Last internal number issued per (unit, year). Bumped in the creating transaction; never goes back."""

    unit = models.ForeignKey("core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    last_seq = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="cases_counter_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last_seq}"


class Case(VersionedModel):
    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Outcome(models.TextChoices):
        NONE = "", _("Open")
        RECOVERED_IN_FULL = "recovered_in_full", _("Recovered in full")
        RECOVERED_IN_PART = "recovered_in_part", _("Recovered in part")
        SETTLED = "settled", _("Settled")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        LOST = "lost", _("Claim dismissed")
        WRITTEN_OFF = "written_off", _("Written off")
        TRANSFERRED = "transferred", _("Debt transferred")
        OTHER = "other", _("Other")

    internal_no = models.CharField(_("internal number"), max_length=64, unique=True)
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="cases"
    )
    handling_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="cases"
    )
    # A copy of handling_unit.path: scope is one indexed prefix query (DESIGN rule 2).
    unit_path = models.CharField(_("unit path"), max_length=255, db_index=True, editable=False)
    cause_of_action = models.CharField(_("cause of action"), max_length=100)
    cause_version = models.CharField(_("cause-of-action list version"), max_length=16, default="2020")
    claim_as_of = models.DateField(_("claim as of"), null=True, blank=True)
    claim_currency = CurrencyField(verbose_name=_("claim currency"))
    claim_principal = MoneyField(_("claimed principal"), currency_field="claim_currency", default=0)
    claim_interest = MoneyField(_("claimed interest"), currency_field="claim_currency", default=0)
    claim_penalty = MoneyField(_("claimed penalty interest"), currency_field="claim_currency", default=0)
    claim_compound = MoneyField(_("claimed compound interest"), currency_field="claim_currency", default=0)
    claim_fees = MoneyField(_("claimed fees"), currency_field="claim_currency", default=0)
    claim_total = MoneyField(_("claim total"), currency_field="claim_currency", default=0)
    # Always CNY: the Fee Measures charge in CNY, a foreign-currency claim converted on the filing date.
    claim_acceptance_fee = MoneyField(_("acceptance fee on the claim (CNY)"), null=True, blank=True)
    claim_breakdown = models.JSONField(_("claim breakdown"), default=dict, blank=True)
    claim_snapshot = models.ForeignKey(
        "loans.LoanBalanceSnapshot",
        verbose_name=_("balance snapshot used"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claim_overridden = models.BooleanField(_("claim entered by hand"), default=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    co_handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("co-handlers"), blank=True, related_name="co_handled_cases"
    )
    law_firm = models.ForeignKey(
        "cases.LawFirm",
        verbose_name=_("law firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_cases",
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    stage = models.ForeignKey(
        "cases.CaseStage", verbose_name=_("stage"), on_delete=models.PROTECT, related_name="cases"
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True, default="")
    opened_on = models.DateField(_("opened on"))
    is_closed = models.BooleanField(_("closed"), default=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    archived_on = models.DateField(_("archived on"), null=True, blank=True)
    # Retention (issue 10): a legal hold blocks anonymisation of an archived case's personal data.
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_reason = models.CharField(_("legal hold reason"), max_length=200, blank=True)
    anonymised_on = models.DateField(_("personal data anonymised on"), null=True, blank=True)
    loans = models.ManyToManyField(
        "loans.LoanContract", through="cases.CaseLoan", verbose_name=_("loans"), related_name="cases"
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_on", "-pk"]
        indexes = [
            models.Index(fields=["creditor", "unit_path"], name="cases_case_scope_idx"),
            models.Index(fields=["-opened_on", "-id"], name="cases_case_keyset_idx"),
            models.Index(fields=["stage", "opened_on"], name="cases_case_stage_idx"),
        ]

    def __str__(self) -> str:
        return self.internal_no

    def get_absolute_url(self) -> str:
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("cases:case_detail", args=[self.pk])
        except NoReverseMatch:
            return f"/cases/{self.pk}/"

    @property
    def procedural_position(self):  # type: ignore[no-untyped-def]  # -> positions.ProceduralPosition
        from loanlit.cases.positions import procedural_position

        return procedural_position(self)


class CaseLoan(models.Model):
    """A loan sued on in a case. ``active`` = linked and the case still open: one active link per loan."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="case_loans")
    loan = models.ForeignKey(
        "loans.LoanContract", verbose_name=_("loan"), on_delete=models.PROTECT, related_name="case_links"
    )
    linked_on = models.DateField(_("linked on"))
    unlinked_on = models.DateField(_("unlinked on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("case loan")
        verbose_name_plural = _("case loans")
        constraints = [
            # Backs the service's rule "a loan belongs to at most one open case" (MySQL ignores it).
            models.UniqueConstraint(fields=["loan"], condition=Q(active=True), name="cases_caseloan_one_open_case"),
        ]
        indexes = [models.Index(fields=["case", "active"], name="cases_caseloan_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.loan_id}"


class CaseShare(models.Model):
    """An explicit share of one case with a user or a user group, within the case's creditor (issue 10).

    Exactly one of ``user`` and ``group`` is set. A share gives sight of the case (and editing when
    ``can_edit`` and the user's role grants ``cases.edit``); it never crosses creditors.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="case_shares",
    )
    group = models.ForeignKey(
        "auth.Group", verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    can_edit = models.BooleanField(_("may edit"), default=False)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"))

    class Meta:
        verbose_name = _("case share")
        verbose_name_plural = _("case shares")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, group__isnull=True) | models.Q(user__isnull=True, group__isnull=False)
                ),
                name="case_share_user_xor_group",
            ),
            models.UniqueConstraint(fields=["case", "user"], name="case_share_case_user_unique"),
            models.UniqueConstraint(fields=["case", "group"], name="case_share_case_group_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.user_id or self.group_id}"
