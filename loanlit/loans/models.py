"""Loan contracts, their schedules and balance snapshots, and the security behind them.

Amounts are MoneyFields (integer fen in the database) in the loan's currency; rates are RateFields in
percent per year. ``unit_path`` copies the originating unit's materialised path so scope is one
indexed prefix query (DESIGN rule 2).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField, RateField
from loanlit.core.models import VersionedModel

ZERO = Decimal("0.00")


class LoanContract(VersionedModel):
    class Product(models.TextChoices):
        CONSUMER = "consumer", _("Consumer loan")
        CREDIT_CARD = "credit_card", _("Credit card")
        BUSINESS = "business", _("Business loan")
        MORTGAGE = "mortgage", _("Mortgage loan")
        AUTO = "auto", _("Auto loan")
        MICRO = "micro", _("Micro-loan")
        LEASING = "leasing", _("Financial leasing")

    class DayCountBasis(models.TextChoices):
        ACTUAL_360 = "actual/360", _("Actual/360")
        ACTUAL_365 = "actual/365", _("Actual/365")
        THIRTY_360 = "30/360", _("30/360")

    class RepaymentMethod(models.TextChoices):
        EQUAL_INSTALMENT = "equal_instalment", _("Equal instalments (principal and interest)")
        EQUAL_PRINCIPAL = "equal_principal", _("Equal principal")
        INTEREST_ONLY = "interest_only", _("Interest only, principal at maturity")
        BULLET = "bullet", _("Principal and interest at maturity")
        REVOLVING = "revolving", _("Revolving credit")
        OTHER = "other", _("Other")

    class RiskClass(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SPECIAL_MENTION = "special_mention", _("Special mention")
        SUBSTANDARD = "substandard", _("Substandard")
        DOUBTFUL = "doubtful", _("Doubtful")
        LOSS = "loss", _("Loss")

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="loans"
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("originating unit"), on_delete=models.PROTECT, related_name="loans"
    )
    unit_path = models.CharField(_("unit path"), max_length=255, db_index=True, editable=False)
    contract_no = models.CharField(_("contract number"), max_length=64)
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    currency = CurrencyField()
    principal = MoneyField(_("principal"), currency_field="currency")
    annual_rate = RateField(_("annual interest rate (%)"))
    penalty_rate = RateField(_("penalty interest rate (%)"), null=True, blank=True)
    compound_rate = RateField(_("compound interest rate (%)"), null=True, blank=True)
    day_count_basis = models.CharField(
        _("day-count basis"), max_length=10, choices=DayCountBasis.choices, default=DayCountBasis.ACTUAL_360
    )
    start_date = models.DateField(_("start date"))
    maturity_date = models.DateField(_("maturity date"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    repayment_method = models.CharField(
        _("repayment method"), max_length=20, choices=RepaymentMethod.choices, default=RepaymentMethod.OTHER
    )
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)
    days_past_due_as_of = models.DateField(_("days past due as of"), null=True, blank=True)
    risk_class = models.CharField(_("risk class"), max_length=20, choices=RiskClass.choices, default=RiskClass.NORMAL)
    accelerated_on = models.DateField(_("accelerated on"), null=True, blank=True)
    written_off = models.BooleanField(_("written off"), default=False)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    external_ref = models.CharField(_("source-system reference"), max_length=100, blank=True, db_index=True)
    # Field → the value (as text) the last import wrote. A field whose current value differs was edited
    # by a user since, and a later import shows it as a conflict instead of overwriting it (issue 6).
    import_baseline = models.JSONField(_("values from the last import"), default=dict, blank=True)
    parties = models.ManyToManyField(  # type: ignore[var-annotated]  # string references to another app
        "parties.Party", through="LoanParty", verbose_name=_("parties"), related_name="loans"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("loan contract")
        verbose_name_plural = _("loan contracts")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["creditor", "contract_no"], name="loans_loan_unique_contract_no"),
        ]
        indexes = [models.Index(fields=["creditor", "unit_path"], name="loans_loan_cred_unit")]

    def __str__(self) -> str:
        return self.contract_no

    @property
    def due_date(self) -> date | None:
        """When the whole debt fell due: the acceleration date if earlier than maturity (Civil Code art. 692)."""
        if self.accelerated_on and (self.maturity_date is None or self.accelerated_on < self.maturity_date):
            return self.accelerated_on
        return self.maturity_date


class LoanParty(models.Model):
    class Role(models.TextChoices):
        BORROWER = "borrower", _("Borrower")
        CO_BORROWER = "co_borrower", _("Co-borrower")

    loan = models.ForeignKey(
        LoanContract, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="loan_parties"
    )
    party = models.ForeignKey(
        "parties.Party", verbose_name=_("party"), on_delete=models.PROTECT, related_name="loan_links"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("loan party")
        verbose_name_plural = _("loan parties")
        ordering = ["loan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "party", "role"], name="loans_loanparty_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} / {self.party} ({self.get_role_display()})"

    @property
    def audit_repr(self) -> str:
        return f"{self.loan} / #{self.party_id} ({self.get_role_display()})"


class RepaymentInstalment(models.Model):
    loan = models.ForeignKey(LoanContract, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="instalments")
    seq = models.PositiveSmallIntegerField(_("instalment number"))
    due_date = models.DateField(_("due date"))
    currency = CurrencyField()
    principal = MoneyField(_("principal due"), currency_field="currency")
    interest = MoneyField(_("interest due"), currency_field="currency")
    paid_principal = MoneyField(_("principal paid"), currency_field="currency", default=ZERO)
    paid_interest = MoneyField(_("interest paid"), currency_field="currency", default=ZERO)

    class Meta:
        verbose_name = _("repayment instalment")
        verbose_name_plural = _("repayment instalments")
        ordering = ["loan", "seq"]
        constraints = [models.UniqueConstraint(fields=["loan", "seq"], name="loans_instalment_unique_seq")]

    def __str__(self) -> str:
        return f"{self.loan} #{self.seq}"


class LoanBalanceSnapshot(models.Model):
    """The loan's balance as a source system (or a computation) stated it on one day."""

    class Source(models.TextChoices):
        CORE_BANKING = "core_banking", _("Core banking")
        IMPORT = "import", _("Import")
        MANUAL = "manual", _("Manual entry")
        COMPUTED = "computed", _("Computed")

    loan = models.ForeignKey(
        LoanContract, verbose_name=_("loan"), on_delete=models.CASCADE, related_name="balance_snapshots"
    )
    as_of = models.DateField(_("as of"))
    currency = CurrencyField()
    principal = MoneyField(_("outstanding principal"), currency_field="currency", default=ZERO)
    interest_on_balance = MoneyField(_("on-balance-sheet interest"), currency_field="currency", default=ZERO)
    interest_off_balance = MoneyField(_("off-balance-sheet interest"), currency_field="currency", default=ZERO)
    penalty = MoneyField(_("penalty interest"), currency_field="currency", default=ZERO)
    compound = MoneyField(_("compound interest"), currency_field="currency", default=ZERO)
    fees = MoneyField(_("fees"), currency_field="currency", default=ZERO)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.IMPORT)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("balance snapshot")
        verbose_name_plural = _("balance snapshots")
        ordering = ["loan", "-as_of", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "as_of", "source"], name="loans_snapshot_unique_day_source"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} @ {self.as_of}"

    @property
    def interest(self) -> Decimal:
        return self.interest_on_balance + self.interest_off_balance

    @property
    def total(self) -> Decimal:
        return (
            self.principal
            + self.interest_on_balance
            + self.interest_off_balance
            + self.penalty
            + self.compound
            + self.fees
        )


class GuaranteeContract(VersionedModel):
    """A suretyship (保证合同). An unclear type is a general guarantee (Civil Code art. 686 para 2)."""

    class GuaranteeType(models.TextChoices):
        GENERAL = "general", _("General guarantee")
        JOINT = "joint", _("Joint and several guarantee")

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="guarantee_contracts"
    )
    contract_no = models.CharField(_("contract number"), max_length=64)
    guarantor = models.ForeignKey(
        "parties.Party", verbose_name=_("guarantor"), on_delete=models.PROTECT, related_name="guarantees_given"
    )
    guarantee_type = models.CharField(
        _("guarantee type"), max_length=10, choices=GuaranteeType.choices, default=GuaranteeType.GENERAL
    )
    is_maximum = models.BooleanField(_("maximum-amount guarantee"), default=False)
    currency = CurrencyField()
    cap_amount = MoneyField(_("maximum amount"), currency_field="currency", null=True, blank=True)
    period_agreed_end = models.DateField(_("agreed end of guarantee period"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    loans = models.ManyToManyField(
        LoanContract, verbose_name=_("loans"), related_name="guarantee_contracts", blank=True
    )

    class Meta:
        verbose_name = _("guarantee contract")
        verbose_name_plural = _("guarantee contracts")
        ordering = ["contract_no", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "contract_no", "guarantor"], name="loans_guarantee_unique_contract_no"
            ),
        ]

    def __str__(self) -> str:
        return self.contract_no


class SecurityContract(VersionedModel):
    """A mortgage or pledge contract (抵押 / 质押合同); one collateral may secure several loans."""

    class Kind(models.TextChoices):
        MORTGAGE = "mortgage", _("Mortgage")
        PLEDGE = "pledge", _("Pledge")

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="security_contracts"
    )
    contract_no = models.CharField(_("contract number"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    provider = models.ForeignKey(
        "parties.Party", verbose_name=_("security provider"), on_delete=models.PROTECT, related_name="security_given"
    )
    is_maximum = models.BooleanField(_("maximum-amount security"), default=False)
    currency = CurrencyField()
    cap_amount = MoneyField(_("maximum amount"), currency_field="currency", null=True, blank=True)
    registration_no = models.CharField(_("registration number"), max_length=100, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    loans = models.ManyToManyField(LoanContract, verbose_name=_("loans"), related_name="security_contracts", blank=True)

    class Meta:
        verbose_name = _("security contract")
        verbose_name_plural = _("security contracts")
        ordering = ["contract_no", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "contract_no", "provider"], name="loans_security_unique_contract_no"
            ),
        ]

    def __str__(self) -> str:
        return self.contract_no


class Collateral(VersionedModel):
    class Kind(models.TextChoices):
        REAL_ESTATE = "real_estate", _("Real estate")
        VEHICLE = "vehicle", _("Vehicle")
        EQUIPMENT = "equipment", _("Equipment")
        EQUITY = "equity", _("Equity")
        DEPOSIT = "deposit", _("Deposit")
        RECEIVABLE = "receivable", _("Receivable")
        OTHER = "other", _("Other")

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="collateral"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=500)
    registration_no = models.CharField(_("registration number"), max_length=100, blank=True)
    owner = models.ForeignKey(
        "parties.Party",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collateral_owned",
    )
    currency = CurrencyField()
    appraised_value = MoneyField(_("appraised value"), currency_field="currency", null=True, blank=True)
    appraised_on = models.DateField(_("appraised on"), null=True, blank=True)
    security_contracts = models.ManyToManyField(
        SecurityContract, verbose_name=_("security contracts"), related_name="collateral", blank=True
    )

    class Meta:
        verbose_name = _("collateral")
        verbose_name_plural = _("collateral")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return self.description
