"""A realistic loan file for the import benchmark: the standard template's Chinese headers, N rows.

``generate(path, rows, seed)`` writes an .xlsx with XlsxWriter in constant-memory mode (rows are
streamed, so 100,000 rows need a few MB), IDs, mobiles and contract numbers as text cells, dates as
real Excel dates, amounts as numbers. About 3 % of the rows are bad, one fault each: an ID whose
check character is wrong, a negative principal, an impossible date (text "2023-02-30"), a blank
required cell (the borrower's name). About 2 % of the good rows repeat an earlier borrower (the same
person with a second loan), as real portfolios do.

Headers, choice words and names are data: the loans kind's ``loans.json`` (the template headers and
their Chinese choice words) and the demo app's ``names.json`` (surnames, given names, branch
addresses); Python modules keep no Chinese literals. Run ``python bench/gen_import_file.py OUT.xlsx
--rows 100000`` to write one by hand.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOANS_JSON = ROOT / "loanlit" / "imports" / "kinds" / "loans.json"
NAMES_JSON = ROOT / "loanlit" / "demo" / "portfolio" / "names.json"

# Field keys of the loans kind, in the column order of the file.
COLUMNS = (
    "contract_no",
    "borrower_name",
    "borrower_id",
    "borrower_mobile",
    "borrower_address",
    "product",
    "currency",
    "principal",
    "annual_rate",
    "penalty_rate",
    "start_date",
    "maturity_date",
    "term_months",
    "repayment_method",
    "overdue_since",
    "risk_class",
    "balance_date",
    "principal_balance",
    "interest",
    "penalty",
    "fees",
    "unit_code",
)
# The branches the bench creates (codes of the demo's names.json), with their ID region codes.
UNITS = ("BJ", "BJ-CY", "GD", "GD-TH")
BAD_SHARE = 0.03
REPEAT_SHARE = 0.02
FAULTS = ("id_checksum", "negative_amount", "impossible_date", "blank_required")
PRODUCTS = (("consumer", 6), ("credit_card", 3), ("business", 1))
RISK = (("substandard", 6), ("doubtful", 3), ("loss", 1))
BIRTH_START = date(1960, 1, 1)
ORDERS = 998  # 499 order numbers per sex per birth date


@dataclass
class Generated:
    path: Path
    rows: int
    bad: dict[int, str] = field(default_factory=dict)  # row number in the sheet (header = 1) → fault

    @property
    def good(self) -> int:
        return self.rows - len(self.bad)


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def headers() -> dict[str, str]:
    """Field key → the standard template's header (from the loans kind's data file)."""
    fields = _load(LOANS_JSON).get("fields", {})
    missing = [key for key in COLUMNS if key not in fields]
    if missing:
        raise RuntimeError(f"{LOANS_JSON} has no header for {missing}")
    return {key: fields[key]["header"] for key in COLUMNS}


def choice_words() -> dict[str, dict[str, str]]:
    """Per choice field, value → the first Chinese word the kind accepts for it."""
    words: dict[str, dict[str, str]] = {}
    for name, synonyms in _load(LOANS_JSON).get("choice_synonyms", {}).items():
        mine = words.setdefault(name, {})
        for text, value in synonyms.items():
            mine.setdefault(value, text)
    return words


def _check_char(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def resident_id(region: str, n: int) -> str:
    """A valid 18-character resident ID, unique for n < 14,000 × 998 (birth date × order number)."""
    birth = BIRTH_START + timedelta(days=(n // ORDERS) % 14_000)
    body = f"{region}{birth:%Y%m%d}{n % ORDERS + 1:03d}"
    return body + _check_char(body)


def generate(path: Path, rows: int, *, seed: int = 6) -> Generated:
    import xlsxwriter  # type: ignore[import-untyped]

    rng = random.Random(seed)
    names = _load(NAMES_JSON)
    surnames = names.get("surnames") or ["S"]
    given = (names.get("given_male") or ["A"]) + (names.get("given_female") or ["B"])
    branches = names.get("branches", {})
    regions = {code: branches.get(code, {}).get("id_regions") or ["110101"] for code in UNITS}
    addresses = {code: branches.get(code, {}).get("address") or "Street {n}" for code in UNITS}
    words = choice_words()
    product_names = [p for p, _ in PRODUCTS]
    product_weights = [w for _, w in PRODUCTS]
    risk_names = [r for r, _ in RISK]
    risk_weights = [w for _, w in RISK]
    head = headers()

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money_format = workbook.add_format({"num_format": "#,##0.00"})
    for col, key in enumerate(COLUMNS):
        sheet.write_string(0, col, head[key])
    result = Generated(path=path, rows=rows)
    seen_borrowers: list[tuple[str, str, str, str]] = []
    for i in range(rows):
        excel_row = i + 1
        sheet_row = excel_row + 1  # 1-based, the header is row 1
        unit = UNITS[i % len(UNITS)]
        fault = rng.choice(FAULTS) if rng.random() < BAD_SHARE else ""
        if fault:
            result.bad[sheet_row] = fault
        if seen_borrowers and not fault and rng.random() < REPEAT_SHARE:
            name, id_number, mobile, address = rng.choice(seen_borrowers)
        else:
            name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))
            id_number = resident_id(rng.choice(regions[unit]), i)
            mobile = f"1{rng.choice((35, 36, 38, 39, 50, 58, 86, 88))}{rng.randrange(10**8):08d}"
            address = addresses[unit].format(n=rng.randrange(1, 999))
            if not fault:
                seen_borrowers.append((name, id_number, mobile, address))
                if len(seen_borrowers) > 5000:
                    seen_borrowers.pop(0)
        if fault == "id_checksum":
            last = id_number[-1]
            id_number = id_number[:-1] + ("0" if last != "0" else "1")
        if fault == "blank_required":
            name = ""
        product = rng.choices(product_names, weights=product_weights)[0]
        start = date(2018, 1, 1) + timedelta(days=rng.randrange(2400))
        term = rng.choice((12, 24, 36, 60))
        maturity = start + timedelta(days=term * 30)
        principal = Decimal(rng.randrange(500_000, 50_000_000)).scaleb(-2)
        if fault == "negative_amount":
            principal = -principal
        rate = Decimal(rng.randrange(3450, 18000)).scaleb(-3)
        overdue = start + timedelta(days=rng.randrange(30, 700))
        balance_date = date(2025, 6, 30)
        balance = (abs(principal) * Decimal(rng.randrange(30, 100)) / 100).quantize(Decimal("0.01"))
        interest = (balance * rate / 100 * Decimal(rng.randrange(30, 400)) / 360).quantize(Decimal("0.01"))
        penalty = (interest * Decimal("0.3")).quantize(Decimal("0.01"))
        values: dict[str, Any] = {
            "contract_no": f"JK-{2018 + i % 7}-{i:08d}",
            "borrower_name": name,
            "borrower_id": id_number,
            "borrower_mobile": mobile,
            "borrower_address": address,
            "product": words.get("product", {}).get(product, product),
            "currency": "CNY",
            "principal": principal,
            "annual_rate": rate,
            "penalty_rate": (rate * Decimal("1.5")).quantize(Decimal("0.001")),
            "start_date": start,
            "maturity_date": maturity,
            "term_months": term,
            "repayment_method": words.get("repayment_method", {}).get(
                "revolving" if product == "credit_card" else "equal_instalment", "other"
            ),
            "overdue_since": overdue,
            "risk_class": words.get("risk_class", {}).get(rng.choices(risk_names, weights=risk_weights)[0], ""),
            "balance_date": balance_date,
            "principal_balance": balance,
            "interest": interest,
            "penalty": penalty,
            "fees": Decimal(rng.choice((0, 0, 0, 50, 200))),
            "unit_code": unit,
        }
        for col, key in enumerate(COLUMNS):
            value = values[key]
            if key == "overdue_since" and fault == "impossible_date":
                sheet.write_string(excel_row, col, f"{overdue.year}-02-30")
            elif isinstance(value, date):
                sheet.write_datetime(excel_row, col, value, date_format)
            elif isinstance(value, Decimal):
                sheet.write_number(excel_row, col, float(value), money_format)
            elif isinstance(value, int):
                sheet.write_number(excel_row, col, value)
            elif value == "":
                sheet.write_blank(excel_row, col, None)
            else:
                sheet.write_string(excel_row, col, value)  # IDs, mobiles, numbers as text
    workbook.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    made = generate(args.out, args.rows, seed=args.seed)
    print(f"{made.path}: {made.rows:,} rows, {len(made.bad):,} bad")
    return 0


if __name__ == "__main__":
    sys.exit(main())
