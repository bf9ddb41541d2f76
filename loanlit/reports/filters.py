"""The filters every statistics widget, report and drill-down shares (one dataclass, one query string).

Parsed and validated from GET parameters by ``forms.StatsFilterForm`` (translated errors); turned back
into a query string for drill-down links and exports by :meth:`StatsFilters.query`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any, Final
from urllib.parse import urlencode

from loanlit.reports.definitions import DEFAULT_CURRENCY, SUMMARY_FILTERS


@dataclass(frozen=True)
class StatsFilters:
    creditor: int | None = None  # Creditor pk
    unit: int | None = None  # OrgUnit pk: its subtree
    period_from: date | None = None  # first filing month (the day is ignored: month precision)
    period_to: date | None = None  # last filing month, inclusive
    court: int | None = None
    court_province: str = ""
    borrower_province: str = ""
    product: str = ""
    cause: str = ""
    handler: int | None = None
    law_firm: int | None = None
    stage: str = ""
    position: str = ""
    outcome: str = ""
    open_only: bool = False
    # The currency whose amounts are shown (cases in other currencies are counted, their amounts not added).
    currency: str = DEFAULT_CURRENCY

    def active(self) -> dict[str, Any]:
        """The filters that are set (the currency only when it is not the default)."""
        return {
            k: v
            for k, v in asdict(self).items()
            if v not in (None, "", False) and not (k == "currency" and v == DEFAULT_CURRENCY)
        }

    @property
    def summary_capable(self) -> bool:
        """Whether the summary tables can answer (only creditor, unit and filing-month range set)."""
        return set(self.active()) <= SUMMARY_FILTERS

    def query(self, **extra: Any) -> str:
        """``a=1&b=2`` of the set filters plus ``extra`` (for drill-down links and export URLs)."""
        params: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "", False) or (f.name == "currency" and value == DEFAULT_CURRENCY):
                continue
            if isinstance(value, date):
                value = value.strftime("%Y-%m")
            elif value is True:
                value = "1"
            params[f.name] = value
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(params)


MAX_ID_DIGITS: Final = 18  # any 18-digit number fits a 64-bit row id


def key_pk(key: str) -> int | None:
    """A bucket key or parameter naming a row id: ASCII digits that fit a 64-bit id, else None (so "²",
    "٣" or a 30-digit number is no id rather than an error)."""
    text = key.strip() if isinstance(key, str) else ""
    if text and len(text) <= MAX_ID_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None
