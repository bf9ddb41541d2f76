"""Computing the claim (诉讼请求金额) of a case from its loans, and the acceptance fee on it.

How a loan becomes ``law.claims.LoanTerms`` (one statement per loan, summed line by line):

* Loan with a repayment schedule (``RepaymentInstalment`` rows): principal = the contract principal,
  value date = ``start_date``, instalments = (due_date, principal) per row, contract rate =
  ``annual_rate`` from the start date, penalty rate = ``penalty_rate`` when the contract sets one
  (else contract rate + 50 %, 银发〔2003〕251号), compound rate = ``compound_rate`` when set (else the
  penalty rate), basis = ``day_count_basis``, acceleration = ``accelerated_on``. What was paid on an
  instalment (``paid_principal + paid_interest``) is taken as paid on its due date — the schedule
  carries no payment dates — and is applied by art. 561 like any repayment.
* Loan without a schedule but with a balance snapshot on or before ``as_of`` (the latest one; core
  banking, import or manual): the snapshot's principal, interest (on + off balance), penalty,
  compound and fees are taken as they stand on its date, and only the accrual after it is computed:
  if the principal was already overdue on the snapshot date (past maturity or accelerated), penalty
  interest on the principal and compound interest on the unpaid interest, day by day to ``as_of``;
  otherwise ``loan_claim`` from the snapshot date with the principal falling due at maturity.
* Neither: a bullet loan from the contract (principal due at maturity) with no repayments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.cases import access
from loanlit.cases.models import Case, CaseEvent
from loanlit.cases.services._common import bump, law_error, lock_case, money_str, record_one, require_amount
from loanlit.core.errors import DomainError
from loanlit.law import allocation as alloc
from loanlit.law import claims as law_claims
from loanlit.law import fees as law_fees
from loanlit.law.interest import RateSegment, check_basis, day_count, exact_interest, penalty_rate
from loanlit.law.money import LawInputError, round_half_up
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract

ZERO = Decimal("0.00")
LINES = ("principal", "interest", "penalty", "compound", "fees")


@dataclass(frozen=True)
class ClaimOverride:
    """Amounts a handler enters by hand (e.g. the bank's statement); ``reason`` goes to the audit."""

    principal: Decimal
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    compound: Decimal = ZERO
    fees: Decimal = ZERO
    reason: str = ""


@dataclass(frozen=True)
class LoanClaim:
    loan_id: int
    contract_no: str
    method: str  # "schedule" | "snapshot" | "contract"
    snapshot_id: int | None
    amounts: dict[str, Decimal]

    def as_json(self) -> dict[str, Any]:
        return {
            "loan_id": self.loan_id,
            "contract_no": self.contract_no,
            "method": self.method,
            "snapshot_id": self.snapshot_id,
            "amounts": {k: money_str(v) for k, v in self.amounts.items()},
        }


@dataclass(frozen=True)
class ClaimResult:
    case: Case
    loans: tuple[LoanClaim, ...]
    amounts: dict[str, Decimal]  # principal, interest, penalty, compound, fees (as stored on the case)
    total: Decimal
    overridden: bool
    acceptance_fee: law_fees.FeeResult


def _rates(loan: LoanContract, start: date) -> tuple[Decimal, Decimal, Decimal]:
    contract = loan.annual_rate
    pen = loan.penalty_rate if loan.penalty_rate is not None else penalty_rate(contract)
    comp = loan.compound_rate if loan.compound_rate is not None else pen
    return contract, pen, comp


def _terms(loan: LoanContract, *, principal: Decimal, value_date: date, instalments: tuple) -> law_claims.LoanTerms:
    contract, pen, comp = _rates(loan, value_date)
    accel = loan.accelerated_on if loan.accelerated_on and loan.accelerated_on > value_date else None
    return law_claims.LoanTerms(
        principal=principal,
        value_date=value_date,
        contract_rates=(RateSegment(value_date, contract),),
        instalments=instalments,
        basis=check_basis(loan.day_count_basis),
        penalty_rates=(RateSegment(value_date, pen),),
        compound_rates=(RateSegment(value_date, comp),),
        acceleration_date=accel,
    )


def _line_amounts(statement: law_claims.ClaimStatement) -> dict[str, Decimal]:
    by_kind = {line.kind: line.amount for line in statement.lines}
    return {
        "principal": by_kind.get(alloc.PRINCIPAL, ZERO),
        "interest": by_kind.get(alloc.CONTRACT_INTEREST, ZERO),
        "penalty": by_kind.get(alloc.PENALTY_INTEREST, ZERO),
        "compound": by_kind.get(alloc.COMPOUND_INTEREST, ZERO),
        "fees": ZERO,
    }


def loan_claim_for(loan: LoanContract, as_of: date) -> LoanClaim:
    """The claim on one loan to ``as_of`` (mapping: module docstring). Raises LawInputError."""
    schedule = list(loan.instalments.order_by("due_date", "seq"))
    if schedule:
        instalments = tuple(law_claims.Instalment(i.due_date, i.principal) for i in schedule)
        payments = [
            law_claims.Payment(i.due_date, i.paid_principal + i.paid_interest)
            for i in schedule
            if i.due_date <= as_of and (i.paid_principal + i.paid_interest) > 0
        ]
        terms = _terms(loan, principal=loan.principal, value_date=loan.start_date, instalments=instalments)
        statement = law_claims.loan_claim(terms, as_of, payments=payments)
        return LoanClaim(loan.pk, loan.contract_no, "schedule", None, _line_amounts(statement))
    snapshot = (
        LoanBalanceSnapshot.objects.filter(loan=loan, as_of__lte=as_of).order_by("-as_of", "-recorded_at").first()
    )
    if snapshot is None:
        maturity = loan.maturity_date or as_of
        terms = _terms(
            loan,
            principal=loan.principal,
            value_date=loan.start_date,
            instalments=(law_claims.Instalment(maturity, loan.principal),),
        )
        return LoanClaim(
            loan.pk, loan.contract_no, "contract", None, _line_amounts(law_claims.loan_claim(terms, as_of))
        )
    amounts = {
        "principal": snapshot.principal,
        "interest": snapshot.interest_on_balance + snapshot.interest_off_balance,
        "penalty": snapshot.penalty,
        "compound": snapshot.compound,
        "fees": snapshot.fees,
    }
    if as_of > snapshot.as_of and snapshot.principal > 0:
        overdue = (loan.maturity_date is not None and loan.maturity_date <= snapshot.as_of) or (
            loan.accelerated_on is not None and loan.accelerated_on <= snapshot.as_of
        )
        basis = check_basis(loan.day_count_basis)
        if overdue:
            _contract, pen, comp = _rates(loan, snapshot.as_of)
            days = day_count(snapshot.as_of, as_of, basis)
            amounts["penalty"] += round_half_up(exact_interest(snapshot.principal, pen, days, basis))
            amounts["compound"] += round_half_up(exact_interest(amounts["interest"], comp, days, basis))
        else:
            maturity = loan.maturity_date or as_of
            terms = _terms(
                loan,
                principal=snapshot.principal,
                value_date=snapshot.as_of,
                instalments=(law_claims.Instalment(maturity, snapshot.principal),),
            )
            accrued = _line_amounts(law_claims.loan_claim(terms, as_of))
            for key in ("interest", "penalty", "compound"):
                amounts[key] += accrued[key]
    return LoanClaim(loan.pk, loan.contract_no, "snapshot", snapshot.pk, amounts)


def _fee(total: Decimal, currency: str, exchange_rate: Decimal | None, rate_date: date) -> law_fees.FeeResult:
    try:
        return law_fees.acceptance_fee(
            total,
            currency=currency,
            exchange_rate=exchange_rate,
            rate_date=rate_date if exchange_rate is not None else None,
        )
    except LawInputError as error:
        if error.code == "fee.currency_rate_required":
            raise DomainError(
                _(
                    "The claim is in %(currency)s: enter the exchange rate to CNY on the filing date "
                    "to compute the acceptance fee."
                )
                % {"currency": currency},
                code="exchange_rate_required",
            ) from None
        raise law_error(error) from None


@transaction.atomic
def case_compute_claim(
    *,
    actor: Any,
    case: Case,
    as_of: date,
    override: ClaimOverride | None = None,
    version: int,
    exchange_rate: Decimal | None = None,
) -> ClaimResult:
    """Compute and store the claim to ``as_of`` over the case's loans, with the acceptance fee on it.

    ``override`` replaces the computed amounts (the computation is still stored in the breakdown).
    A claim in another currency than CNY needs ``exchange_rate`` (CNY per unit, on ``as_of``).
    """
    access.require_edit(actor, case)
    case = lock_case(case.pk, expected_version=version)
    loans = list(
        LoanContract.objects.filter(case_links__case=case, case_links__unlinked_on__isnull=True).order_by("pk")
    )
    currency = case.claim_currency
    try:
        per_loan = tuple(loan_claim_for(loan, as_of) for loan in loans)
    except LawInputError as error:
        raise law_error(error) from None
    computed = {key: sum((c.amounts[key] for c in per_loan), ZERO) for key in LINES}
    if override is not None:
        amounts = {key: require_amount(getattr(override, key), allow_zero=True) for key in LINES}
    else:
        amounts = computed
    total = sum(amounts.values(), ZERO)
    fee = _fee(total, currency, exchange_rate, as_of)
    snapshots = [c.snapshot_id for c in per_loan if c.snapshot_id]
    before = {key: money_str(getattr(case, f"claim_{key}")) for key in LINES}
    case.claim_as_of = as_of
    for key in LINES:
        setattr(case, f"claim_{key}", amounts[key])
    case.claim_total = total
    case.claim_acceptance_fee = fee.fee
    case.claim_snapshot_id = snapshots[-1] if snapshots else None
    case.claim_overridden = override is not None
    case.claim_breakdown = {
        "as_of": as_of.isoformat(),
        "currency": currency,
        "loans": [c.as_json() for c in per_loan],
        "computed": {k: money_str(v) for k, v in computed.items()},
        "total": money_str(total),
        "acceptance_fee": money_str(fee.fee),
        "acceptance_fee_base_cny": money_str(round_half_up(fee.base)),
        "exchange_rate": str(exchange_rate) if exchange_rate is not None else None,
        "overridden": override is not None,
    }
    bump(
        case,
        "claim_as_of",
        *(f"claim_{k}" for k in LINES),
        "claim_total",
        "claim_acceptance_fee",
        "claim_snapshot",
        "claim_overridden",
        "claim_breakdown",
    )
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.CLAIM_COMPUTED,
        action="case.claim_computed",
        target=case,
        params={"as_of": as_of, "total": total, "currency": currency, "overridden": override is not None},
        changes={
            "as_of": as_of,
            "before": before,
            "after": {k: money_str(v) for k, v in amounts.items()},
            "total": money_str(total),
            "acceptance_fee": money_str(fee.fee),
            "overridden": override is not None,
            "override_reason": override.reason if override is not None else "",
        },
    )
    return ClaimResult(
        case=case,
        loans=per_loan,
        amounts=amounts,
        total=total,
        overridden=override is not None,
        acceptance_fee=fee,
    )
