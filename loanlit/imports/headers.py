"""Header rules: what a column header means once the file's typing habits are taken away, and which row
of the first rows is the header (issue 6).

    normalise_header(text: str) -> str
        NFKC, invisible characters (zero-width spaces, a stray BOM) removed, trimmed of ASCII and
        ideographic spaces, inner runs of whitespace (line breaks from Alt+Enter included) collapsed to
        one space — and dropped next to a CJK character, so "借款人\\n身份证号" and "借款人身份证号" are one
        header —, required marks ("*" before or after, "(必填)", "（必填）", "【必填】", "(required)")
        removed, Latin letters case-folded.
    detect_header_row(rows: Sequence[Sequence[Cell]], *, known_headers: Collection[str] = ()) -> int
        0-based index of the header among the first ``HEADER_SCAN_ROWS`` rows: the row naming the most
        known headers, then the row with the most distinct header-like texts; the first such row wins a
        tie, so title rows ("XX银行不良贷款清单") and merged group titles ("借款人信息") above the header
        and data rows below it lose.
    duplicate_headers(headers: Sequence[str]) -> dict[str, list[int]]
        Normalised header → its 0-based columns, for every non-empty header found more than once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Final

from loanlit.imports.table import Cell, CellKind
from loanlit.imports.words import marks, words

HEADER_SCAN_ROWS: Final = 30

_INVISIBLE: Final = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]")
_WHITESPACE: Final = re.compile(r"\s+")
_CJK: Final = (
    r"\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
)
# A space with a CJK character (or CJK punctuation) on either side carries no meaning in a header.
_SPACE_BY_CJK: Final = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")
_STARS: Final = re.compile(r"^\*+\s*|\s*\*+$")


@cache
def _required_mark() -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word) for word in words("required_marks"))
    # "(必填)", "[必填]", "【必填】" (NFKC has turned "（）" into "()"), "(*)" — at the start or the end.
    bracketed = rf"[(\[\u3010]\s*(?:{alternatives}|\*)\s*[)\]\u3011]"
    return re.compile(rf"^\s*{bracketed}\s*|\s*{bracketed}\s*$", re.IGNORECASE)


def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _WHITESPACE.sub(" ", text).strip()  # \s covers the ideographic space U+3000
    required = _required_mark()
    while True:
        stripped = _STARS.sub("", required.sub("", text)).strip()
        if stripped == text:
            break
        text = stripped
    text = _SPACE_BY_CJK.sub("", text)
    return text.casefold()


def cell_text(cell: Cell) -> str:
    """A cell as header text: text as written, a number without ".0", a date in ISO form."""
    value = cell.value
    if cell.kind == CellKind.TEXT:
        return str(value)
    if cell.kind == CellKind.NUMBER and isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if cell.kind == CellKind.BOOL:
        return "TRUE" if value else "FALSE"
    if cell.kind == CellKind.ERROR:
        return str(value or "")
    return ""


def plain_number(value: Decimal) -> str:
    """A Decimal as people write it: no exponent, no ".0" on a whole number."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value, "f")


_CODE: Final = re.compile(r"[a-z]{0,4}[-_/]?\d{4,}[a-z0-9_/-]*")  # HT2023001, 11010119900101123x


@cache
def _value_marks() -> frozenset[str]:
    """Letters that also appear in values: the marks of 2023年3月15日, 9时30分 and 1,000元."""
    found: set[str] = set()
    for part in ("year", "month", "day"):
        found.update("".join(marks("date_marks", part)))
    for part in ("hour", "minute", "second"):
        found.update("".join(marks("time_marks", part)))
    for word in words("currency_marks"):
        if not word.isascii():
            found.update(word)
    return frozenset(found)


def _header_like(text: str) -> bool:
    """Text that could name a column ("身份证号", "2023年余额", "列1", "loan amount") rather than be a
    value in one ("1,234.56", "2023-03-15", "2023年3月15日", "HT2023001", "1,000元")."""
    letters = {char for char in text if unicodedata.category(char).startswith("L")}
    if not letters or letters <= _value_marks():
        return False
    return not _CODE.fullmatch(text)


def _row_score(row: Sequence[Cell], known: Collection[str]) -> tuple[int, int]:
    texts: set[str] = set()
    for cell in row:
        if cell.kind != CellKind.TEXT:
            continue
        text = normalise_header(str(cell.value))
        if text and _header_like(text):
            texts.add(text)
    return (sum(1 for text in texts if text in known), len(texts))


def detect_header_row(rows: Sequence[Sequence[Cell]], *, known_headers: Collection[str] = ()) -> int:
    known = {normalise_header(text) for text in known_headers}
    known.discard("")
    best_index, best_score = 0, (0, 0)
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _row_score(row, known)
        if score > best_score:
            best_index, best_score = index, score
    return best_index


def duplicate_headers(headers: Sequence[str]) -> dict[str, list[int]]:
    columns: dict[str, list[int]] = defaultdict(list)
    for index, header in enumerate(headers):
        if header:
            columns[header].append(index)
    return {header: indexes for header, indexes in columns.items() if len(indexes) > 1}
