"""Reads of the enforcement app, scoped to the user through the cases' access rules (DESIGN rule 2).

Per-case reads take a case the caller already holds from ``case_get_for_user``; cross-case lists filter by
``access.cases_visible_to(user)`` so out-of-scope rows never appear, in lists, counts or the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from loanlit.cases import access
from loanlit.cases.models import Case, CaseLoan, Proceeding, Recovery
from loanlit.enforcement import ledger
from loanlit.enforcement.models import (
    Asset,
    AssetSearch,
    Auction,
    AuctionStep,
    DebtorRestriction,
    DebtTransfer,
    DebtTransferItem,
    DistributionClaim,
    EnforcementRecord,
    EnforcementSettlement,
    EvidenceItem,
    FollowUp,
    Measure,
    MeasureRenewal,
    PreservationGuarantee,
    SettlementInstalment,
    Termination,
    WriteOff,
)
from loanlit.law import enforcement as law
from loanlit.law.enforcement_debt import DebtPosition

ENFORCEMENT_KINDS: Final = (Proceeding.Kind.ENFORCEMENT, Proceeding.Kind.RESUMED_ENFORCEMENT)
SHOWN_KINDS: Final = (*ENFORCEMENT_KINDS, Proceeding.Kind.ENFORCEMENT_OBJECTION, Proceeding.Kind.PRESERVATION)
EXPIRING_DAYS: Final = 60
LIST_LIMIT: Final = 500
# Six months are at least 181 days: a filing more recent than this cannot be over the limit yet.
LIMIT_PREFILTER_DAYS: Final = 180


def _visible_case_ids(user: Any) -> QuerySet[Case, Any]:
    return access.cases_visible_to(user).values("pk")


# --- one case ------------------------------------------------------------------------------------------------


@dataclass
class MeasureRow:
    measure: Measure
    days_to_renewal: int
    expired: bool
    urgent: bool


@dataclass
class CaseEnforcement:
    case: Case
    today: date
    records: list[EnforcementRecord]
    proceedings: list[Proceeding]
    assets: list[Asset]
    measures: list[MeasureRow]
    guarantees: list[PreservationGuarantee]
    searches: list[AssetSearch]
    restrictions: list[DebtorRestriction]
    auctions: list[Auction]
    distributions: list[DistributionClaim]
    payments: list[Recovery]
    settlements: list[EnforcementSettlement]
    terminations: list[Termination]
    follow_ups: list[FollowUp]
    write_offs: list[WriteOff]
    transfer: DebtTransferItem | None
    position: DebtPosition | None
    split: ledger.RecoverySplit
    loans: list[CaseLoan] = field(default_factory=list)

    @property
    def active_enforcement(self) -> Proceeding | None:
        active = [p for p in self.proceedings if p.kind in ENFORCEMENT_KINDS and p.is_active and not p.result]
        return active[-1] if active else None

    @property
    def in_pool(self) -> Termination | None:
        return next((t for t in self.terminations if t.status == Termination.Status.IN_POOL), None)


def measure_row(measure: Measure, today: date) -> MeasureRow:
    days = (measure.renewal_due_on - today).days
    return MeasureRow(
        measure=measure,
        days_to_renewal=days,
        expired=measure.status == Measure.Status.ACTIVE and measure.expires_on < today,
        urgent=measure.status == Measure.Status.ACTIVE and days <= 30,
    )


def case_enforcement(*, user: Any, case: Case, today: date) -> CaseEnforcement:
    """Everything the enforcement page of one (already scoped) case shows."""
    if not access.can_view(user, case):
        raise Http404
    measures = (
        Measure.objects.filter(case=case)
        .select_related("asset", "court", "proceeding", "enforcement_proceeding")
        .prefetch_related(Prefetch("terms", queryset=MeasureRenewal.objects.order_by("seq")))
        .order_by("status", "renewal_due_on", "pk")
    )
    return CaseEnforcement(
        case=case,
        today=today,
        records=list(EnforcementRecord.objects.filter(case=case).select_related("proceeding", "judgment")),
        proceedings=list(
            Proceeding.objects.filter(case=case, kind__in=SHOWN_KINDS).select_related("court").order_by("pk")
        ),
        assets=list(Asset.objects.filter(case=case).select_related("owner").order_by("found_on", "pk")),
        measures=[measure_row(m, today) for m in measures],
        guarantees=list(PreservationGuarantee.objects.filter(case=case).select_related("cost")),
        searches=list(AssetSearch.objects.filter(case=case).order_by("-searched_on", "-pk")),
        restrictions=list(
            DebtorRestriction.objects.filter(case=case).select_related("party").order_by("party", "kind")
        ),
        auctions=list(
            Auction.objects.filter(case=case)
            .select_related("asset")
            .prefetch_related(Prefetch("steps", queryset=AuctionStep.objects.order_by("seq")))
        ),
        distributions=list(DistributionClaim.objects.filter(case=case).select_related("court")),
        payments=list(
            Recovery.objects.filter(case=case, phase=Recovery.Phase.ENFORCEMENT).order_by("received_on", "pk")
        ),
        settlements=list(
            EnforcementSettlement.objects.filter(case=case).prefetch_related(
                Prefetch("instalments", queryset=SettlementInstalment.objects.order_by("seq"))
            )
        ),
        terminations=list(Termination.objects.filter(case=case).select_related("asset_search", "proceeding")),
        follow_ups=list(
            FollowUp.objects.filter(case=case).select_related("assigned_to", "termination").order_by("-due_on", "-pk")
        ),
        write_offs=list(
            WriteOff.objects.filter(case=case)
            .select_related("loan")
            .prefetch_related(Prefetch("evidence", queryset=EvidenceItem.objects.order_by("pk")))
        ),
        transfer=DebtTransferItem.objects.filter(case=case).select_related("transfer").first(),
        position=ledger.position(case, today),
        split=ledger.recovery_split(case),
        loans=list(CaseLoan.objects.filter(case=case).select_related("loan").order_by("pk")),
    )


def asset_for_case(*, case: Case, pk: int) -> Asset:
    found = Asset.objects.filter(case=case, pk=pk).select_related("owner").first()
    if found is None:
        raise Http404
    return found


def _one(model: Any, case: Case, pk: int) -> Any:
    """The row ``pk`` of ``model`` in ``case``; another case's row is a 404 like a missing one."""
    found = model.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404
    return found


def measure_for_case(*, case: Case, pk: int) -> Measure:
    return _one(Measure, case, pk)


def record_for_case(*, case: Case, pk: int) -> EnforcementRecord:
    return _one(EnforcementRecord, case, pk)


def restriction_for_case(*, case: Case, pk: int) -> DebtorRestriction:
    return _one(DebtorRestriction, case, pk)


def distribution_for_case(*, case: Case, pk: int) -> DistributionClaim:
    return _one(DistributionClaim, case, pk)


def settlement_for_case(*, case: Case, pk: int) -> EnforcementSettlement:
    return _one(EnforcementSettlement, case, pk)


def follow_up_for_case(*, case: Case, pk: int) -> FollowUp:
    return _one(FollowUp, case, pk)


def termination_for_case(*, case: Case, pk: int) -> Termination:
    return _one(Termination, case, pk)


def instalment_for_settlement(*, settlement: EnforcementSettlement, pk: int) -> SettlementInstalment:
    found = SettlementInstalment.objects.filter(settlement=settlement, pk=pk).first()
    if found is None:
        raise Http404
    return found


def evidence_for_case(*, case: Case, write_off_pk: int, pk: int) -> EvidenceItem:
    found = (
        EvidenceItem.objects.filter(write_off__case=case, write_off_id=write_off_pk, pk=pk)
        .select_related("write_off")
        .first()
    )
    if found is None:
        raise Http404
    return found


def enforcement_proceeding_for_case(*, case: Case, pk: int) -> Proceeding:
    found = Proceeding.objects.filter(case=case, pk=pk, kind__in=ENFORCEMENT_KINDS).first()
    if found is None:
        raise Http404
    return found


# --- cross-case lists -------------------------------------------------------------------------------------------


def expiring_measures_for_user(*, user: Any, today: date, within_days: int = EXPIRING_DAYS) -> list[MeasureRow]:
    """Measures in force whose latest safe renewal day is within ``within_days`` (or has passed)."""
    horizon = today + timedelta(days=within_days)
    rows = (
        Measure.objects.filter(status=Measure.Status.ACTIVE, renewal_due_on__lte=horizon)
        .filter(case__in=_visible_case_ids(user))
        .select_related("case", "case__handler", "asset", "court")
        .order_by("renewal_due_on", "pk")[:LIST_LIMIT]
    )
    return [measure_row(m, today) for m in rows]


def termination_pool_for_user(*, user: Any, today: date, due_only: bool = False) -> list[Termination]:
    qs = Termination.objects.filter(status=Termination.Status.IN_POOL, case__in=_visible_case_ids(user))
    if due_only:
        qs = qs.filter(next_review_on__lte=today)
    return list(qs.select_related("case", "case__handler", "proceeding").order_by("next_review_on", "pk")[:LIST_LIMIT])


@dataclass
class OverLimitRow:
    proceeding: Proceeding
    began: date
    limit: date
    days_over: int


def over_limit_for_user(*, user: Any, today: date) -> list[OverLimitRow]:
    """Enforcement still running past its 6-month limit (SPC Time-Limit Provisions (2000) art. 5)."""
    from loanlit.rules.selectors import law_calendar

    cutoff = today - timedelta(days=LIMIT_PREFILTER_DAYS)
    candidates = (
        Proceeding.objects.filter(kind__in=ENFORCEMENT_KINDS, is_active=True, result="")
        .filter(Q(accepted_on__lte=cutoff) | Q(accepted_on__isnull=True, filed_on__lte=cutoff))
        .filter(case__in=_visible_case_ids(user))
        .select_related("case", "case__handler", "court")
        .order_by("filed_on", "pk")[:LIST_LIMIT]
    )
    calendar = law_calendar()
    rows = []
    for proceeding in candidates:
        began = proceeding.accepted_on or proceeding.filed_on
        assert began is not None
        limit = law.enforcement_limit(began, calendar=calendar).deadline
        if today > limit:
            rows.append(OverLimitRow(proceeding, began, limit, (today - limit).days))
    return rows


def follow_ups_for_user(*, user: Any, mine_only: bool = True) -> list[FollowUp]:
    qs = FollowUp.objects.filter(status=FollowUp.Status.OPEN, case__in=_visible_case_ids(user))
    if mine_only:
        qs = qs.filter(assigned_to=user)
    return list(qs.select_related("case", "assigned_to").order_by("due_on", "pk")[:LIST_LIMIT])


def transfers_for_user(*, user: Any) -> QuerySet[DebtTransfer]:
    """Transfers with at least one case the user sees."""
    visible = DebtTransferItem.objects.filter(case__in=_visible_case_ids(user)).values("transfer_id")
    return DebtTransfer.objects.filter(pk__in=visible).order_by("-base_date", "-pk")


def transfer_get_for_user(*, user: Any, pk: int) -> tuple[DebtTransfer, list[DebtTransferItem]]:
    transfer = transfers_for_user(user=user).filter(pk=pk).first()
    if transfer is None:
        raise Http404
    items = list(
        DebtTransferItem.objects.filter(transfer=transfer, case__in=_visible_case_ids(user))
        .select_related("case", "case__handler")
        .order_by("pk")
    )
    return transfer, items


@dataclass(frozen=True)
class DashboardCounts:
    expiring: int
    reviews_due: int
    follow_ups: int


def dashboard_counts(*, user: Any, today: date) -> DashboardCounts:
    visible = _visible_case_ids(user)
    horizon = today + timedelta(days=30)
    return DashboardCounts(
        expiring=Measure.objects.filter(
            status=Measure.Status.ACTIVE, renewal_due_on__lte=horizon, case__in=visible
        ).count(),
        reviews_due=Termination.objects.filter(
            status=Termination.Status.IN_POOL, next_review_on__lte=today, case__in=visible
        ).count(),
        follow_ups=FollowUp.objects.filter(status=FollowUp.Status.OPEN, assigned_to=user, case__in=visible).count(),
    )


@dataclass(frozen=True)
class PanelSummary:
    assets: int
    measures_in_force: int
    next_renewal: Measure | None
    restrictions: int
    auctions: int
    received: Any
    in_pool: Termination | None
    position: DebtPosition | None


def panel_summary(*, user: Any, case: Case, today: date) -> PanelSummary:
    if not access.can_view(user, case):
        raise Http404
    active = Measure.objects.filter(case=case, status=Measure.Status.ACTIVE)
    from loanlit.core.fields import money_sum

    return PanelSummary(
        assets=Asset.objects.filter(case=case).count(),
        measures_in_force=active.count(),
        next_renewal=active.order_by("renewal_due_on", "pk").first(),
        restrictions=DebtorRestriction.objects.filter(
            case=case, granted_on__isnull=False, removed_on__isnull=True
        ).count(),
        auctions=Auction.objects.filter(case=case).count(),
        received=money_sum(Recovery.objects.filter(case=case, phase=Recovery.Phase.ENFORCEMENT), "amount"),
        in_pool=Termination.objects.filter(case=case, status=Termination.Status.IN_POOL).first(),
        position=ledger.position(case, today),
    )
