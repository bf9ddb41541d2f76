"""Readers for the real inputs in ../shared/real-inputs (see its README.md) and the built-in sample.

Every amount is parsed from its text straight into a Decimal, never through float: the UCI file has
values like ``5.00E+05`` (``Decimal("5.00E+05")`` is exactly 500000) and the LendingClub file has
money with up to 10 decimals, which we round half up to the cent on purpose (``to_cents``) — the
source system's rounding is not known, and a silent truncation would lose up to a cent per figure.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Final

CENT: Final = Decimal("0.01")
MISSING: Final = frozenset({"", "nan", "na", "n/a", "null", "none"})

UCI_FILE: Final = "uci_taiwan_credit_card_default_sample300.csv"
UCI_X_FILE: Final = "uci_taiwan_credit_card_default_sample300_Xheader.csv"
LENDINGCLUB_FILE: Final = "lendingclub_openintro_loans_full_schema_sample.csv"

# The original UCI coding (X1..X23, Y) mapped to the Kaggle-style names the reader uses.
UCI_X_HEADER: Final[dict[str, str]] = {
    "X1": "LIMIT_BAL",
    "X2": "SEX",
    "X3": "EDUCATION",
    "X4": "MARRIAGE",
    "X5": "AGE",
    "X6": "PAY_0",
    "X7": "PAY_2",
    "X8": "PAY_3",
    "X9": "PAY_4",
    "X10": "PAY_5",
    "X11": "PAY_6",
    **{f"X{12 + i}": f"BILL_AMT{1 + i}" for i in range(6)},
    **{f"X{18 + i}": f"PAY_AMT{1 + i}" for i in range(6)},
    "Y": "default.payment.next.month",
}

# Loans a bank would sue on: past due, in grace or charged off (not Current, not Fully Paid).
LENDINGCLUB_DEFAULT_STATUSES: Final = frozenset(
    {"Late (31-120 days)", "Late (16-30 days)", "In Grace Period", "Charged Off"}
)
MONTH_NAMES: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS: Final = {m: i for i, m in enumerate(MONTH_NAMES, start=1)}


class InputError(ValueError):
    """A row the reader cannot use, with the file, line and column."""


def decimal_or_none(text: str | None) -> Decimal | None:
    """The exact Decimal written in ``text``; ``None`` for an empty or ``nan`` cell."""
    raw = (text or "").strip()
    if raw.lower() in MISSING:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InputError(f"not a number: {raw!r}") from None
    if not value.is_finite():
        return None
    return value


def to_cents(value: Decimal) -> Decimal:
    """Round half up to the cent (stated rule for the LendingClub amounts with 10 decimals)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(text: str | None) -> Decimal | None:
    value = decimal_or_none(text)
    return None if value is None else to_cents(value)


def integer_or_none(text: str | None) -> int | None:
    value = decimal_or_none(text)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise InputError(f"not a whole number: {text!r}")
    return int(value)


def issue_month(text: str) -> date:
    """``Mar-2018`` → 2018-03-01."""
    try:
        month, year = text.strip().split("-")
        return date(int(year), MONTHS[month.title()], 1)
    except (KeyError, ValueError):
        raise InputError(f"not an issue month like Mar-2018: {text!r}") from None


@dataclass(frozen=True)
class CardDefaulter:
    """One UCI credit-card client with a default next month (amounts in TWD, Apr–Sep 2005)."""

    source_id: str
    credit_limit: Decimal
    sex: int | None  # 1 = male, 2 = female
    age: int | None  # None where the copy has ``nan``
    months_delayed: int  # PAY_0 (September 2005): months of delay, ≤ 0 means paid duly
    latest_bill: Decimal  # BILL_AMT1, the September 2005 statement
    latest_payment: Decimal  # PAY_AMT1

    @property
    def days_past_due(self) -> int:
        return max(self.months_delayed, 0) * 30


@dataclass(frozen=True)
class DefaultedLoan:
    """One LendingClub loan that is late, in grace or charged off (amounts in USD)."""

    source_line: int
    emp_title: str
    state: str
    loan_amount: Decimal
    term_months: int
    interest_rate: Decimal
    installment: Decimal
    issued_on: date
    status: str
    balance: Decimal
    paid_total: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    paid_late_fees: Decimal

    @property
    def external_ref(self) -> str:
        return f"lendingclub:{self.source_line}"


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        rename = UCI_X_HEADER if "X1" in header else {}
        for row in reader:
            yield reader.line_num, {rename.get(k, k): (v or "") for k, v in row.items() if k is not None}


def _required(value: Decimal | None, path: Path, line: int, column: str) -> Decimal:
    if value is None:
        raise InputError(f"{path.name}:{line}: {column} is empty")
    return value


def _required_int(value: int | None, path: Path, line: int, column: str) -> int:
    if value is None:
        raise InputError(f"{path.name}:{line}: {column} is empty")
    return value


def read_card_defaulters(path: Path) -> list[CardDefaulter]:
    """Defaulters (``default.payment.next.month`` / ``Y`` = 1) from either UCI copy, in file order."""
    found = []
    for line, row in _rows(path):
        try:
            if integer_or_none(row.get("default.payment.next.month")) != 1:
                continue
            found.append(
                CardDefaulter(
                    source_id=row["ID"].strip(),
                    credit_limit=to_cents(_required(decimal_or_none(row["LIMIT_BAL"]), path, line, "LIMIT_BAL")),
                    sex=integer_or_none(row.get("SEX")),
                    age=integer_or_none(row.get("AGE")),
                    months_delayed=integer_or_none(row.get("PAY_0")) or 0,
                    latest_bill=money(row.get("BILL_AMT1")) or Decimal("0.00"),
                    latest_payment=money(row.get("PAY_AMT1")) or Decimal("0.00"),
                )
            )
        except InputError as exc:
            raise InputError(f"{path.name}:{line}: {exc}") from None
    return found


def read_defaulted_loans(path: Path) -> list[DefaultedLoan]:
    """Late, in-grace and charged-off loans from the LendingClub sample, in file order."""
    found = []
    zero = Decimal("0.00")
    for line, row in _rows(path):
        status = row.get("loan_status", "").strip()
        if status not in LENDINGCLUB_DEFAULT_STATUSES:
            continue
        try:
            found.append(
                DefaultedLoan(
                    source_line=line,
                    emp_title=" ".join(row.get("emp_title", "").split()),
                    state=row.get("state", "").strip(),
                    loan_amount=to_cents(_required(decimal_or_none(row["loan_amount"]), path, line, "loan_amount")),
                    term_months=_required_int(integer_or_none(row["term"]), path, line, "term"),
                    interest_rate=_required(decimal_or_none(row["interest_rate"]), path, line, "interest_rate"),
                    installment=money(row.get("installment")) or zero,
                    issued_on=issue_month(row["issue_month"]),
                    status=status,
                    balance=money(row.get("balance")) or zero,
                    paid_total=money(row.get("paid_total")) or zero,
                    paid_principal=money(row.get("paid_principal")) or zero,
                    paid_interest=money(row.get("paid_interest")) or zero,
                    paid_late_fees=money(row.get("paid_late_fees")) or zero,
                )
            )
        except InputError as exc:
            raise InputError(f"{path.name}:{line}: {exc}") from None
    return found
