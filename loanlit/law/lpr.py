"""Loan Prime Rate (贷款市场报价利率, LPR) table and look-up.

Since 2019-08-20 CFETS publishes the one-year and five-year-plus LPR monthly on the PBoC's authority
(PBoC Announcement [2019] No. 15; Private Lending Provisions art. 25 para 2 names it as the benchmark).
A value applies from its publication day until the next publication (vectors LK1, LK2; a contract
formed on a publication day is under the new value, I04 [practice]).

The shipped table is ``data/lpr.csv`` with a ``verified_through`` date. A date after it is refused
with LawInputError ``lpr.not_verified`` rather than guessed (rules.md decision "LPR for a date after
the last verified row"). Administrators add later rows in the database; the caller builds a table
from them with ``LprTable.extended`` and passes it as ``table=``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Final

from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError

LPR_REFORM_DATE: Final = date(2019, 8, 20)
_DATA_FILE: Final = Path(__file__).with_name("data") / "lpr.csv"
_VERIFIED_MARK: Final = "# verified_through:"


@dataclass(frozen=True)
class LprRow:
    """One LPR publication: rates in %/year (Decimal("3.45") is 3.45 %), applying from ``published``."""

    lpr_1y: Decimal
    lpr_5y: Decimal
    published: date

    def explanation(self) -> Msg:
        return Msg("lpr.row", {"published": self.published, "lpr_1y": self.lpr_1y, "lpr_5y": self.lpr_5y})


@dataclass(frozen=True)
class LprTable:
    """LPR publications in date order and the last date for which the table is known to be complete."""

    rows: tuple[LprRow, ...]
    verified_through: date

    def __post_init__(self) -> None:
        dates = [row.published for row in self.rows]
        if not dates or dates != sorted(set(dates)):
            raise LawInputError("lpr.table_unordered")
        if self.verified_through < dates[-1]:
            raise LawInputError("lpr.table_verified_before_last_row", verified_through=self.verified_through)

    def on(self, day: date) -> LprRow:
        """The row in force on ``day``: the latest publication on or before it."""
        if day < self.rows[0].published:
            raise LawInputError("lpr.before_reform", date=day, first=self.rows[0].published)
        if day > self.verified_through:
            raise LawInputError("lpr.not_verified", date=day, verified_through=self.verified_through)
        found = self.rows[0]
        for row in self.rows:
            if row.published > day:
                break
            found = row
        return found

    def extended(self, rows: Iterable[LprRow], verified_through: date) -> LprTable:
        """This table plus administrator-entered rows (a later row for the same date replaces ours)."""
        by_date = {row.published: row for row in self.rows}
        by_date.update({row.published: row for row in rows})
        return LprTable(
            rows=tuple(by_date[d] for d in sorted(by_date)),
            verified_through=max(verified_through, self.verified_through),
        )


register(
    {
        "lpr.row": (
            "{published} 公布的贷款市场报价利率（LPR）：一年期 {lpr_1y}%，五年期以上 {lpr_5y}%",
            "Loan Prime Rate published {published}: one-year {lpr_1y} %, five-year-plus {lpr_5y} %",
        ),
        "lpr.before_reform": (
            "{date} 早于 LPR 首次公布日 {first}（2019 年 LPR 形成机制改革），无 LPR 可用",
            "{date} is before the first LPR publication of {first} (2019 LPR reform); no LPR applies",
        ),
        "lpr.not_verified": (
            "LPR 表只核实至 {verified_through}，无法确定 {date} "
            "适用的 LPR；请管理员录入中国人民银行授权全国银行间同业拆借中心公布的数值",
            "The LPR table is verified only through {verified_through}; the LPR for {date} is unknown. "
            "An administrator must enter the value published by CFETS",
        ),
        "lpr.table_unordered": (
            "LPR 表为空、日期重复或未按日期排序",
            "The LPR table is empty, has duplicate dates or is out of date order",
        ),
        "lpr.table_verified_before_last_row": (
            "LPR 表的核实截止日 {verified_through} 早于最后一行的公布日",
            "The LPR table's verified-through date {verified_through} is before its last row",
        ),
        "lpr.bad_data": (
            "LPR 数据第 {line} 行无法解析：{text}",
            "LPR data line {line} cannot be read: {text}",
        ),
    }
)


def parse_lpr_csv(text: str) -> LprTable:
    """Read ``published,lpr_1y_pct,lpr_5y_pct`` rows; ``# verified_through: YYYY-MM-DD`` sets the date."""
    verified: date | None = None
    data_lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(_VERIFIED_MARK):
            verified = date.fromisoformat(stripped[len(_VERIFIED_MARK) :].split()[0])
        elif stripped and not stripped.startswith("#"):
            data_lines.append(stripped)
    rows: list[LprRow] = []
    for number, record in enumerate(csv.DictReader(io.StringIO("\n".join(data_lines))), start=2):
        try:
            rows.append(
                LprRow(
                    lpr_1y=Decimal(record["lpr_1y_pct"]),
                    lpr_5y=Decimal(record["lpr_5y_pct"]),
                    published=date.fromisoformat(record["published"]),
                )
            )
        except (KeyError, TypeError, ValueError, InvalidOperation):
            raise LawInputError("lpr.bad_data", line=number, text=",".join(str(v) for v in record.values()))
    if verified is None:
        verified = rows[-1].published if rows else LPR_REFORM_DATE
    return LprTable(rows=tuple(rows), verified_through=verified)


@lru_cache(maxsize=1)
def default_lpr_table() -> LprTable:
    """The table shipped in ``data/lpr.csv``."""
    return parse_lpr_csv(_DATA_FILE.read_text(encoding="utf-8"))


LPR_VERIFIED_THROUGH: Final = default_lpr_table().verified_through


def lpr_on(day: date, *, table: LprTable | None = None) -> LprRow:
    """The LPR in force on ``day`` (latest publication on or before it; rows L01–L72, LK1, LK2).

    Refused (LawInputError) before 2019-08-20 (``lpr.before_reform``) and after the table's
    ``verified_through`` date (``lpr.not_verified``; L99).
    """
    return (table or default_lpr_table()).on(day)
