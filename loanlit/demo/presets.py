"""Import presets for the public data sets in ../shared/real-inputs and the built-in sample.

The files carry no names, IDs, branches or contract numbers, so each preset's ``transform`` turns a
source row into the loans kind's fields with the demo's own rules (``portfolio.readers`` for the
figures, ``portfolio.builders`` for the loan and the case, ``portfolio.pseudonyms`` for the
deterministic pseudonymous borrower): the same row always gives the same loan, borrower and case.
Rows that are not in default come back as None (SKIPPED): 69 of the UCI file's 300 rows are
defaulters, 178 of LendingClub's 813 loans are late, in grace or charged off.

The case's opening day is drawn back from "today" (``builders.plan_case``): ``demo_today`` lets the
demo loader fix it for a run.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from typing import Final

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.demo.portfolio import readers
from loanlit.demo.portfolio.builders import (
    CARD_CAUSE,
    LOAN_CAUSE,
    UNITS,
    CasePlan,
    LoanPlan,
    _CaseNumbers,
    card_loan,
    lendingclub_loan,
    plan_case,
)
from loanlit.demo.portfolio.pseudonyms import PseudonymBook, seeded
from loanlit.imports.kinds import register_preset
from loanlit.imports.kinds.base import Preset
from loanlit.imports.table import Cell, CellKind

KIND: Final = "loans"
UCI: Final = "uci-taiwan-cards"
UCI_X: Final = "uci-taiwan-cards-x"
LENDINGCLUB: Final = "lendingclub"
SAMPLE_CARDS: Final = "demo-sample-cards"
SAMPLE_LOANS: Final = "demo-sample-loans"

# The day the demo cases' history is drawn back from; None: today.
demo_today: ContextVar[date | None] = ContextVar("demo_today", default=None)

Transform = Callable[[dict[str, Cell], int], dict[str, Cell] | None]
_X_HEADER: Final = {k.casefold(): v.casefold() for k, v in readers.UCI_X_HEADER.items()}


def _texts(cells: dict[str, Cell]) -> dict[str, str]:
    """The row as text by case-folded header, the UCI coded header (X1…Y) renamed to the Kaggle one."""
    out: dict[str, str] = {}
    for header, cell in cells.items():
        name = header.casefold()
        name = _X_HEADER.get(name, name)
        value = cell.value
        if cell.kind == CellKind.EMPTY or value is None:
            out[name] = ""
        elif isinstance(value, Decimal):
            out[name] = format(value, "f") if value == value.to_integral_value() else str(value)
        else:
            out[name] = str(value)
    return out


def _text(value: object) -> Cell:
    return Cell(CellKind.TEXT, str(value))


def _fields(loan: LoanPlan, case: CasePlan) -> dict[str, Cell]:
    person = loan.borrower
    out: dict[str, Cell] = {
        "contract_no": _text(loan.contract_no),
        "external_ref": _text(loan.external_ref),
        "unit_code": _text(loan.unit_code),
        "product": _text(loan.product),
        "currency": _text(loan.currency),
        "principal": _text(loan.principal),
        "annual_rate": _text(loan.annual_rate),
        "start_date": Cell(CellKind.DATE, loan.start_date),
        "repayment_method": _text(loan.repayment_method),
        "risk_class": _text(loan.risk_class),
        "written_off": Cell(CellKind.BOOL, loan.written_off),
        "borrower_name": _text(person.name),
        "borrower_id": _text(person.id_number),
        "borrower_mobile": _text(person.mobile),
        "borrower_address": _text(loan.address),
        "balance_date": Cell(CellKind.DATE, loan.snapshot.as_of),
        "principal_balance": _text(loan.snapshot.principal),
        "interest": _text(loan.snapshot.interest),
        "penalty": _text(loan.snapshot.penalty),
        "fees": _text(loan.snapshot.fees),
        "case_opened_on": Cell(CellKind.DATE, case.opened_on),
        "case_handler": _text(case.handler),
        "case_priority": _text(case.priority),
        "case_tags": _text(",".join(case.tags)),
    }
    if loan.penalty_rate is not None:
        out["penalty_rate"] = _text(loan.penalty_rate)
    if loan.term_months is not None:
        out["term_months"] = _text(loan.term_months)
    for key, day in (
        ("maturity_date", loan.maturity_date),
        ("overdue_since", loan.overdue_since),
        ("written_off_on", loan.written_off_on),
    ):
        if day is not None:
            out[key] = Cell(CellKind.DATE, day)
    return out


def _case(loan: LoanPlan, cause_key: str) -> CasePlan:
    # Only the case's opening (day, handler, priority, tags) is used here; its later life is the loader's.
    return plan_case(
        loan,
        cause_key=cause_key,
        unit_code=loan.unit_code,
        key=loan.external_ref,
        today=demo_today.get() or timezone.localdate(),
        book=PseudonymBook(),
        numbers=_CaseNumbers(),
    )


def card_row(texts: dict[str, str]) -> readers.CardDefaulter | None:
    """One UCI row as the reader reads it, or None when the client did not default."""
    if readers.integer_or_none(texts.get("default.payment.next.month")) != 1:
        return None
    limit = readers.decimal_or_none(texts.get("limit_bal"))
    if limit is None:
        raise readers.InputError("LIMIT_BAL is empty")
    return readers.CardDefaulter(
        source_id=texts.get("id", "").strip(),
        credit_limit=readers.to_cents(limit),
        sex=readers.integer_or_none(texts.get("sex")),
        age=readers.integer_or_none(texts.get("age")),
        months_delayed=readers.integer_or_none(texts.get("pay_0")) or 0,
        latest_bill=readers.money(texts.get("bill_amt1")) or Decimal("0.00"),
        latest_payment=readers.money(texts.get("pay_amt1")) or Decimal("0.00"),
    )


def loan_row(texts: dict[str, str], line: int) -> readers.DefaultedLoan | None:
    """One LendingClub row as the reader reads it (``line``: its line in the file), or None when not in default."""
    status = texts.get("loan_status", "").strip()
    if status not in readers.LENDINGCLUB_DEFAULT_STATUSES:
        return None
    zero = Decimal("0.00")

    def required(name: str) -> Decimal:
        value = readers.decimal_or_none(texts.get(name))
        if value is None:
            raise readers.InputError(f"{name} is empty")
        return value

    term = readers.integer_or_none(texts.get("term"))
    if term is None:
        raise readers.InputError("term is empty")
    return readers.DefaultedLoan(
        source_line=line,
        emp_title=" ".join(texts.get("emp_title", "").split()),
        state=texts.get("state", "").strip(),
        loan_amount=readers.to_cents(required("loan_amount")),
        term_months=term,
        interest_rate=required("interest_rate"),
        installment=readers.money(texts.get("installment")) or zero,
        issued_on=readers.issue_month(texts.get("issue_month", "")),
        status=status,
        balance=readers.money(texts.get("balance")) or zero,
        paid_total=readers.money(texts.get("paid_total")) or zero,
        paid_principal=readers.money(texts.get("paid_principal")) or zero,
        paid_interest=readers.money(texts.get("paid_interest")) or zero,
        paid_late_fees=readers.money(texts.get("paid_late_fees")) or zero,
    )


def card_plan(source: str, row: readers.CardDefaulter) -> LoanPlan:
    unit = seeded(source, "unit", row.source_id).choice(UNITS)
    return card_loan(row, source=source, unit_code=unit, book=PseudonymBook())


def loan_plan(source: str, row: readers.DefaultedLoan) -> LoanPlan:
    unit = seeded(source, "unit", row.source_line).choice(UNITS)
    return lendingclub_loan(row, source=source, unit_code=unit, book=PseudonymBook())


def cards_transform(source: str) -> Transform:
    """The UCI credit-card file (either header) → loans of the credit-card product in TWD."""

    def transform(cells: dict[str, Cell], number: int) -> dict[str, Cell] | None:
        row = card_row(_texts(cells))
        if row is None:
            return None
        loan = card_plan(source, row)
        return _fields(loan, _case(loan, CARD_CAUSE))

    return transform


def loans_transform(source: str) -> Transform:
    """The LendingClub file → consumer loans in USD; the source line number is the row's identity."""

    def transform(cells: dict[str, Cell], number: int) -> dict[str, Cell] | None:
        row = loan_row(_texts(cells), number)
        if row is None:
            return None
        loan = loan_plan(source, row)
        return _fields(loan, _case(loan, LOAN_CAUSE))

    return transform


UCI_HEADERS: Final = ("ID", "LIMIT_BAL", "PAY_0", "BILL_AMT1", "default.payment.next.month")
UCI_X_HEADERS: Final = ("ID", "X1", "X6", "X12", "Y")
LENDINGCLUB_HEADERS: Final = ("loan_amount", "term", "interest_rate", "issue_month", "loan_status", "balance")


def presets() -> list[Preset]:
    grouping = {"grouping": "contract"}
    return [
        Preset(
            code=UCI,
            label=_("UCI credit-card defaults (Taiwan, 2005)"),
            kind=KIND,
            required_headers=UCI_HEADERS,
            options=grouping,
            transform=cards_transform("uci"),
            description=_(
                "Defaulted clients only; pseudonymous borrowers, demo branches, a card rate of 18.25 percent "
                "a year and balances as of 2005-09-30."
            ),
        ),
        Preset(
            code=UCI_X,
            label=_("UCI credit-card defaults, coded header X1…Y"),
            kind=KIND,
            required_headers=UCI_X_HEADERS,
            options=grouping,
            transform=cards_transform("uci"),
            description=_("The same data set in its original coded header."),
        ),
        Preset(
            code=LENDINGCLUB,
            label=_("LendingClub loans (2018)"),
            kind=KIND,
            required_headers=LENDINGCLUB_HEADERS,
            options=grouping,
            transform=loans_transform("lendingclub"),
            description=_(
                "Late, in-grace and charged-off loans only; pseudonymous borrowers and demo branches, "
                "balances as of 2018-06-30."
            ),
        ),
        Preset(
            code=SAMPLE_CARDS,
            label=_("Demo sample: credit cards"),
            kind=KIND,
            options=grouping,
            transform=cards_transform("sample-cards"),
        ),
        Preset(
            code=SAMPLE_LOANS,
            label=_("Demo sample: loans"),
            kind=KIND,
            options=grouping,
            transform=loans_transform("sample-loans"),
        ),
    ]


def register() -> None:
    for preset in presets():
        register_preset(preset)
