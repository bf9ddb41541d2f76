"""Statistics tables (issue 11): one fact row per case, summaries per leaf unit, saved reports.

* ``CaseFact`` — everything the statistics need about one case, denormalised from the case, its loans,
  proceedings, judgment, money ledger and enforcement. Derived data only (a cache, rebuilt at will by
  ``services.facts``): the procedural position is copied here for grouping, it stays derived on the case.
* ``SummaryRow`` — the facts of one cell (creditor, leaf unit path, filing month) summed per dimension
  key (``definitions.DIMENSIONS``; dimension ``all`` with key ``""`` is the cell's total). A user scoped
  by unit sums the rows whose ``unit_path`` starts with theirs: the roll-up by unit path.
* ``UnitSummaryRow`` — the same sums without the filing month (per creditor × leaf unit × currency ×
  dimension key): the breakdowns of a dashboard without a filing-month filter read these.
* ``CycleDays`` — how many cases of a (creditor, leaf unit) took N days to a milestone: medians are
  exact from these counts.
* ``LoanDefaultMonth`` — loans that fell overdue per (creditor, unit, province, month): the regional
  overdue signal.
* ``SummaryState`` — when the summaries were last refreshed ("as of") and the case-event watermark of
  the incremental refresh.
* ``SavedReport`` — a report-builder definition, shared with roles, optionally e-mailed on a schedule.

Money columns are ``MoneyField`` (integer fen). A summary row holds the cases of one claim currency, so
amounts are never added across currencies: the statistics show one currency's amounts at a time (CNY by
default) and count every case, whatever its currency (``foreign_cases``: those in another currency).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField
from loanlit.core.models import VersionedModel


class OutcomeClass(models.TextChoices):
    """The trial outcome of a case (definitions shown on the dashboard: ``definitions.OUTCOME_DEFINITIONS``)."""

    WON = "won", _("Won")
    PARTLY_WON = "partly_won", _("Partly won")
    LOST = "lost", _("Lost")
    RECOVERED_WITHDRAWN = "recovered_withdrawn", _("Withdrawn after full payment")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    PENDING = "pending", _("No trial outcome yet")


class CaseFact(models.Model):
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, primary_key=True, related_name="fact"
    )
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("handling unit"), on_delete=models.CASCADE, related_name="+"
    )
    unit_path = models.CharField(_("unit path"), max_length=255)
    # Dimensions.
    court = models.ForeignKey(
        "cases.Court", verbose_name=_("court"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    court_province = models.CharField(_("court's province"), max_length=2, blank=True)
    borrower_province = models.CharField(_("borrower's registered province"), max_length=2, blank=True)
    product = models.CharField(_("product"), max_length=20, blank=True)
    cause_of_action = models.CharField(_("cause of action"), max_length=100, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    law_firm = models.ForeignKey(
        "cases.LawFirm", verbose_name=_("law firm"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=40)
    position = models.CharField(_("procedural position"), max_length=40)
    outcome_class = models.CharField(_("outcome class"), max_length=20, choices=OutcomeClass.choices)
    opened_on = models.DateField(_("opened on"))
    cohort_month = models.DateField(_("filing month"))
    is_open = models.BooleanField(_("open"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    judged_on = models.DateField(_("judged on"), null=True, blank=True)
    first_recovery_on = models.DateField(_("first recovery on"), null=True, blank=True)
    # Flags.
    entered_enforcement = models.BooleanField(_("entered enforcement"), default=False)
    terminated_for_now = models.BooleanField(_("enforcement terminated for now (ever)"), default=False)
    written_off = models.BooleanField(_("written off"), default=False)
    # Money, in ``currency`` (the case's claim currency).
    currency = CurrencyField()
    claim = MoneyField(_("claim total"), currency_field="currency", default=0)
    claim_principal = MoneyField(_("claimed principal"), currency_field="currency", default=0)
    adjudicated = MoneyField(_("adjudicated"), currency_field="currency", default=0)
    recovered = MoneyField(_("recovered"), currency_field="currency", default=0)
    recovered_after_write_off = MoneyField(_("recovered after write-off"), currency_field="currency", default=0)
    recovered_cash = MoneyField(_("recovered in cash"), currency_field="currency", default=0)
    recovered_in_kind = MoneyField(_("settled in kind"), currency_field="currency", default=0)
    recovered_transfer = MoneyField(_("received for a debt transfer"), currency_field="currency", default=0)
    recovered_restructuring = MoneyField(_("recovered under a settlement plan"), currency_field="currency", default=0)
    written_off_amount = MoneyField(_("amount written off"), currency_field="currency", default=0)
    costs = MoneyField(_("costs"), currency_field="currency", default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("case statistics row")
        verbose_name_plural = _("case statistics rows")
        indexes = [
            models.Index(
                fields=["creditor", "unit_path"],
                name="reports_fact_scope_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["creditor", "unit_path", "cohort_month"], name="reports_fact_cell_idx"),
        ]

    def __str__(self) -> str:
        return str(self.case_id)


class SummaryMeasures(models.Model):
    """What every summary row has: its leaf unit, dimension key and claim currency, and the measure sums
    (the ``definitions.Measures`` fields) of its cases, in that currency."""

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.CASCADE, related_name="+"
    )
    unit_path = models.CharField(_("unit path"), max_length=255)
    dimension = models.CharField(_("dimension"), max_length=20)
    key = models.CharField(_("key"), max_length=100, blank=True)
    currency = CurrencyField(verbose_name=_("currency"))
    # Counts (one per case).
    cases = models.PositiveIntegerField(_("cases"), default=0)
    open_cases = models.PositiveIntegerField(_("open cases"), default=0)
    closed_cases = models.PositiveIntegerField(_("closed cases"), default=0)
    foreign_cases = models.PositiveIntegerField(_("cases in another currency"), default=0)
    adjudicated_cases = models.PositiveIntegerField(_("cases with an adjudicated amount"), default=0)
    recovered_cases = models.PositiveIntegerField(_("cases with a recovery"), default=0)
    enforcement_cases = models.PositiveIntegerField(_("cases that entered enforcement"), default=0)
    terminated_cases = models.PositiveIntegerField(_("cases terminated for now"), default=0)
    written_off_cases = models.PositiveIntegerField(_("written-off cases"), default=0)
    won = models.PositiveIntegerField(_("won"), default=0)
    partly_won = models.PositiveIntegerField(_("partly won"), default=0)
    lost = models.PositiveIntegerField(_("lost"), default=0)
    recovered_withdrawn = models.PositiveIntegerField(_("withdrawn after full payment"), default=0)
    withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)
    pending = models.PositiveIntegerField(_("no trial outcome yet"), default=0)
    # Money sums, in the row's currency.
    claim = MoneyField(_("claim total"), default=0)
    claim_principal = MoneyField(_("claimed principal"), default=0)
    adjudicated = MoneyField(_("adjudicated"), default=0)
    recovered = MoneyField(_("recovered"), default=0)
    recovered_adjudicated = MoneyField(_("recovered on adjudicated cases"), default=0)
    recovered_after_write_off = MoneyField(_("recovered after write-off"), default=0)
    recovered_cash = MoneyField(_("recovered in cash"), default=0)
    recovered_in_kind = MoneyField(_("settled in kind"), default=0)
    recovered_transfer = MoneyField(_("received for debt transfers"), default=0)
    recovered_restructuring = MoneyField(_("recovered under settlement plans"), default=0)
    written_off_amount = MoneyField(_("amount written off"), default=0)
    costs = MoneyField(_("costs"), default=0)
    # Cycle times: sums of days and the number of cases that reached the milestone.
    judgment_days = models.BigIntegerField(_("days to judgment (sum)"), default=0)
    judgment_n = models.PositiveIntegerField(_("cases judged"), default=0)
    recovery_days = models.BigIntegerField(_("days to first recovery (sum)"), default=0)
    recovery_n = models.PositiveIntegerField(_("cases with a first recovery"), default=0)
    close_days = models.BigIntegerField(_("days to close (sum)"), default=0)
    close_n = models.PositiveIntegerField(_("cases closed"), default=0)

    class Meta:
        abstract = True


class SummaryRow(SummaryMeasures):
    """One cell's cases (creditor × leaf unit × filing month × claim currency) summed per dimension key."""

    cohort_month = models.DateField(_("filing month"))

    class Meta:
        verbose_name = _("summary row")
        verbose_name_plural = _("summary rows")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "unit_path", "cohort_month", "dimension", "key", "currency"],
                name="reports_summary_unique",
            )
        ]
        # varchar_pattern_ops: PostgreSQL uses the index for the unit-path prefix (LIKE 'path%') whatever the
        # database collation; other databases ignore opclasses.
        indexes = [
            models.Index(
                fields=["dimension", "creditor", "unit_path"],
                name="reports_summary_dim_idx",
                opclasses=["varchar_ops", "int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.cohort_month} {self.dimension}={self.key}"


class UnitSummaryRow(SummaryMeasures):
    """SummaryRow without the filing month: one leaf unit's cases (per claim currency) summed per dimension
    key. Answers every breakdown without a filing-month filter with a few dozen times fewer rows."""

    class Meta:
        verbose_name = _("unit summary row")
        verbose_name_plural = _("unit summary rows")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "unit_path", "dimension", "key", "currency"], name="reports_unit_summary_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["dimension", "creditor", "unit_path"],
                name="reports_unit_summary_dim_idx",
                opclasses=["varchar_ops", "int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.dimension}={self.key}"


class CycleDays(models.Model):
    class Milestone(models.TextChoices):
        JUDGMENT = "judgment", _("Judgment")
        RECOVERY = "recovery", _("First recovery")
        CLOSE = "close", _("Closed")

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.CASCADE, related_name="+"
    )
    unit_path = models.CharField(_("unit path"), max_length=255)
    milestone = models.CharField(_("milestone"), max_length=10, choices=Milestone.choices)
    days = models.PositiveIntegerField(_("days"))
    cases = models.PositiveIntegerField(_("cases"))

    class Meta:
        verbose_name = _("cycle-time count")
        verbose_name_plural = _("cycle-time counts")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "unit_path", "milestone", "days"], name="reports_cycle_unique")
        ]
        indexes = [
            models.Index(
                fields=["milestone", "creditor", "unit_path"],
                name="reports_cycle_idx",
                opclasses=["varchar_ops", "int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.milestone} {self.days}: {self.cases}"


class LoanDefaultMonth(models.Model):
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.CASCADE, related_name="+"
    )
    unit_path = models.CharField(_("unit path"), max_length=255)
    province = models.CharField(_("province"), max_length=2, blank=True)
    month = models.DateField(_("month"))
    loans = models.PositiveIntegerField(_("loans that fell overdue"))

    class Meta:
        verbose_name = _("loans overdue per month")
        verbose_name_plural = _("loans overdue per month")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "unit_path", "province", "month"], name="reports_default_month_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["creditor", "unit_path"],
                name="reports_default_scope_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_path} {self.province} {self.month}: {self.loans}"


class SummaryState(models.Model):
    name = models.CharField(_("name"), max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    rebuilt_at = models.DateTimeField(_("last full rebuild"), null=True, blank=True)
    last_event_id = models.BigIntegerField(_("last case event seen"), default=0)

    class Meta:
        verbose_name = _("summary state")
        verbose_name_plural = _("summary states")

    def __str__(self) -> str:
        return self.name


class SavedReport(VersionedModel):
    class Schedule(models.TextChoices):
        NONE = "", _("Not e-mailed")
        WEEKLY = "weekly", _("Every Monday")
        MONTHLY = "monthly", _("On the first of each month")

    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_reports"
    )
    # {"dimensions": ["court", ...] (1 or 2), "measures": ["cases", "recovery_rate", ...], "filters": {...}}
    definition = models.JSONField(_("definition"), default=dict)
    shared_with_roles = models.ManyToManyField(
        "accounts.Role", verbose_name=_("shared with roles"), blank=True, related_name="+"
    )
    schedule = models.CharField(_("e-mail schedule"), max_length=10, choices=Schedule.choices, blank=True, default="")
    subscribers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("e-mailed to"), blank=True, related_name="report_subscriptions"
    )
    last_sent_on = models.DateField(_("last e-mailed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
