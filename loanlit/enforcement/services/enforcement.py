"""The enforcement proceeding: application, searches, 失信 / 限高, auctions, distribution, money received,
settlements and objections. Proceedings themselves are written by the cases services (one home)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.cases import ledger as case_ledger
from loanlit.cases import services as cases
from loanlit.cases.models import Case, CaseStage, Court, Judgment, Proceeding, ProceedingParty, Recovery
from loanlit.core.errors import DomainError
from loanlit.enforcement import ledger
from loanlit.enforcement.models import (
    Asset,
    AssetSearch,
    Auction,
    AuctionStep,
    DebtorRestriction,
    DistributionClaim,
    EnforcementRecord,
    EnforcementSettlement,
    SettlementInstalment,
    WriteOff,
)
from loanlit.enforcement.services._common import (
    apply_changes,
    bump,
    check_proceeding,
    clean_text,
    law_calendar,
    law_error,
    lock_versioned,
    money_str,
    not_in_future,
    optional_amount,
    record,
    require_amount,
    require_case_write,
)
from loanlit.law import enforcement as law
from loanlit.law.enforcement_debt import allocate_payment
from loanlit.law.money import LawInputError
from loanlit.loans.models import LoanParty
from loanlit.parties.models import Party

ENFORCEMENT_KINDS: Final = frozenset({Proceeding.Kind.ENFORCEMENT, Proceeding.Kind.RESUMED_ENFORCEMENT})
DEBTOR_ROLES: Final = frozenset(
    {
        ProceedingParty.Role.DEFENDANT,
        ProceedingParty.Role.GUARANTOR_DEFENDANT,
        ProceedingParty.Role.RESPONDENT,
        ProceedingParty.Role.APPELLANT,
        ProceedingParty.Role.APPELLEE,
        ProceedingParty.Role.PERSON_SUBJECT_TO_ENFORCEMENT,
    }
)
APPLICANT_ROLES: Final = frozenset(
    {ProceedingParty.Role.PLAINTIFF, ProceedingParty.Role.APPLICANT, ProceedingParty.Role.ENFORCEMENT_APPLICANT}
)
PAYMENT_SOURCES: Final = frozenset(
    {
        Recovery.Source.COURT_ENFORCEMENT,
        Recovery.Source.AUCTION,
        Recovery.Source.SETTLEMENT_IN_KIND,
        Recovery.Source.BORROWER_PAYMENT,
        Recovery.Source.GUARANTOR,
    }
)


# --- helpers ----------------------------------------------------------------------------------------------------------


def move_stage(*, actor: Any, case: Case, target: str) -> bool:
    """Move the bank's internal stage along a seeded transition when there is one; False when not moved."""
    fresh = Case.objects.get(pk=case.pk)
    if fresh.stage_id == target or target not in cases.allowed_stage_codes(fresh.stage_id):
        return False
    cases.case_change_stage(actor=actor, case=fresh, to_stage=target, version=fresh.version)
    return True


def active_enforcement(case: Case) -> Proceeding | None:
    return (
        Proceeding.objects.filter(case=case, kind__in=ENFORCEMENT_KINDS, is_active=True, result="")
        .order_by("-pk")
        .first()
    )


def case_debtors(case: Case) -> list[Party]:
    """The parties who may be restricted: debtors in the case's proceedings, borrowers and guarantors."""
    in_court = ProceedingParty.objects.filter(proceeding__case=case, role__in=DEBTOR_ROLES, party__isnull=False)
    ids = set(in_court.values_list("party_id", flat=True))
    ids |= set(LoanParty.objects.filter(loan__case_links__case=case).values_list("party_id", flat=True))
    return list(Party.objects.filter(pk__in=ids, creditor_id=case.creditor_id).order_by("name_normalized", "pk"))


def _copy_participants(*, actor: Any, source: Proceeding, target: Proceeding) -> None:
    """Applicants become the applicant for enforcement, the debtors persons subject to enforcement."""
    seen: set[tuple[str, int | None, int | None]] = set()
    for row in ProceedingParty.objects.filter(proceeding=source).order_by("pk"):
        if row.role in APPLICANT_ROLES:
            role = ProceedingParty.Role.ENFORCEMENT_APPLICANT
        elif row.role in DEBTOR_ROLES:
            role = ProceedingParty.Role.PERSON_SUBJECT_TO_ENFORCEMENT
        else:
            continue
        key = (role, row.party_id, row.unit_id)
        if key in seen:
            continue
        seen.add(key)
        cases.proceeding_party_add(actor=actor, proceeding=target, role=role, party=row.party, unit=row.unit)


def _open_enforcement(
    *,
    actor: Any,
    case: Case,
    kind: str,
    court: Court,
    applied_on: date,
    follows: Proceeding,
    court_case_number: str,
    accepted_on: date | None,
) -> Proceeding:
    if court is None:
        raise DomainError(_("Choose the court."), code="court_required")
    proceeding = cases.proceeding_open(
        actor=actor,
        case=case,
        kind=kind,
        court=court,
        court_case_number=court_case_number,
        filed_on=applied_on,
        accepted_on=accepted_on,
        follows=follows,
    )
    _copy_participants(actor=actor, source=follows, target=proceeding)
    return proceeding


# --- application ------------------------------------------------------------------------------------------------------


@transaction.atomic
def enforcement_apply(
    *,
    actor: Any,
    case: Case,
    court: Court,
    applied_on: date,
    court_case_number: str = "",
    accepted_on: date | None = None,
    allocation_order: str = EnforcementRecord.AllocationOrder.STATUTORY,
    judgment: Judgment | None = None,
) -> EnforcementRecord:
    """Apply for enforcement of the effective judgment: the 2-year period is checked (a late application is
    flagged, not refused: CPL Interpretation art. 481), the proceeding opened after the judgment's, the
    parties carried over, preservation measures turned into enforcement measures, the stage moved."""
    case = require_case_write(actor, case)
    judgment = judgment or case_ledger.latest_judgment(case)
    if judgment is None or judgment.proceeding.case_id != case.pk:
        raise DomainError(_("Record the judgment before applying for enforcement."), code="no_judgment")
    if judgment.effective_on is None:
        raise DomainError(
            _("The judgment is not effective yet: record its service on every party first."), code="not_effective"
        )
    not_in_future(applied_on, _("The application date"))
    if applied_on < judgment.effective_on:
        raise DomainError(
            _("Enforcement cannot be applied for before the judgment took effect on %(date)s.")
            % {"date": judgment.effective_on.isoformat()},
            code="before_effective",
        )
    if allocation_order not in EnforcementRecord.AllocationOrder.values:
        raise DomainError(_("Choose the order of payment."), code="invalid_order")
    if active_enforcement(case) is not None:
        raise DomainError(_("This case already has an enforcement under way."), code="enforcement_exists")
    try:
        check = law.application_check(
            applied_on, performance_ends=judgment.performance_ends or judgment.effective_on, calendar=law_calendar()
        )
    except LawInputError as error:
        raise law_error(error) from None
    proceeding = _open_enforcement(
        actor=actor,
        case=case,
        kind=Proceeding.Kind.ENFORCEMENT,
        court=court,
        applied_on=applied_on,
        follows=judgment.proceeding,
        court_case_number=court_case_number,
        accepted_on=accepted_on,
    )
    row = EnforcementRecord.objects.create(
        proceeding=proceeding,
        case=case,
        judgment=judgment,
        applied_on=applied_on,
        application_deadline=check.deadline.deadline,
        application_late=check.late,
        allocation_order=allocation_order,
        explanation=[msg.as_json() for msg in check.explanation],
    )
    moved = move_stage(actor=actor, case=case, target=CaseStage.ENFORCEMENT)
    record(
        actor=actor,
        case_id=case.pk,
        action="enforcement.applied",
        target=row,
        changes={
            "proceeding": proceeding.pk,
            "judgment": judgment.pk,
            "applied_on": applied_on,
            "application_deadline": check.deadline.deadline,
            "application_late": check.late,
            "allocation_order": allocation_order,
            "stage_moved": moved,
        },
    )
    return row


@transaction.atomic
def enforcement_record_update(
    *, actor: Any, enforcement_record: EnforcementRecord, version: int, allocation_order: str
) -> EnforcementRecord:
    """Change the order in which recoveries pay the judgment debt and the delayed-performance interest."""
    require_case_write(actor, enforcement_record.case)
    row = lock_versioned(EnforcementRecord, enforcement_record.pk, version)
    if allocation_order not in EnforcementRecord.AllocationOrder.values:
        raise DomainError(_("Choose the order of payment."), code="invalid_order")
    if row.allocation_order == allocation_order:
        return row
    before = row.allocation_order
    row.allocation_order = allocation_order
    bump(row, "allocation_order")
    record(
        actor=actor,
        case_id=row.case_id,
        action="enforcement.order_changed",
        target=row,
        changes={"allocation_order": [before, allocation_order]},
    )
    return row


# --- searches and restrictions ----------------------------------------------------------------------------------------


@transaction.atomic
def asset_search_record(
    *,
    actor: Any,
    case: Case,
    searched_on: date,
    channel: str,
    result: str,
    note: str = "",
    proceeding: Proceeding | None = None,
) -> AssetSearch:
    """What a search for the debtors' assets found (the court's online search, the debtor's report …)."""
    case = require_case_write(actor, case)
    if channel not in AssetSearch.Channel.values:
        raise DomainError(_("Choose how the search was made."), code="invalid_channel")
    if result not in AssetSearch.Result.values:
        raise DomainError(_("Choose what the search found."), code="invalid_result")
    check_proceeding(case, proceeding)
    row = AssetSearch.objects.create(
        case=case,
        proceeding=proceeding,
        searched_on=not_in_future(searched_on, _("The search date")),
        channel=channel,
        result=result,
        note=clean_text(note, 500),
        recorded_by=actor,
    )
    record(
        actor=actor,
        case_id=case.pk,
        action="asset_search.recorded",
        target=row,
        changes={"searched_on": searched_on, "channel": channel, "result": result, "proceeding": row.proceeding_id},
    )
    return row


def _restriction_dates(applied_on: date, granted_on: date | None, removed_on: date | None) -> None:
    for day, label in ((granted_on, _("The date imposed")), (removed_on, _("The date removed"))):
        if day is not None:
            not_in_future(day, label)
    if granted_on is not None and granted_on < applied_on:
        raise DomainError(_("A restriction cannot be imposed before it was applied for."), code="invalid_dates")
    if removed_on is not None and removed_on < (granted_on or applied_on):
        raise DomainError(_("A restriction cannot be removed before it was imposed."), code="invalid_dates")


@transaction.atomic
def restriction_apply(
    *,
    actor: Any,
    case: Case,
    party: Party,
    kind: str,
    applied_on: date,
    granted_on: date | None = None,
    proceeding: Proceeding | None = None,
    note: str = "",
) -> DebtorRestriction:
    """Apply for 失信 (the dishonest-debtor list) or 限高 (the high-consumption ban) against one debtor."""
    case = require_case_write(actor, case)
    if kind not in DebtorRestriction.Kind.values:
        raise DomainError(_("Choose the restriction."), code="invalid_kind")
    if party.pk not in {p.pk for p in case_debtors(case)}:
        raise DomainError(_("Choose a debtor of this case."), code="party_not_debtor")
    check_proceeding(case, proceeding)
    not_in_future(applied_on, _("The application date"))
    _restriction_dates(applied_on, granted_on, None)
    if DebtorRestriction.objects.filter(case=case, party=party, kind=kind, removed_on__isnull=True).exists():
        raise DomainError(_("This debtor already has this restriction on this case."), code="duplicate")
    row = DebtorRestriction.objects.create(
        case=case,
        proceeding=proceeding,
        party=party,
        kind=kind,
        applied_on=applied_on,
        granted_on=granted_on,
        note=clean_text(note, 300),
    )
    record(
        actor=actor,
        case_id=case.pk,
        action="restriction.applied",
        target=row,
        changes={"party": party.pk, "kind": kind, "applied_on": applied_on, "granted_on": granted_on},
    )
    return row


@transaction.atomic
def restriction_update(
    *,
    actor: Any,
    restriction: DebtorRestriction,
    version: int,
    granted_on: date | None,
    removed_on: date | None,
    note: str = "",
) -> DebtorRestriction:
    """Record that the court imposed or removed the restriction."""
    require_case_write(actor, restriction.case)
    row = lock_versioned(DebtorRestriction, restriction.pk, version)
    _restriction_dates(row.applied_on, granted_on, removed_on)
    wanted = {"granted_on": granted_on, "removed_on": removed_on, "note": clean_text(note, 300)}
    changes = apply_changes(row, wanted)
    if not changes:
        return row
    bump(row, *changes)
    record(actor=actor, case_id=row.case_id, action="restriction.updated", target=row, changes=changes)
    return row


# --- money received ---------------------------------------------------------------------------------------------------


def _record_enforcement_recovery(
    *,
    actor: Any,
    case: Case,
    received_on: date,
    amount: Decimal,
    source: str,
    note: str,
    proceeding: Proceeding | None,
) -> Recovery:
    """One recovery after judgment through the cases ledger, allocated by law.enforcement_debt."""
    if source not in PAYMENT_SOURCES:
        raise DomainError(_("Unknown source of the recovery."), code="invalid_source")
    debt = ledger.judgment_debt(case)
    if debt is None:
        raise DomainError(_("There is no judgment to enforce on this case."), code="no_judgment")
    value = require_amount(amount)
    not_in_future(received_on, _("The date received"))
    order = ledger.allocation_order(case)
    try:
        applied = allocate_payment(debt, ledger.prior_payments(case), amount=value, paid_on=received_on, order=order)
    except LawInputError as error:
        raise law_error(error) from None
    written_off = WriteOff.objects.filter(case=case, written_off_on__lte=received_on).exists()
    return cases.recovery_record(
        actor=actor,
        case=case,
        received_on=received_on,
        amount=value,
        source=source,
        value_note=note,
        after_write_off=written_off,
        proceeding=proceeding,
        balances=applied.before.balances(),
        order=order,
    )


@transaction.atomic
def court_payment_record(
    *,
    actor: Any,
    case: Case,
    received_on: date,
    amount: Decimal,
    source: str = Recovery.Source.COURT_ENFORCEMENT,
    proceeding: Proceeding | None = None,
    note: str = "",
) -> Recovery:
    """Money the court paid over (执行款): a recovery in the case's one ledger, the judgment debt paid first,
    then the delayed-performance interest accrued to that day (or the order the judgment states)."""
    case = require_case_write(actor, case)
    check_proceeding(case, proceeding)
    return _record_enforcement_recovery(
        actor=actor,
        case=case,
        received_on=received_on,
        amount=amount,
        source=source,
        note=clean_text(note, 300),
        proceeding=proceeding,
    )


# --- auctions ---------------------------------------------------------------------------------------------------------

RESULTS: Final[dict[str, frozenset[str]]] = {
    AuctionStep.Step.APPRAISAL: frozenset({AuctionStep.Result.DONE}),
    AuctionStep.Step.SETTLEMENT_IN_KIND: frozenset({AuctionStep.Result.DONE}),
    AuctionStep.Step.FIRST_AUCTION: frozenset(
        {AuctionStep.Result.SOLD, AuctionStep.Result.FAILED, AuctionStep.Result.WITHDRAWN}
    ),
    AuctionStep.Step.SECOND_AUCTION: frozenset(
        {AuctionStep.Result.SOLD, AuctionStep.Result.FAILED, AuctionStep.Result.WITHDRAWN}
    ),
    AuctionStep.Step.SALE: frozenset(
        {AuctionStep.Result.SOLD, AuctionStep.Result.FAILED, AuctionStep.Result.WITHDRAWN}
    ),
}


@transaction.atomic
def auction_step_record(
    *,
    actor: Any,
    case: Case,
    asset: Asset,
    step: str,
    held_on: date,
    result: str,
    value: Decimal | None = None,
    price: Decimal | None = None,
    online: bool = True,
    note: str = "",
    proceeding: Proceeding | None = None,
) -> AuctionStep:
    """One step of the judicial sale of an asset, in the order the Auction Provisions allow. A settlement in
    kind (以物抵债) is a recovery at the value the ruling set, on the ruling's date."""
    case = require_case_write(actor, case)
    if asset.case_id != case.pk:
        raise DomainError(_("The asset belongs to another case."), code="asset_other_case")
    check_proceeding(case, proceeding)
    if step not in AuctionStep.Step.values:
        raise DomainError(_("Choose the step."), code="invalid_step")
    if result not in RESULTS[step]:
        raise DomainError(_("This result does not fit the step."), code="invalid_result")
    not_in_future(held_on, _("The date of the step"))
    amount = optional_amount(value)
    if amount is None or amount <= 0:
        raise DomainError(_("Enter the value, reserve or starting price."), code="value_required")
    sold_for = optional_amount(price)
    if result == AuctionStep.Result.SOLD and (sold_for is None or sold_for <= 0):
        raise DomainError(_("Enter the price the asset sold for."), code="price_required")
    if result != AuctionStep.Result.SOLD:
        sold_for = None
    auction = Auction.objects.select_for_update().filter(case=case, asset=asset).order_by("-pk").first()
    history: list[tuple[str, str]] = []
    steps: list[AuctionStep] = []
    if auction is not None:
        steps = list(auction.steps.order_by("seq"))
        history = [(s.step, s.result) for s in steps]
        if not law.allowed_next_steps(history):
            auction = None  # that sale is over; a new one starts (e.g. an asset taken back)
            history, steps = [], []
    held = [s for s in steps if s.result != AuctionStep.Result.WITHDRAWN]
    previous = next(
        (s.value for s in reversed(held) if s.step == AuctionStep.Step.FIRST_AUCTION and s.value is not None), None
    )
    if steps and held_on < steps[-1].held_on:
        raise DomainError(_("A step cannot be dated before the previous one."), code="invalid_dates")
    try:
        law.check_auction_step(history, step, reserve=amount, previous_reserve=previous)
    except LawInputError as error:
        raise law_error(error) from None
    if auction is None:
        auction = Auction.objects.create(case=case, asset=asset, proceeding=proceeding, online=online)
    row = AuctionStep.objects.create(
        auction=auction,
        seq=len(steps) + 1,
        step=step,
        held_on=held_on,
        result=result,
        currency=case.claim_currency,
        value=amount,
        price=sold_for,
        note=clean_text(note, 300),
        recorded_by=actor,
    )
    record(
        actor=actor,
        case_id=case.pk,
        action="auction.step_recorded",
        target=row,
        changes={
            "asset": asset.pk,
            "step": step,
            "held_on": held_on,
            "result": result,
            "value": money_str(amount),
            "price": money_str(sold_for),
        },
    )
    if step == AuctionStep.Step.SETTLEMENT_IN_KIND:
        row.recovery = _record_enforcement_recovery(
            actor=actor,
            case=case,
            received_on=held_on,
            amount=amount,
            source=Recovery.Source.SETTLEMENT_IN_KIND,
            note=_("Settlement in kind: %(asset)s") % {"asset": asset.description},
            proceeding=proceeding,
        )
        row.save(update_fields=["recovery"])
    if step == AuctionStep.Step.SETTLEMENT_IN_KIND or result == AuctionStep.Result.SOLD:
        locked = Asset.objects.select_for_update().get(pk=asset.pk)
        if locked.status != Asset.Status.DISPOSED:
            locked.status = Asset.Status.DISPOSED
            bump(locked, "status")
    return row


# --- participation in distribution ------------------------------------------------------------------------------------


@transaction.atomic
def distribution_claim_add(
    *,
    actor: Any,
    case: Case,
    applied_on: date,
    claimed: Decimal,
    court: Court | None = None,
    distributing_case_number: str = "",
    secured: bool = False,
    proceeding: Proceeding | None = None,
    note: str = "",
) -> DistributionClaim:
    """Apply to share in money another enforcement holds (参与分配, CPL Interpretation arts. 506–510)."""
    case = require_case_write(actor, case)
    check_proceeding(case, proceeding)
    number = ""
    if distributing_case_number.strip():
        number = cases.parse_court_case_number(distributing_case_number, kind=Proceeding.Kind.ENFORCEMENT, court=court)
    row = DistributionClaim.objects.create(
        case=case,
        proceeding=proceeding,
        court=court,
        distributing_case_number=number,
        applied_on=not_in_future(applied_on, _("The application date")),
        currency=case.claim_currency,
        claimed=require_amount(claimed),
        secured=bool(secured),
        note=clean_text(note, 300),
    )
    record(
        actor=actor,
        case_id=case.pk,
        action="distribution.applied",
        target=row,
        changes={
            "applied_on": applied_on,
            "claimed": money_str(row.claimed),
            "court": court.pk if court else None,
            "distributing_case_number": number,
            "secured": row.secured,
        },
    )
    return row


@transaction.atomic
def distribution_claim_update(
    *,
    actor: Any,
    claim: DistributionClaim,
    version: int,
    status: str,
    plan_on: date | None,
    allotted: Decimal | None,
    note: str = "",
) -> DistributionClaim:
    """The distribution plan admitted, rejected or paid the claim (money paid over is a court payment)."""
    require_case_write(actor, claim.case)
    row = lock_versioned(DistributionClaim, claim.pk, version)
    if status not in DistributionClaim.Status.values:
        raise DomainError(_("Choose the status."), code="invalid_status")
    amount = optional_amount(allotted)
    if amount is not None and amount > row.claimed:
        raise DomainError(_("The amount allotted cannot exceed the amount claimed."), code="allotted_too_large")
    if plan_on is not None:
        not_in_future(plan_on, _("The date of the plan"))
        if plan_on < row.applied_on:
            raise DomainError(_("The plan cannot precede the application."), code="invalid_dates")
    wanted: dict[str, Any] = {"status": status, "plan_on": plan_on, "allotted": amount, "note": clean_text(note, 300)}
    changes = apply_changes(row, wanted, money=("allotted",))
    if not changes:
        return row
    bump(row, *changes)
    record(actor=actor, case_id=row.case_id, action="distribution.updated", target=row, changes=changes)
    return row


# --- settlement in enforcement ----------------------------------------------------------------------------------------


@transaction.atomic
def settlement_record(
    *,
    actor: Any,
    case: Case,
    proceeding: Proceeding,
    agreed_on: date,
    instalments: Sequence[tuple[date, Decimal]],
    note: str = "",
) -> EnforcementSettlement:
    """A settlement reached in enforcement (执行和解) with its instalment plan."""
    case = require_case_write(actor, case)
    check_proceeding(case, proceeding, kinds=ENFORCEMENT_KINDS)
    not_in_future(agreed_on, _("The date of the settlement"))
    if not instalments:
        raise DomainError(_("Enter at least one instalment."), code="no_instalments")
    plan: list[tuple[date, Decimal]] = []
    previous = agreed_on
    for due_on, amount in instalments:
        if due_on < previous:
            raise DomainError(
                _("Instalments must fall on or after the settlement date, in order."), code="invalid_dates"
            )
        previous = due_on
        plan.append((due_on, require_amount(amount)))
    if EnforcementSettlement.objects.filter(proceeding=proceeding, status=EnforcementSettlement.Status.ACTIVE).exists():
        raise DomainError(_("This enforcement already has a settlement being performed."), code="duplicate")
    row = EnforcementSettlement.objects.create(
        case=case,
        proceeding=proceeding,
        agreed_on=agreed_on,
        currency=case.claim_currency,
        total=sum((amount for _due, amount in plan), Decimal("0.00")),
        note=clean_text(note, 300),
    )
    SettlementInstalment.objects.bulk_create(
        SettlementInstalment(settlement=row, seq=seq, due_on=due_on, currency=case.claim_currency, amount=amount)
        for seq, (due_on, amount) in enumerate(plan, start=1)
    )
    record(
        actor=actor,
        case_id=case.pk,
        action="settlement.recorded",
        target=row,
        changes={
            "proceeding": proceeding.pk,
            "agreed_on": agreed_on,
            "total": money_str(row.total),
            "instalments": [[due_on, money_str(amount)] for due_on, amount in plan],
        },
    )
    return row


@transaction.atomic
def settlement_instalment_pay(
    *, actor: Any, instalment: SettlementInstalment, version: int, paid_on: date
) -> SettlementInstalment:
    """The debtor paid an instalment: a recovery in the ledger; the settlement is performed once all are paid.
    ``version`` is the settlement's."""
    settlement = instalment.settlement
    case = require_case_write(actor, settlement.case)
    settlement = lock_versioned(EnforcementSettlement, settlement.pk, version)
    if settlement.status != EnforcementSettlement.Status.ACTIVE:
        raise DomainError(_("This settlement is no longer being performed."), code="settlement_closed")
    row = SettlementInstalment.objects.select_for_update().get(pk=instalment.pk)
    if row.paid_on is not None:
        raise DomainError(_("This instalment is already paid."), code="already_paid")
    if paid_on < settlement.agreed_on:
        raise DomainError(_("A payment cannot precede the settlement."), code="invalid_dates")
    row.recovery = _record_enforcement_recovery(
        actor=actor,
        case=case,
        received_on=paid_on,
        amount=row.amount,
        source=Recovery.Source.BORROWER_PAYMENT,
        note=_("Instalment %(seq)d of the settlement in enforcement") % {"seq": row.seq},
        proceeding=settlement.proceeding,
    )
    row.paid_on = paid_on
    row.save(update_fields=["paid_on", "recovery"])
    fields = []
    if not SettlementInstalment.objects.filter(settlement=settlement, paid_on__isnull=True).exists():
        settlement.status = EnforcementSettlement.Status.PERFORMED
        fields.append("status")
    bump(settlement, *fields)
    record(
        actor=actor,
        case_id=case.pk,
        action="settlement.instalment_paid",
        target=settlement,
        changes={
            "instalment": row.seq,
            "paid_on": paid_on,
            "amount": money_str(row.amount),
            "status": settlement.status,
        },
    )
    return row


@transaction.atomic
def settlement_breach(
    *,
    actor: Any,
    settlement: EnforcementSettlement,
    version: int,
    breached_on: date,
    resume: bool = False,
    court: Court | None = None,
    applied_on: date | None = None,
    court_case_number: str = "",
) -> EnforcementSettlement:
    """The debtor broke the settlement: the creditor may apply to resume the original title within 2 years of
    the settlement's last performance day (Settlement Provisions art. 10); ``resume`` applies now."""
    case = require_case_write(actor, settlement.case)
    row = lock_versioned(EnforcementSettlement, settlement.pk, version)
    if row.status != EnforcementSettlement.Status.ACTIVE:
        raise DomainError(_("This settlement is no longer being performed."), code="settlement_closed")
    not_in_future(breached_on, _("The date of the breach"))
    if breached_on < row.agreed_on:
        raise DomainError(_("A settlement cannot be breached before it was agreed."), code="invalid_dates")
    last_day = row.instalments.order_by("-due_on").values_list("due_on", flat=True).first() or row.agreed_on
    try:
        resume_by = law.resumption_after_settlement_deadline(last_day, calendar=law_calendar()).deadline
    except LawInputError as error:
        raise law_error(error) from None
    row.status, row.breached_on, row.resume_by = EnforcementSettlement.Status.BREACHED, breached_on, resume_by
    fields = ["status", "breached_on", "resume_by"]
    if resume:
        if court is None or applied_on is None:
            raise DomainError(_("Choose the court and the date of the application to resume."), code="required")
        not_in_future(applied_on, _("The application date"))
        if applied_on < breached_on:
            raise DomainError(_("Enforcement cannot resume before the breach."), code="invalid_dates")
        proceeding = Proceeding.objects.get(pk=row.proceeding_id)
        resumed = _open_enforcement(
            actor=actor,
            case=case,
            kind=Proceeding.Kind.RESUMED_ENFORCEMENT,
            court=court,
            applied_on=applied_on,
            follows=proceeding,
            court_case_number=court_case_number,
            accepted_on=None,
        )
        EnforcementRecord.objects.create(
            proceeding=resumed,
            case=case,
            judgment=case_ledger.latest_judgment(case),
            applied_on=applied_on,
            application_deadline=resume_by,
            application_late=applied_on > resume_by,
            allocation_order=ledger_order_value(case),
        )
        row.resumed_proceeding = resumed
        fields.append("resumed_proceeding")
        move_stage(actor=actor, case=case, target=CaseStage.ENFORCEMENT)
    bump(row, *fields)
    record(
        actor=actor,
        case_id=case.pk,
        action="settlement.breached",
        target=row,
        changes={
            "breached_on": breached_on,
            "resume_by": resume_by,
            "resumed_proceeding": row.resumed_proceeding_id,
        },
    )
    return row


def ledger_order_value(case: Case) -> str:
    order = ledger.allocation_order(case)
    if order is None:
        return EnforcementRecord.AllocationOrder.STATUTORY
    return EnforcementRecord.AllocationOrder.DELAYED_INTEREST_FIRST


# --- objections and reviews -------------------------------------------------------------------------------------------


@transaction.atomic
def enforcement_objection_open(
    *,
    actor: Any,
    case: Case,
    court: Court,
    filed_on: date,
    court_case_number: str = "",
) -> Proceeding:
    """An objection to an act of enforcement or a review of the objection ruling (执行异议 / 复议, CPL art. 236)
    as a proceeding of the case; the enforcement it concerns stays active."""
    case = require_case_write(actor, case)
    if court is None:
        raise DomainError(_("Choose the court."), code="court_required")
    not_in_future(filed_on, _("The filing date"))
    if not Proceeding.objects.filter(case=case, kind__in=ENFORCEMENT_KINDS).exists():
        raise DomainError(_("There is no enforcement on this case to object to."), code="no_enforcement")
    return cases.proceeding_open(
        actor=actor,
        case=case,
        kind=Proceeding.Kind.ENFORCEMENT_OBJECTION,
        court=court,
        court_case_number=court_case_number,
        filed_on=filed_on,
    )
