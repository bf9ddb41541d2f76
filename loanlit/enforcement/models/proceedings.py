"""What happens in an enforcement proceeding beyond what cases keeps: the application, the court's asset
searches, 失信 and 限高 per debtor, auctions, participation in distribution, settlements and 终本."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import CurrencyField, MoneyField
from loanlit.core.models import VersionedModel

__all__ = [
    "AssetSearch",
    "Auction",
    "AuctionStep",
    "DebtorRestriction",
    "DistributionClaim",
    "EnforcementRecord",
    "EnforcementSettlement",
    "SettlementInstalment",
    "Termination",
]


class EnforcementRecord(VersionedModel):
    """The enforcement side of one enforcement proceeding (执 / 执恢): the application and the title."""

    class AllocationOrder(models.TextChoices):
        STATUTORY = "statutory", _("Judgment debt first, then the interest for delayed performance")
        DELAYED_INTEREST_FIRST = (
            "delayed_interest_first",
            _("Interest for delayed performance first (as the judgment or an agreement says)"),
        )

    proceeding = models.OneToOneField(
        "cases.Proceeding", verbose_name=_("proceeding"), on_delete=models.CASCADE, related_name="enforcement_record"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="enforcement_records"
    )
    judgment = models.ForeignKey(
        "cases.Judgment",
        verbose_name=_("title enforced"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_on = models.DateField(_("applied on"))
    application_deadline = models.DateField(_("period to apply ends"), null=True, blank=True)
    application_late = models.BooleanField(_("applied after the period"), default=False)
    allocation_order = models.CharField(
        _("order of payment"), max_length=30, choices=AllocationOrder.choices, default=AllocationOrder.STATUTORY
    )
    explanation = models.JSONField(_("explanation"), default=list, blank=True)

    class Meta:
        verbose_name = _("enforcement record")
        verbose_name_plural = _("enforcement records")
        ordering = ["case", "applied_on", "pk"]

    def __str__(self) -> str:
        return f"{self.proceeding_id}: {self.applied_on}"


class AssetSearch(models.Model):
    """A search for the debtors' assets (网络查控, the debtor's report, one's own) and what it found."""

    class Channel(models.TextChoices):
        COURT_ONLINE = "court_online", _("Court's online search")
        COURT_OTHER = "court_other", _("Court's search on site")
        DEBTOR_REPORT = "debtor_report", _("Debtor's asset report")
        OWN = "own", _("Own investigation")

    class Result(models.TextChoices):
        NOTHING = "nothing", _("Nothing found")
        FOUND = "found", _("Assets found")
        INSUFFICIENT = "insufficient", _("Assets found, not enough to pay")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="asset_searches"
    )
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    searched_on = models.DateField(_("searched on"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("asset search")
        verbose_name_plural = _("asset searches")
        ordering = ["case", "searched_on", "pk"]

    def __str__(self) -> str:
        return f"{self.searched_on} {self.get_result_display()}"


class DebtorRestriction(VersionedModel):
    """失信 (the list of dishonest judgment debtors) or 限高 (ban on high consumption) for one debtor."""

    class Kind(models.TextChoices):
        DISHONEST_LIST = "dishonest_list", _("List of dishonest judgment debtors")
        CONSUMPTION_BAN = "consumption_ban", _("Ban on high consumption")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="debtor_restrictions"
    )
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    party = models.ForeignKey("parties.Party", verbose_name=_("debtor"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("restriction"), max_length=20, choices=Kind.choices)
    applied_on = models.DateField(_("applied for on"))
    granted_on = models.DateField(_("imposed on"), null=True, blank=True)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("restriction on a debtor")
        verbose_name_plural = _("restrictions on debtors")
        ordering = ["case", "applied_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.applied_on}"

    @property
    def state(self) -> str:
        if self.removed_on:
            return "removed"
        return "granted" if self.granted_on else "applied"


class Auction(models.Model):
    """The judicial sale of one asset: appraisal, auction rounds, sale, settlement in kind (AuctionStep rows)."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="auctions")
    asset = models.ForeignKey(
        "enforcement.Asset", verbose_name=_("asset"), on_delete=models.CASCADE, related_name="auctions"
    )
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    online = models.BooleanField(_("online judicial auction"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["case", "pk"]

    def __str__(self) -> str:
        return f"{self.asset_id}"


class AuctionStep(models.Model):
    class Step(models.TextChoices):
        APPRAISAL = "appraisal", _("Appraisal")
        FIRST_AUCTION = "first_auction", _("First auction")
        SECOND_AUCTION = "second_auction", _("Second auction")
        SALE = "sale", _("Sale")
        SETTLEMENT_IN_KIND = "settlement_in_kind", _("Settlement in kind")

    class Result(models.TextChoices):
        DONE = "done", _("Done")
        SOLD = "sold", _("Sold")
        FAILED = "failed", _("No buyer")
        WITHDRAWN = "withdrawn", _("Withdrawn or suspended")

    auction = models.ForeignKey(Auction, verbose_name=_("auction"), on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveSmallIntegerField(_("step number"))
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    held_on = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    currency = CurrencyField()
    # The appraised value, the reserve (or starting) price of a round, or the value of a settlement in kind.
    value = MoneyField(_("value or reserve price"), currency_field="currency", null=True, blank=True)
    price = MoneyField(_("price achieved"), currency_field="currency", null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recovery = models.ForeignKey(
        "cases.Recovery", verbose_name=_("recovery"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("auction step")
        verbose_name_plural = _("auction steps")
        ordering = ["auction", "seq"]
        constraints = [models.UniqueConstraint(fields=["auction", "seq"], name="enf_auction_step_seq_unique")]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.held_on}"


class DistributionClaim(VersionedModel):
    """Participation in distribution (参与分配) of money another enforcement holds, and what it paid."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ADMITTED = "admitted", _("In the distribution plan")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="distribution_claims"
    )
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    court = models.ForeignKey(
        "cases.Court",
        verbose_name=_("distributing court"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    distributing_case_number = models.CharField(_("distributing case number"), max_length=64, blank=True)
    applied_on = models.DateField(_("applied on"))
    currency = CurrencyField()
    claimed = MoneyField(_("amount claimed"), currency_field="currency")
    secured = models.BooleanField(_("secured claim (priority)"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    plan_on = models.DateField(_("distribution plan dated"), null=True, blank=True)
    allotted = MoneyField(_("amount allotted"), currency_field="currency", null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("participation in distribution")
        verbose_name_plural = _("participations in distribution")
        ordering = ["case", "applied_on", "pk"]

    def __str__(self) -> str:
        return f"{self.applied_on} {self.get_status_display()}"


class EnforcementSettlement(VersionedModel):
    """A settlement reached in enforcement (执行和解) and its instalment plan; a breach resumes the title."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Being performed")
        PERFORMED = "performed", _("Performed")
        BREACHED = "breached", _("Breached")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="enforcement_settlements"
    )
    proceeding = models.ForeignKey(
        "cases.Proceeding", verbose_name=_("proceeding"), on_delete=models.PROTECT, related_name="+"
    )
    agreed_on = models.DateField(_("agreed on"))
    currency = CurrencyField()
    total = MoneyField(_("amount agreed"), currency_field="currency")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    breached_on = models.DateField(_("breached on"), null=True, blank=True)
    resume_by = models.DateField(_("apply to resume by"), null=True, blank=True)
    resumed_proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("resumed in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("settlement in enforcement")
        verbose_name_plural = _("settlements in enforcement")
        ordering = ["case", "agreed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.agreed_on} {self.total}"


class SettlementInstalment(models.Model):
    settlement = models.ForeignKey(
        EnforcementSettlement, verbose_name=_("settlement"), on_delete=models.CASCADE, related_name="instalments"
    )
    seq = models.PositiveSmallIntegerField(_("instalment"))
    due_on = models.DateField(_("due on"))
    currency = CurrencyField()
    amount = MoneyField(_("amount"), currency_field="currency")
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    recovery = models.ForeignKey(
        "cases.Recovery", verbose_name=_("recovery"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["settlement", "seq"]
        constraints = [models.UniqueConstraint(fields=["settlement", "seq"], name="enf_instalment_seq_unique")]

    def __str__(self) -> str:
        return f"{self.seq}: {self.due_on} {self.amount}"


class Termination(VersionedModel):
    """终本: enforcement terminated for now. The debt survives; the case sits in the pool and is reviewed
    every ``review_months`` until enforcement resumes with a new lead (恢复执行)."""

    class Status(models.TextChoices):
        IN_POOL = "in_pool", _("In the pool")
        RESUMED = "resumed", _("Enforcement resumed")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="terminations"
    )
    proceeding = models.OneToOneField(
        "cases.Proceeding", verbose_name=_("proceeding"), on_delete=models.CASCADE, related_name="termination"
    )
    terminated_on = models.DateField(_("terminated on"))
    ruling_no = models.CharField(_("ruling number"), max_length=100)
    asset_search = models.ForeignKey(
        AssetSearch, verbose_name=_("supporting asset search"), on_delete=models.PROTECT, related_name="+"
    )
    review_months = models.PositiveSmallIntegerField(_("review every (months)"), default=6)
    next_review_on = models.DateField(_("next review"))
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IN_POOL)
    resumed_proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("resumed in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_path = models.CharField(_("unit path"), max_length=255, editable=False)
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("termination for now")
        verbose_name_plural = _("terminations for now")
        ordering = ["next_review_on", "pk"]
        indexes = [
            models.Index(fields=["next_review_on"], name="enf_termination_due_idx", condition=Q(status="in_pool")),
            models.Index(fields=["creditor", "unit_path"], name="enf_termination_scope_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.terminated_on} {self.ruling_no}"
