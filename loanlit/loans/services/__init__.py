"""Writes for loans, schedules, balance snapshots and security (DESIGN rule 1), batch-shaped.

``loans_import_batch`` is the one home for creating loans: it validates every row completely
(amounts, dates, choices and every nested party) before it writes anything, so a bad row leaves no
orphan party, and then writes the good rows with bulk INSERTs (parties through the parties batch,
loans, loan parties, instalments, snapshots, guarantees, security and collateral) and one bulk audit
append on the creditor's stream. ``loan_create`` is the batch with one row.

Duplicate contract numbers (per creditor, in the database or earlier in the same batch): with
``on_duplicate="error"`` (the default) the row gets the error "contract number already exists";
with ``"skip"`` it is reported as skipped with the loan on file. Other rows are imported either way.
Updating an existing loan from an import is not done here: ``loan_update`` with its version is.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.core import money as m
from loanlit.core.bulk import builder, bulk_insert
from loanlit.core.errors import DomainError, StaleVersionError
from loanlit.core.models import Creditor, OrgUnit
from loanlit.law.calendar import Calendar
from loanlit.law.periods import compute_deadline
from loanlit.loans.models import (
    Collateral,
    GuaranteeContract,
    LoanBalanceSnapshot,
    LoanContract,
    LoanParty,
    RepaymentInstalment,
    SecurityContract,
)
from loanlit.parties import services as party_services
from loanlit.parties.models import Party
from loanlit.parties.services import (
    PartyInput,
    PartyUpsertResult,
    PreparedParty,
    require_creditor_access,
)

ZERO: Final = Decimal("0.00")
CONTRACT_NO_MAX_LENGTH: Final = 64
LOOKUP_CHUNK: Final = 2000
OnDuplicate = Literal["error", "skip"]


# --- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstalmentInput:
    seq: int
    due_date: date
    principal: Decimal
    interest: Decimal = ZERO
    paid_principal: Decimal = ZERO
    paid_interest: Decimal = ZERO


@dataclass(frozen=True)
class SnapshotInput:
    """A balance as of a day, in the loan's currency."""

    as_of: date
    principal: Decimal
    interest_on_balance: Decimal = ZERO
    interest_off_balance: Decimal = ZERO
    penalty: Decimal = ZERO
    compound: Decimal = ZERO
    fees: Decimal = ZERO
    source: str = LoanBalanceSnapshot.Source.IMPORT


@dataclass(frozen=True)
class GuaranteeInput:
    """A guarantee contract covering the row's loan. The same ``contract_no`` and guarantor on
    several rows (a maximum-amount guarantee) is one contract covering all of them."""

    contract_no: str
    guarantor: PartyInput
    guarantee_type: str = ""  # "" or anything unclear → general guarantee (Civil Code art. 686 para 2)
    is_maximum: bool = False
    cap_amount: Decimal | None = None
    period_agreed_end: date | None = None
    signed_on: date | None = None


@dataclass(frozen=True)
class CollateralInput:
    kind: str
    description: str
    registration_no: str = ""
    appraised_value: Decimal | None = None
    appraised_on: date | None = None


@dataclass(frozen=True)
class SecurityInput:
    """A mortgage or pledge contract by ``provider``; its collateral is created with the contract
    (when the contract is already on file, its collateral is as on file)."""

    contract_no: str
    kind: str
    provider: PartyInput
    is_maximum: bool = False
    cap_amount: Decimal | None = None
    registration_no: str = ""
    signed_on: date | None = None
    collateral: Sequence[CollateralInput] = ()


@dataclass(frozen=True)
class LoanInput:
    contract_no: str
    unit: OrgUnit
    product: str
    principal: Decimal
    annual_rate: Decimal
    start_date: date
    borrowers: Sequence[PartyInput]
    co_borrowers: Sequence[PartyInput] = ()
    currency: str = m.DEFAULT_CURRENCY
    penalty_rate: Decimal | None = None
    compound_rate: Decimal | None = None
    day_count_basis: str = LoanContract.DayCountBasis.ACTUAL_360
    maturity_date: date | None = None
    term_months: int | None = None
    repayment_method: str = LoanContract.RepaymentMethod.OTHER
    overdue_since: date | None = None
    risk_class: str = LoanContract.RiskClass.NORMAL
    accelerated_on: date | None = None
    written_off: bool = False
    written_off_on: date | None = None
    external_ref: str = ""
    instalments: Sequence[InstalmentInput] = ()
    snapshot: SnapshotInput | None = None
    guarantees: Sequence[GuaranteeInput] = ()
    security: Sequence[SecurityInput] = ()
    # Set by the import pipeline: field → value as text, stored on the loan (LoanContract.import_baseline).
    import_baseline: dict[str, str] | None = None


# --- results -----------------------------------------------------------------------------------------


@dataclass
class LoanRowResult:
    """``status``: "created", "skipped" (duplicate with ``on_duplicate="skip"``) or "error"."""

    index: int
    contract_no: str
    status: str = "error"
    loan: LoanContract | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parties: list[PartyUpsertResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def merge_candidates(self) -> list[Any]:
        return [result.merge_candidate for result in self.parties if result.merge_candidate is not None]


@dataclass
class LoansImportResult:
    rows: list[LoanRowResult]

    @property
    def created(self) -> list[LoanContract]:
        return [row.loan for row in self.rows if row.status == "created" and row.loan is not None]

    @property
    def errors(self) -> list[LoanRowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def created_count(self) -> int:
        return sum(1 for row in self.rows if row.status == "created")

    @property
    def skipped_count(self) -> int:
        return sum(1 for row in self.rows if row.status == "skipped")

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


# --- helpers -----------------------------------------------------------------------------------------


def days_past_due(overdue_since: date | None, as_of: date) -> int:
    """Days past due on ``as_of``. ``overdue_since`` is the first day the debt is overdue (the day after
    the missed due date) and counts as day 1; before it, or with no overdue date, the loan is current."""
    if overdue_since is None or as_of < overdue_since:
        return 0
    return (as_of - overdue_since).days + 1


def _default_calendar() -> Calendar:
    try:  # administrator holiday overrides when the rules app is installed
        from loanlit.rules.selectors import law_calendar
    except ImportError:  # pragma: no cover - rules is part of the product; kept for partial installs
        return Calendar()
    return law_calendar()


def guarantee_period_end(
    contract: GuaranteeContract, loan: LoanContract, *, calendar: Calendar | None = None
) -> date | None:
    """The last day of the guarantee period for ``loan`` (Civil Code art. 692).

    An agreed end is used unless it falls on or before the main debt's due date, which counts as no
    agreement (art. 692 para 2); otherwise six months from the due date (maturity, or the earlier
    acceleration date), with the law's roll-over past a rest day. None while the loan has no due date.
    """
    due = loan.due_date
    if contract.period_agreed_end is not None and (due is None or contract.period_agreed_end > due):
        return contract.period_agreed_end
    if due is None:
        return None
    return compute_deadline("guarantee_period", due, calendar=calendar or _default_calendar()).deadline


def guarantee_type_from(value: str) -> tuple[str, bool]:
    """The guarantee type for an input value, and whether it was unclear (→ general, art. 686 para 2)."""
    text = (value or "").strip().lower().replace("-", "_").replace(" ", "_")
    if text in ("joint", "joint_and_several", "joint_several"):
        return GuaranteeContract.GuaranteeType.JOINT, False
    if text == "general":
        return GuaranteeContract.GuaranteeType.GENERAL, False
    return GuaranteeContract.GuaranteeType.GENERAL, True


class Label:
    """A field label translated only when an error message needs it (imports validate many rows)."""

    __slots__ = ("params", "text")

    def __init__(self, text: Any, **params: object) -> None:
        self.text, self.params = text, params

    def __str__(self) -> str:
        return str(self.text) % self.params if self.params else str(self.text)


@functools.cache
def _values(choices: Any) -> frozenset[str]:
    return frozenset(choices.values)


class _RowError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _money(value: object, label: object, *, positive: bool = False, allow_none: bool = False) -> Decimal | None:
    if value is None:
        if allow_none:
            return None
        raise _RowError(_("%(field)s is missing.") % {"field": label})
    if (
        type(value) is Decimal
        and value.is_finite()
        and value.as_tuple().exponent == -m.MONEY_PLACES
        and m.MONEY_MIN <= value <= m.MONEY_MAX
    ):
        amount = value  # already canonical (the common case in a bulk import)
    else:
        try:
            amount = m.to_money(value)  # type: ignore[arg-type]  # refuses floats with a clear message
        except m.MoneyError as exc:
            raise _RowError(f"{label}: {exc.message}") from None
    if positive and amount <= 0:
        raise _RowError(_("%(field)s must be greater than zero.") % {"field": label})
    if amount < 0:
        raise _RowError(_("%(field)s cannot be negative.") % {"field": label})
    return amount


def _rate(value: object, label: object, *, allow_none: bool = False) -> Decimal | None:
    if value is None:
        if allow_none:
            return None
        raise _RowError(_("%(field)s is missing.") % {"field": label})
    if (
        type(value) is Decimal
        and value.is_finite()
        and -m.RATE_PLACES <= value.as_tuple().exponent <= 0  # type: ignore[operator]  # finite: an int
        and m.RATE_MIN <= value <= m.RATE_MAX
    ):
        # Exactly what to_rate returns for it (six places, no rounding needed), without translating
        # its messages for every row of a bulk import.
        rate = value.quantize(m.RATE_QUANTUM)
    else:
        try:
            rate = m.to_rate(value)  # type: ignore[arg-type]
        except m.MoneyError as exc:
            raise _RowError(f"{label}: {exc.message}") from None
    if rate < 0:
        raise _RowError(_("%(field)s cannot be negative.") % {"field": label})
    return rate


def _date(value: object, label: object, *, allow_none: bool = True) -> date | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise _RowError(_("%(field)s is missing.") % {"field": label})
    if isinstance(value, datetime):
        raise _RowError(_("%(field)s must be a date, not a date and time.") % {"field": label})
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _RowError(_("%(field)s is not a valid date (YYYY-MM-DD): %(value)s.") % {"field": label, "value": value})


def _choice(value: object, choices: Any, label: object) -> str:
    if value not in _values(choices):
        raise _RowError(_("%(field)s: unknown value %(value)s.") % {"field": label, "value": value})
    return str(value)


def _text(value: object, label: object, *, max_length: int, required: bool = False) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    if required and not text:
        raise _RowError(_("%(field)s is missing.") % {"field": label})
    if len(text) > max_length:
        raise _RowError(_("%(field)s is longer than %(limit)d characters.") % {"field": label, "limit": max_length})
    return text


def _party(row: object, label: object, today: date, known: Mapping[Any, PreparedParty] | None = None) -> PreparedParty:
    if known:
        try:
            found = known.get(row)
        except TypeError:  # an unhashable (malformed) row: prepare_party refuses it with a message
            found = None
        if found is not None:
            return found
    try:
        return party_services.prepare_party(row, today=today)  # type: ignore[arg-type]
    except DomainError as exc:
        raise _RowError(f"{label}: {exc.message}") from None


def _unit_in_scope(actor: User | None, unit: OrgUnit) -> bool:
    if actor is None or getattr(actor, "is_superuser", False):
        return True
    actor_unit = getattr(actor, "unit", None)
    return actor_unit is not None and unit.path.startswith(actor_unit.path)


# --- validation --------------------------------------------------------------------------------------


@dataclass
class _PreparedGuarantee:
    contract_no: str
    guarantor: int  # index into the row's party list
    guarantee_type: str
    is_maximum: bool
    cap_amount: Decimal | None
    period_agreed_end: date | None
    signed_on: date | None


@dataclass
class _PreparedSecurity:
    contract_no: str
    kind: str
    provider: int
    is_maximum: bool
    cap_amount: Decimal | None
    registration_no: str
    signed_on: date | None
    collateral: list[dict[str, Any]]


@dataclass
class _PreparedLoan:
    index: int
    loan: LoanContract
    parties: list[PreparedParty]  # borrowers, co-borrowers, then guarantors and providers
    roles: list[tuple[int, str]]  # (party index, LoanParty role)
    instalments: list[RepaymentInstalment]
    snapshot: LoanBalanceSnapshot | None
    guarantees: list[_PreparedGuarantee]
    security: list[_PreparedSecurity]
    warnings: list[str]


def _prepare_loan(
    index: int,
    row: LoanInput,
    *,
    creditor: Creditor,
    actor: User | None,
    today: date,
    as_of: date,
    known: Mapping[Any, PreparedParty] | None = None,
) -> _PreparedLoan:
    if not isinstance(row, LoanInput):
        raise _RowError(_("A loan row is malformed."))
    warnings: list[str] = []
    contract_no = _text(
        row.contract_no, gettext_lazy("Contract number"), max_length=CONTRACT_NO_MAX_LENGTH, required=True
    )
    unit = row.unit
    if not isinstance(unit, OrgUnit) or unit.pk is None:
        raise _RowError(_("The originating unit is missing."))
    if not _unit_in_scope(actor, unit):
        raise _RowError(_("The unit %(unit)s is outside your scope.") % {"unit": unit.code})
    product = _choice(row.product, LoanContract.Product, gettext_lazy("Product"))
    try:
        currency = m.validate_currency(row.currency)
    except m.MoneyError as exc:
        raise _RowError(str(exc.message)) from None
    principal = _money(row.principal, gettext_lazy("Principal"), positive=True)
    annual_rate = _rate(row.annual_rate, gettext_lazy("Annual interest rate"))
    penalty_rate = _rate(row.penalty_rate, gettext_lazy("Penalty interest rate"), allow_none=True)
    compound_rate = _rate(row.compound_rate, gettext_lazy("Compound interest rate"), allow_none=True)
    basis = _choice(row.day_count_basis, LoanContract.DayCountBasis, gettext_lazy("Day-count basis"))
    method = _choice(row.repayment_method, LoanContract.RepaymentMethod, gettext_lazy("Repayment method"))
    risk_class = _choice(row.risk_class, LoanContract.RiskClass, gettext_lazy("Risk class"))
    start = _date(row.start_date, gettext_lazy("Start date"), allow_none=False)
    maturity = _date(row.maturity_date, gettext_lazy("Maturity date"))
    overdue_since = _date(row.overdue_since, gettext_lazy("Overdue since"))
    accelerated_on = _date(row.accelerated_on, gettext_lazy("Accelerated on"))
    written_off_on = _date(row.written_off_on, gettext_lazy("Written off on"))
    assert start is not None
    if maturity is not None and maturity < start:
        raise _RowError(_("The maturity date is before the start date."))
    if overdue_since is not None and overdue_since < start:
        raise _RowError(_("The loan cannot be overdue before it starts."))
    if accelerated_on is not None and accelerated_on < start:
        raise _RowError(_("The loan cannot be accelerated before it starts."))
    if written_off_on is not None and not row.written_off:
        raise _RowError(_("A write-off date is given but the loan is not written off."))
    term = row.term_months
    if term is not None and (isinstance(term, bool) or not isinstance(term, int) or not 0 < term <= 1200):
        raise _RowError(_("The term must be a whole number of months between 1 and 1200."))
    external_ref = _text(row.external_ref, gettext_lazy("Source-system reference"), max_length=100)
    if currency != m.DEFAULT_CURRENCY:
        try:
            m.Money(principal, currency)  # type: ignore[arg-type]
        except m.MoneyError as exc:
            raise _RowError(str(exc.message)) from None

    created_by = party_services.acting_user(actor)
    loan: LoanContract = builder(LoanContract).new(
        related={"creditor": creditor, "unit": unit, "created_by": created_by},
        unit_path=unit.path,
        contract_no=contract_no,
        product=product,
        currency=currency,
        principal=principal,
        annual_rate=annual_rate,
        penalty_rate=penalty_rate,
        compound_rate=compound_rate,
        day_count_basis=basis,
        start_date=start,
        maturity_date=maturity,
        term_months=term,
        repayment_method=method,
        overdue_since=overdue_since,
        days_past_due=days_past_due(overdue_since, as_of),
        days_past_due_as_of=as_of if overdue_since else None,
        risk_class=risk_class,
        accelerated_on=accelerated_on,
        written_off=bool(row.written_off),
        written_off_on=written_off_on,
        external_ref=external_ref,
        import_baseline=dict(row.import_baseline or {}),
    )

    parties: list[PreparedParty] = []
    roles: list[tuple[int, str]] = []
    borrowers = list(row.borrowers or ())
    if not borrowers:
        raise _RowError(_("A loan needs at least one borrower."))
    for position, party_row in enumerate(borrowers, start=1):
        parties.append(_party(party_row, Label(gettext_lazy("Borrower %(n)d"), n=position), today, known))
        roles.append((len(parties) - 1, LoanParty.Role.BORROWER))
    for position, party_row in enumerate(row.co_borrowers or (), start=1):
        parties.append(_party(party_row, Label(gettext_lazy("Co-borrower %(n)d"), n=position), today, known))
        roles.append((len(parties) - 1, LoanParty.Role.CO_BORROWER))

    instalments: list[RepaymentInstalment] = []
    seen_seq: set[int] = set()
    for item in row.instalments or ():
        if not isinstance(item, InstalmentInput):
            raise _RowError(_("An instalment row is malformed."))
        if isinstance(item.seq, bool) or not isinstance(item.seq, int) or not 0 < item.seq <= 32767:
            raise _RowError(_("An instalment number must be a positive whole number."))
        if item.seq in seen_seq:
            raise _RowError(_("Instalment %(n)d appears twice.") % {"n": item.seq})
        seen_seq.add(item.seq)
        label = Label(gettext_lazy("Instalment %(n)d"), n=item.seq)
        instalments.append(
            builder(RepaymentInstalment).new(
                seq=item.seq,
                due_date=_date(item.due_date, label, allow_none=False),  # type: ignore[misc]  # required: never None
                currency=currency,
                principal=_money(item.principal, label),
                interest=_money(item.interest, label),
                paid_principal=_money(item.paid_principal, label),
                paid_interest=_money(item.paid_interest, label),
            )
        )

    snapshot = None
    if row.snapshot is not None:
        snap = row.snapshot
        if not isinstance(snap, SnapshotInput):
            raise _RowError(_("The balance snapshot is malformed."))
        snapshot_label = Label(gettext_lazy("Balance snapshot"))
        snapshot = builder(LoanBalanceSnapshot).new(
            related={"recorded_by": loan.created_by},
            as_of=_date(snap.as_of, snapshot_label, allow_none=False),  # type: ignore[misc]  # required: never None
            currency=currency,
            principal=_money(snap.principal, snapshot_label),
            interest_on_balance=_money(snap.interest_on_balance, snapshot_label),
            interest_off_balance=_money(snap.interest_off_balance, snapshot_label),
            penalty=_money(snap.penalty, snapshot_label),
            compound=_money(snap.compound, snapshot_label),
            fees=_money(snap.fees, snapshot_label),
            source=_choice(snap.source, LoanBalanceSnapshot.Source, snapshot_label),
        )

    guarantees: list[_PreparedGuarantee] = []
    for position, guarantee in enumerate(row.guarantees or (), start=1):
        if not isinstance(guarantee, GuaranteeInput):
            raise _RowError(_("A guarantee row is malformed."))
        label = Label(gettext_lazy("Guarantee %(n)d"), n=position)
        parties.append(_party(guarantee.guarantor, label, today, known))
        guarantee_type, unclear = guarantee_type_from(guarantee.guarantee_type)
        if unclear and guarantee.guarantee_type:
            warnings.append(
                _("%(label)s: the guarantee type %(value)s is unclear and is treated as a general guarantee.")
                % {"label": label, "value": guarantee.guarantee_type}
            )
        guarantees.append(
            _PreparedGuarantee(
                contract_no=_text(guarantee.contract_no, label, max_length=CONTRACT_NO_MAX_LENGTH, required=True),
                guarantor=len(parties) - 1,
                guarantee_type=guarantee_type,
                is_maximum=bool(guarantee.is_maximum),
                cap_amount=_money(guarantee.cap_amount, label, allow_none=True),
                period_agreed_end=_date(guarantee.period_agreed_end, label),
                signed_on=_date(guarantee.signed_on, label),
            )
        )

    security: list[_PreparedSecurity] = []
    for position, sec in enumerate(row.security or (), start=1):
        if not isinstance(sec, SecurityInput):
            raise _RowError(_("A security row is malformed."))
        label = Label(gettext_lazy("Security %(n)d"), n=position)
        parties.append(_party(sec.provider, label, today, known))
        collateral = []
        for c in sec.collateral or ():
            if not isinstance(c, CollateralInput):
                raise _RowError(_("A collateral row is malformed."))
            collateral.append(
                {
                    "kind": _choice(c.kind, Collateral.Kind, label),
                    "description": _text(c.description, label, max_length=500, required=True),
                    "registration_no": _text(c.registration_no, label, max_length=100),
                    "appraised_value": _money(c.appraised_value, label, allow_none=True),
                    "appraised_on": _date(c.appraised_on, label),
                }
            )
        security.append(
            _PreparedSecurity(
                contract_no=_text(sec.contract_no, label, max_length=CONTRACT_NO_MAX_LENGTH, required=True),
                kind=_choice(sec.kind, SecurityContract.Kind, label),
                provider=len(parties) - 1,
                is_maximum=bool(sec.is_maximum),
                cap_amount=_money(sec.cap_amount, label, allow_none=True),
                registration_no=_text(sec.registration_no, label, max_length=100),
                signed_on=_date(sec.signed_on, label),
                collateral=collateral,
            )
        )
    for prepared in parties:
        warnings.extend(prepared.warnings)
    return _PreparedLoan(
        index=index,
        loan=loan,
        parties=parties,
        roles=roles,
        instalments=instalments,
        snapshot=snapshot,
        guarantees=guarantees,
        security=security,
        warnings=warnings,
    )


# --- the batch ---------------------------------------------------------------------------------------


def _existing_contract_nos(creditor: Creditor, numbers: list[str]) -> dict[str, LoanContract]:
    found: dict[str, LoanContract] = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        for loan in LoanContract.objects.filter(creditor=creditor, contract_no__in=chunk):
            found[loan.contract_no] = loan
    return found


def _party_entry(result: PartyUpsertResult, role: str) -> dict[str, Any]:
    party = result.party
    assert party is not None
    entry: dict[str, Any] = {"party": party.pk, "role": role, "created": result.created}
    if result.created:
        entry.update(party_services.party_audit(party))
    return entry


def _loan_audit(loan: LoanContract, prepared: _PreparedLoan, party_results: list[PartyUpsertResult]) -> dict:
    return {
        "contract_no": loan.contract_no,
        "unit": loan.unit.code,
        "product": loan.product,
        "currency": loan.currency,
        "principal": loan.principal,
        "annual_rate": loan.annual_rate,
        "penalty_rate": loan.penalty_rate,
        "start_date": loan.start_date,
        "maturity_date": loan.maturity_date,
        "overdue_since": loan.overdue_since,
        "days_past_due": loan.days_past_due,
        "risk_class": loan.risk_class,
        "written_off": loan.written_off,
        "parties": [_party_entry(party_results[i], role) for i, role in prepared.roles],
        "instalments": len(prepared.instalments),
        "snapshot": None
        if prepared.snapshot is None
        else {"as_of": prepared.snapshot.as_of, "principal": prepared.snapshot.principal},
        "guarantees": [
            {"contract_no": g.contract_no, "guarantor": _party_entry(party_results[g.guarantor], "guarantor")}
            for g in prepared.guarantees
        ],
        "security": [
            {"contract_no": s.contract_no, "provider": _party_entry(party_results[s.provider], "provider")}
            for s in prepared.security
        ],
    }


@transaction.atomic
def loans_import_batch(
    *,
    actor: User | None,
    creditor: Creditor,
    rows: Sequence[LoanInput],
    on_duplicate: OnDuplicate = "error",
    as_of: date | None = None,
    prepared_parties: Mapping[PartyInput, PreparedParty] | None = None,
) -> LoansImportResult:
    """Import many loans of ``creditor`` (see the module docstring). ``as_of`` (default today) is the
    day ``days_past_due`` is computed for. ``prepared_parties``: parties the caller has already put
    through ``parties.services.prepare_party`` today (an import's check step), by their input; the
    rest are prepared here.

    Returns one ``LoanRowResult`` per row in order; a row with errors wrote nothing. Audit: one entry
    per loan created ("loan.imported"), plus the parties batch's entries (one per party created,
    contact added to an existing party, merge review opened) and one per guarantee or security
    contract created, all on ``audit.stream_key("creditor", creditor.pk)``.
    """
    if on_duplicate not in ("error", "skip"):
        raise DomainError(_("on_duplicate must be 'error' or 'skip'."), code="on_duplicate")
    require_creditor_access(actor, creditor)
    today = timezone.localdate()
    as_of = as_of or today
    results = [
        LoanRowResult(index=i, contract_no=str(getattr(row, "contract_no", "") or "")) for i, row in enumerate(rows)
    ]

    prepared_rows: list[_PreparedLoan] = []
    for index, row in enumerate(rows):
        try:
            prepared_rows.append(
                _prepare_loan(
                    index, row, creditor=creditor, actor=actor, today=today, as_of=as_of, known=prepared_parties
                )
            )
        except _RowError as exc:
            results[index].errors.append(exc.message)
    on_file = _existing_contract_nos(creditor, sorted({p.loan.contract_no for p in prepared_rows}))
    accepted: list[_PreparedLoan] = []
    seen: set[str] = set()
    for prepared in prepared_rows:
        result = results[prepared.index]
        result.contract_no = prepared.loan.contract_no
        number = prepared.loan.contract_no
        if number in on_file and on_duplicate == "skip":
            result.status, result.loan = "skipped", on_file[number]
            continue
        if number in on_file or number in seen:
            result.errors.append(_("Contract number %(no)s already exists.") % {"no": number})
            continue
        seen.add(number)
        accepted.append(prepared)

    # Parties of every accepted row at once: the same borrower on two loans is one party.
    flat = [party for prepared in accepted for party in prepared.parties]
    party_results, items = party_services.upsert_prepared(
        actor=actor, creditor=creditor, rows=flat, audit_created=False
    )
    offset = 0
    row_parties: list[list[PartyUpsertResult]] = []
    for prepared in accepted:
        mine = party_results[offset : offset + len(prepared.parties)]
        offset += len(prepared.parties)
        row_parties.append(mine)
        results[prepared.index].parties = mine

    loans = [prepared.loan for prepared in accepted]
    bulk_insert(LoanContract, loans)
    links: list[LoanParty] = []
    make_link = builder(LoanParty)
    instalments: list[RepaymentInstalment] = []
    snapshots: list[LoanBalanceSnapshot] = []
    for prepared, mine in zip(accepted, row_parties, strict=True):
        loan = prepared.loan
        seen_links: set[tuple[int, str]] = set()
        for position, (party_index, role) in enumerate(prepared.roles):
            party = mine[party_index].party
            assert party is not None
            if (party.pk, role) in seen_links:  # the same person listed twice in one role
                continue
            seen_links.add((party.pk, role))
            links.append(make_link.new(related={"loan": loan, "party": party}, role=role, position=position))
        for instalment in prepared.instalments:
            instalment.loan = loan
            instalments.append(instalment)
        if prepared.snapshot is not None:
            prepared.snapshot.loan = loan
            snapshots.append(prepared.snapshot)
    bulk_insert(LoanParty, links)
    bulk_insert(RepaymentInstalment, instalments)
    bulk_insert(LoanBalanceSnapshot, snapshots)
    items.extend(_write_security(actor=actor, creditor=creditor, accepted=accepted, row_parties=row_parties))

    stream = audit.stream_key("creditor", creditor.pk)
    for prepared, mine in zip(accepted, row_parties, strict=True):
        result = results[prepared.index]
        result.status, result.loan = "created", prepared.loan
        result.warnings = prepared.warnings + [w for r in mine for w in r.warnings if w not in prepared.warnings]
        items.append(
            audit.AuditItem(
                action="loan.imported",
                target=prepared.loan,
                stream=stream,
                changes=_loan_audit(prepared.loan, prepared, mine),
            )
        )
    audit.record_many(actor=actor, items=items)
    return LoansImportResult(rows=results)


def _write_security(
    *,
    actor: User | None,
    creditor: Creditor,
    accepted: list[_PreparedLoan],
    row_parties: list[list[PartyUpsertResult]],
) -> list[audit.AuditItem]:
    stream = audit.stream_key("creditor", creditor.pk)
    guarantee_keys: dict[tuple[str, int], tuple[_PreparedGuarantee, list[LoanContract]]] = {}
    security_keys: dict[tuple[str, int], tuple[_PreparedSecurity, list[LoanContract]]] = {}
    for prepared, mine in zip(accepted, row_parties, strict=True):
        for g in prepared.guarantees:
            party = mine[g.guarantor].party
            assert party is not None
            guarantee_keys.setdefault((g.contract_no, party.pk), (g, []))[1].append(prepared.loan)
        for s in prepared.security:
            party = mine[s.provider].party
            assert party is not None
            security_keys.setdefault((s.contract_no, party.pk), (s, []))[1].append(prepared.loan)
    if not guarantee_keys and not security_keys:
        return []

    existing_g = {
        (g.contract_no, g.guarantor_id): g
        for g in GuaranteeContract.objects.filter(
            creditor=creditor, contract_no__in=sorted({k[0] for k in guarantee_keys})
        )
    }
    existing_s = {
        (s.contract_no, s.provider_id): s
        for s in SecurityContract.objects.filter(
            creditor=creditor, contract_no__in=sorted({k[0] for k in security_keys})
        )
    }
    new_g: list[GuaranteeContract] = []
    g_targets: list[tuple[GuaranteeContract, list[LoanContract]]] = []
    for (number, party_pk), (g, loans) in guarantee_keys.items():
        contract = existing_g.get((number, party_pk))
        if contract is None:
            contract = GuaranteeContract(
                creditor=creditor,
                contract_no=number,
                guarantor_id=party_pk,
                guarantee_type=g.guarantee_type,
                is_maximum=g.is_maximum,
                currency=loans[0].currency,
                cap_amount=g.cap_amount,
                period_agreed_end=g.period_agreed_end,
                signed_on=g.signed_on,
            )
            new_g.append(contract)
        g_targets.append((contract, loans))
    new_s: list[SecurityContract] = []
    s_targets: list[tuple[SecurityContract, list[LoanContract], _PreparedSecurity | None]] = []
    for (number, party_pk), (s, loans) in security_keys.items():
        sec = existing_s.get((number, party_pk))
        fresh = sec is None
        if sec is None:
            sec = SecurityContract(
                creditor=creditor,
                contract_no=number,
                kind=s.kind,
                provider_id=party_pk,
                is_maximum=s.is_maximum,
                currency=loans[0].currency,
                cap_amount=s.cap_amount,
                registration_no=s.registration_no,
                signed_on=s.signed_on,
            )
            new_s.append(sec)
        s_targets.append((sec, loans, s if fresh else None))
    bulk_insert(GuaranteeContract, new_g)
    bulk_insert(SecurityContract, new_s)

    g_through = GuaranteeContract.loans.through
    bulk_insert(
        g_through,
        [g_through(guaranteecontract_id=c.pk, loancontract_id=loan.pk) for c, loans in g_targets for loan in loans],
    )
    s_through = SecurityContract.loans.through
    bulk_insert(
        s_through,
        [s_through(securitycontract_id=c.pk, loancontract_id=loan.pk) for c, loans, _s in s_targets for loan in loans],
    )
    collateral: list[tuple[Collateral, SecurityContract]] = []
    for sec, _loans, fresh_input in s_targets:
        if fresh_input is None:
            continue
        for data in fresh_input.collateral:
            collateral.append(
                (
                    Collateral(
                        creditor=creditor,
                        owner_id=sec.provider_id,
                        currency=sec.currency,
                        **data,
                    ),
                    sec,
                )
            )
    bulk_insert(Collateral, [c for c, _contract in collateral])
    c_through = Collateral.security_contracts.through
    bulk_insert(c_through, [c_through(collateral_id=c.pk, securitycontract_id=sec.pk) for c, sec in collateral])

    items: list[audit.AuditItem] = []
    for contract in new_g:
        items.append(
            audit.AuditItem(
                action="guarantee_contract.created",
                target=contract,
                stream=stream,
                changes=_guarantee_audit(contract),
            )
        )
    for sec in new_s:
        items.append(
            audit.AuditItem(
                action="security_contract.created",
                target=sec,
                stream=stream,
                changes=_security_audit(sec) | {"collateral": [c.pk for c, owner in collateral if owner is sec]},
            )
        )
    return items


def _guarantee_audit(contract: GuaranteeContract) -> dict[str, Any]:
    return {
        "contract_no": contract.contract_no,
        "guarantor": contract.guarantor_id,
        "guarantee_type": contract.guarantee_type,
        "is_maximum": contract.is_maximum,
        "currency": contract.currency,
        "cap_amount": contract.cap_amount,
        "period_agreed_end": contract.period_agreed_end,
    }


def _security_audit(contract: SecurityContract) -> dict[str, Any]:
    return {
        "contract_no": contract.contract_no,
        "kind": contract.kind,
        "provider": contract.provider_id,
        "is_maximum": contract.is_maximum,
        "currency": contract.currency,
        "cap_amount": contract.cap_amount,
        "registration_no": contract.registration_no,
    }


def loan_create(*, actor: User | None, creditor: Creditor, row: LoanInput) -> LoanContract:
    """One loan through the batch; raises ``DomainError`` with the row's error."""
    result = loans_import_batch(actor=actor, creditor=creditor, rows=[row]).rows[0]
    if result.errors or result.loan is None:
        raise DomainError(" ".join(result.errors), code="loan_invalid")
    return result.loan


# --- single-record edits -----------------------------------------------------------------------------

_LOAN_UPDATABLE: Final = {
    "product": "choice",
    "principal": "money",
    "annual_rate": "rate",
    "penalty_rate": "rate?",
    "compound_rate": "rate?",
    "day_count_basis": "choice",
    "maturity_date": "date?",
    "term_months": "int?",
    "repayment_method": "choice",
    "overdue_since": "date?",
    "risk_class": "choice",
    "accelerated_on": "date?",
    "written_off": "bool",
    "written_off_on": "date?",
    "external_ref": "text",
    "unit": "unit",
}
_LOAN_CHOICES: Final = {
    "product": LoanContract.Product,
    "day_count_basis": LoanContract.DayCountBasis,
    "repayment_method": LoanContract.RepaymentMethod,
    "risk_class": LoanContract.RiskClass,
}


def _lock_loan(loan: LoanContract, version: int) -> LoanContract:
    locked = LoanContract.objects.select_for_update().select_related("unit").get(pk=loan.pk)
    if locked.version != version:
        raise StaleVersionError(
            _("Somebody else changed this loan since you opened it. Reload and try again."), code="stale"
        )
    return locked


@transaction.atomic
def loan_update(
    *, actor: User | None, loan: LoanContract, version: int, as_of: date | None = None, **changes: Any
) -> LoanContract:
    """Edit a loan's terms and status (the contract number and creditor are its identity and stay).

    Refused with ``StaleVersionError`` (409) when ``version`` is not the current one. A new overdue
    date recomputes ``days_past_due`` as of ``as_of`` (default today).
    """
    unknown = sorted(set(changes) - set(_LOAN_UPDATABLE))
    if unknown:
        raise DomainError(_("These loan fields cannot be changed: %(fields)s.") % {"fields": ", ".join(unknown)})
    require_creditor_access(actor, loan.creditor)
    locked = _lock_loan(loan, version)
    diff: dict[str, dict[str, Any]] = {}
    try:
        for name, value in changes.items():
            kind = _LOAN_UPDATABLE[name]
            label = str(getattr(LoanContract._meta.get_field(name), "verbose_name", name))
            if kind == "choice":
                value = _choice(value, _LOAN_CHOICES[name], label)
            elif kind == "money":
                value = _money(value, label, positive=True)
            elif kind.startswith("rate"):
                value = _rate(value, label, allow_none=kind.endswith("?"))
            elif kind == "date?":
                value = _date(value, label)
            elif kind == "int?":
                if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                    raise _RowError(_("The term must be a whole number of months between 1 and 1200."))
            elif kind == "bool":
                value = bool(value)
            elif kind == "text":
                value = _text(value, label, max_length=100)
            elif kind == "unit" and (not isinstance(value, OrgUnit) or not _unit_in_scope(actor, value)):
                raise _RowError(_("The unit is outside your scope."))
            old = getattr(locked, name)
            if old != value:
                diff[name] = {
                    "old": old.code if name == "unit" else old,
                    "new": value.code if name == "unit" else value,
                }
                setattr(locked, name, value)
    except _RowError as exc:
        raise DomainError(str(exc.message)) from None
    if locked.maturity_date and locked.maturity_date < locked.start_date:
        raise DomainError(_("The maturity date is before the start date."))
    if locked.written_off_on and not locked.written_off:
        raise DomainError(_("A write-off date is given but the loan is not written off."))
    if "unit" in diff:
        locked.unit_path = locked.unit.path
    if "overdue_since" in diff or as_of is not None:
        day = as_of or timezone.localdate()
        dpd = days_past_due(locked.overdue_since, day)
        if dpd != locked.days_past_due:
            diff["days_past_due"] = {"old": locked.days_past_due, "new": dpd}
        locked.days_past_due, locked.days_past_due_as_of = dpd, day if locked.overdue_since else None
    if not diff:
        return locked
    locked.version += 1
    locked.save()
    audit.record(
        actor=actor,
        action="loan.updated",
        target=locked,
        stream=audit.stream_key("creditor", locked.creditor_id),
        changes=diff,
    )
    return locked


@transaction.atomic
def balance_snapshot_add(
    *,
    actor: User | None,
    loan: LoanContract,
    as_of: date,
    principal: Decimal,
    interest_on_balance: Decimal = ZERO,
    interest_off_balance: Decimal = ZERO,
    penalty: Decimal = ZERO,
    compound: Decimal = ZERO,
    fees: Decimal = ZERO,
    source: str = LoanBalanceSnapshot.Source.MANUAL,
) -> LoanBalanceSnapshot:
    """Record a balance of ``loan`` as of a day (in the loan's currency); one per day and source."""
    require_creditor_access(actor, loan.creditor)
    try:
        label = gettext_lazy("Balance snapshot")
        values = {
            "as_of": _date(as_of, label, allow_none=False),
            "principal": _money(principal, label),
            "interest_on_balance": _money(interest_on_balance, label),
            "interest_off_balance": _money(interest_off_balance, label),
            "penalty": _money(penalty, label),
            "compound": _money(compound, label),
            "fees": _money(fees, label),
            "source": _choice(source, LoanBalanceSnapshot.Source, label),
        }
    except _RowError as exc:
        raise DomainError(str(exc.message)) from None
    if LoanBalanceSnapshot.objects.filter(loan=loan, as_of=values["as_of"], source=values["source"]).exists():  # type: ignore[misc]
        raise DomainError(_("This loan already has a balance from this source on that day."), code="duplicate")
    snapshot = LoanBalanceSnapshot.objects.create(
        loan=loan,
        currency=loan.currency,
        recorded_by=party_services.acting_user(actor),
        **values,
    )
    audit.record(
        actor=actor,
        action="loan.balance_recorded",
        target=snapshot,
        stream=audit.stream_key("creditor", loan.creditor_id),
        changes={"loan": loan.pk, "currency": loan.currency, **values},
    )
    return snapshot


def _same_creditor(creditor: Creditor, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj.creditor_id != creditor.pk:
            raise DomainError(_("Everything in a contract must belong to the same creditor."), code="creditor")


@transaction.atomic
def guarantee_contract_create(
    *,
    actor: User | None,
    creditor: Creditor,
    contract_no: str,
    guarantor: Party,
    loans: Sequence[LoanContract],
    guarantee_type: str = "",
    is_maximum: bool = False,
    cap_amount: Decimal | None = None,
    period_agreed_end: date | None = None,
    signed_on: date | None = None,
    currency: str | None = None,
) -> GuaranteeContract:
    """A guarantee by ``guarantor`` for ``loans``; an unclear type is general (Civil Code art. 686)."""
    require_creditor_access(actor, creditor)
    _same_creditor(creditor, guarantor, *loans)
    try:
        number = _text(contract_no, gettext_lazy("Contract number"), max_length=CONTRACT_NO_MAX_LENGTH, required=True)
        cap = _money(cap_amount, gettext_lazy("Maximum amount"), allow_none=True)
        agreed_end = _date(period_agreed_end, gettext_lazy("Agreed end of guarantee period"))
        signed = _date(signed_on, gettext_lazy("Signed on"))
        code = m.validate_currency(currency or (loans[0].currency if loans else m.DEFAULT_CURRENCY))
    except _RowError as exc:
        raise DomainError(str(exc.message)) from None
    except m.MoneyError as exc:
        raise DomainError(str(exc.message)) from None
    if is_maximum and cap is None:
        raise DomainError(_("A maximum-amount guarantee needs its maximum amount."), code="cap")
    if GuaranteeContract.objects.filter(creditor=creditor, contract_no=number, guarantor=guarantor).exists():
        raise DomainError(_("This guarantor already has a guarantee contract with this number."), code="duplicate")
    kind, _unclear = guarantee_type_from(guarantee_type)
    contract = GuaranteeContract.objects.create(
        creditor=creditor,
        contract_no=number,
        guarantor=guarantor,
        guarantee_type=kind,
        is_maximum=bool(is_maximum),
        currency=code,
        cap_amount=cap,
        period_agreed_end=agreed_end,
        signed_on=signed,
    )
    contract.loans.set(loans)
    audit.record(
        actor=actor,
        action="guarantee_contract.created",
        target=contract,
        stream=audit.stream_key("creditor", creditor.pk),
        changes=_guarantee_audit(contract) | {"loans": [loan.pk for loan in loans]},
    )
    return contract


@transaction.atomic
def security_contract_create(
    *,
    actor: User | None,
    creditor: Creditor,
    contract_no: str,
    kind: str,
    provider: Party,
    loans: Sequence[LoanContract],
    is_maximum: bool = False,
    cap_amount: Decimal | None = None,
    registration_no: str = "",
    signed_on: date | None = None,
    currency: str | None = None,
) -> SecurityContract:
    """A mortgage or pledge by ``provider`` securing ``loans``."""
    require_creditor_access(actor, creditor)
    _same_creditor(creditor, provider, *loans)
    try:
        number = _text(contract_no, gettext_lazy("Contract number"), max_length=CONTRACT_NO_MAX_LENGTH, required=True)
        security_kind = _choice(kind, SecurityContract.Kind, gettext_lazy("Kind"))
        cap = _money(cap_amount, gettext_lazy("Maximum amount"), allow_none=True)
        registration = _text(registration_no, gettext_lazy("Registration number"), max_length=100)
        signed = _date(signed_on, gettext_lazy("Signed on"))
        code = m.validate_currency(currency or (loans[0].currency if loans else m.DEFAULT_CURRENCY))
    except _RowError as exc:
        raise DomainError(str(exc.message)) from None
    except m.MoneyError as exc:
        raise DomainError(str(exc.message)) from None
    if is_maximum and cap is None:
        raise DomainError(_("A maximum-amount mortgage or pledge needs its maximum amount."), code="cap")
    if SecurityContract.objects.filter(creditor=creditor, contract_no=number, provider=provider).exists():
        raise DomainError(_("This provider already has a security contract with this number."), code="duplicate")
    contract = SecurityContract.objects.create(
        creditor=creditor,
        contract_no=number,
        kind=security_kind,
        provider=provider,
        is_maximum=bool(is_maximum),
        currency=code,
        cap_amount=cap,
        registration_no=registration,
        signed_on=signed,
    )
    contract.loans.set(loans)
    audit.record(
        actor=actor,
        action="security_contract.created",
        target=contract,
        stream=audit.stream_key("creditor", creditor.pk),
        changes=_security_audit(contract) | {"loans": [loan.pk for loan in loans]},
    )
    return contract


@transaction.atomic
def collateral_create(
    *,
    actor: User | None,
    creditor: Creditor,
    kind: str,
    description: str,
    registration_no: str = "",
    owner: Party | None = None,
    appraised_value: Decimal | None = None,
    appraised_on: date | None = None,
    security_contracts: Sequence[SecurityContract] = (),
    currency: str = m.DEFAULT_CURRENCY,
) -> Collateral:
    """A collateral item; it may secure several contracts (and so several loans)."""
    require_creditor_access(actor, creditor)
    _same_creditor(creditor, owner, *security_contracts)
    try:
        values = {
            "kind": _choice(kind, Collateral.Kind, gettext_lazy("Kind")),
            "description": _text(description, gettext_lazy("Description"), max_length=500, required=True),
            "registration_no": _text(registration_no, gettext_lazy("Registration number"), max_length=100),
            "appraised_value": _money(appraised_value, gettext_lazy("Appraised value"), allow_none=True),
            "appraised_on": _date(appraised_on, gettext_lazy("Appraised on")),
            "currency": m.validate_currency(currency),
        }
    except _RowError as exc:
        raise DomainError(str(exc.message)) from None
    except m.MoneyError as exc:
        raise DomainError(str(exc.message)) from None
    collateral = Collateral.objects.create(creditor=creditor, owner=owner, **values)
    collateral.security_contracts.set(security_contracts)
    audit.record(
        actor=actor,
        action="collateral.created",
        target=collateral,
        stream=audit.stream_key("creditor", creditor.pk),
        changes=values
        | {"owner": owner.pk if owner else None, "security_contracts": [s.pk for s in security_contracts]},
    )
    return collateral
