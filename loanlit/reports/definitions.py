"""What the statistics count, in one place: dimensions, measures, rates with their definitions, outcome
classes, disposal methods, aging buckets and province names.

The dashboard, the fixed reports, the report builder and the exports all read these, so a figure has
one name and one definition everywhere. Rates are Decimal percentages with two places, ROUND_HALF_UP,
and ``None`` when the denominator is zero (shown as "—", never as 0 %).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ZERO: Final = Decimal("0.00")
HUNDRED: Final = Decimal(100)
RATE_PLACES: Final = Decimal("0.01")
DAY_PLACES: Final = Decimal("0.1")


# --- dimensions ------------------------------------------------------------------------------------------
# code → (label, CaseFact field the key comes from). "all" is the cell total (key ""); "branch" groups the
# summary rows by the next unit level under the scope unit (no rows of its own); "cohort" groups by
# filing month (the summary's cohort_month column; no rows of its own).


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str | Promise
    fact_field: str  # the CaseFact column (for "branch" and "cohort": the column grouped on)
    stored: bool = True  # has SummaryRow rows of its own


DIMENSIONS: Final[dict[str, Dimension]] = {
    d.code: d
    for d in (
        Dimension("court_province", _("Region (court's province)"), "court_province"),
        Dimension("borrower_province", _("Borrower's registered region"), "borrower_province"),
        Dimension("branch", _("Branch"), "unit_path", stored=False),
        Dimension("court", _("Court"), "court_id"),
        Dimension("product", _("Product"), "product"),
        Dimension("cause", _("Cause of action"), "cause_of_action"),
        Dimension("handler", _("Handler"), "handler_id"),
        Dimension("law_firm", _("Law firm"), "law_firm_id"),
        Dimension("stage", _("Stage"), "stage"),
        Dimension("position", _("Procedural position"), "position"),
        Dimension("outcome", _("Outcome"), "outcome_class"),
        Dimension("cohort", _("Filing month"), "cohort_month", stored=False),
    )
}
STORED_DIMENSIONS: Final = tuple(code for code, d in DIMENSIONS.items() if d.stored)
ALL: Final = "all"  # the dimension of a cell's total row (key "")

# Filters the summary tables answer (creditor, unit subtree, filing-month range). Any other filter makes
# the figures come from live queries over CaseFact (exact, slower; the page says so).
SUMMARY_FILTERS: Final = frozenset({"creditor", "unit", "period_from", "period_to", "currency"})
# Amounts are shown in one currency at a time (summary rows are per claim currency); CNY unless chosen.
DEFAULT_CURRENCY: Final = "CNY"


# --- measures --------------------------------------------------------------------------------------------

MONEY_MEASURES: Final = (
    "claim",
    "claim_principal",
    "adjudicated",
    "recovered",
    "recovered_adjudicated",
    "recovered_after_write_off",
    "recovered_cash",
    "recovered_in_kind",
    "recovered_transfer",
    "recovered_restructuring",
    "written_off_amount",
    "costs",
)
COUNT_MEASURES: Final = (
    "cases",
    "open_cases",
    "closed_cases",
    "foreign_cases",
    "adjudicated_cases",
    "recovered_cases",
    "enforcement_cases",
    "terminated_cases",
    "written_off_cases",
    "won",
    "partly_won",
    "lost",
    "recovered_withdrawn",
    "withdrawn",
    "pending",
    "judgment_days",
    "judgment_n",
    "recovery_days",
    "recovery_n",
    "close_days",
    "close_n",
)


def _rate(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _mean(total: int, n: int) -> Decimal | None:
    if not n:
        return None
    return (Decimal(total) / Decimal(n)).quantize(DAY_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class Measures:
    """Sums over a set of cases (the SummaryRow columns), with the rates derived from them."""

    cases: int = 0
    open_cases: int = 0
    closed_cases: int = 0
    foreign_cases: int = 0
    adjudicated_cases: int = 0
    recovered_cases: int = 0
    enforcement_cases: int = 0
    terminated_cases: int = 0
    written_off_cases: int = 0
    won: int = 0
    partly_won: int = 0
    lost: int = 0
    recovered_withdrawn: int = 0
    withdrawn: int = 0
    pending: int = 0
    claim: Decimal = ZERO
    claim_principal: Decimal = ZERO
    adjudicated: Decimal = ZERO
    recovered: Decimal = ZERO
    recovered_adjudicated: Decimal = ZERO
    recovered_after_write_off: Decimal = ZERO
    recovered_cash: Decimal = ZERO
    recovered_in_kind: Decimal = ZERO
    recovered_transfer: Decimal = ZERO
    recovered_restructuring: Decimal = ZERO
    written_off_amount: Decimal = ZERO
    costs: Decimal = ZERO
    judgment_days: int = 0
    judgment_n: int = 0
    recovery_days: int = 0
    recovery_n: int = 0
    close_days: int = 0
    close_n: int = 0

    @classmethod
    def from_mapping(cls, row: dict[str, Any]) -> Measures:
        """From a ``values()`` row of sums (None → 0; money as Decimal, counts as int)."""
        out = cls()
        for f in fields(cls):
            value = row.get(f.name)
            if value is None:
                continue
            setattr(out, f.name, Decimal(value).quantize(RATE_PLACES) if f.name in MONEY_MEASURES else int(value))
        return out

    def __add__(self, other: Measures) -> Measures:
        return Measures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    # --- rates (definitions in RATE_DEFINITIONS) ---
    @property
    def decided(self) -> int:
        return self.won + self.partly_won + self.lost

    @property
    def won_rate(self) -> Decimal | None:
        return _rate(self.won, self.decided)

    @property
    def partly_won_rate(self) -> Decimal | None:
        return _rate(self.partly_won, self.decided)

    @property
    def lost_rate(self) -> Decimal | None:
        return _rate(self.lost, self.decided)

    @property
    def recovery_rate(self) -> Decimal | None:
        return _rate(self.recovered_adjudicated, self.adjudicated)

    @property
    def recovery_rate_claim(self) -> Decimal | None:
        return _rate(self.recovered, self.claim)

    @property
    def terminated_rate(self) -> Decimal | None:
        return _rate(self.terminated_cases, self.enforcement_cases)

    @property
    def cost_ratio(self) -> Decimal | None:
        return _rate(self.costs, self.recovered)

    @property
    def mean_days_to_judgment(self) -> Decimal | None:
        return _mean(self.judgment_days, self.judgment_n)

    @property
    def mean_days_to_recovery(self) -> Decimal | None:
        return _mean(self.recovery_days, self.recovery_n)

    @property
    def mean_days_to_close(self) -> Decimal | None:
        return _mean(self.close_days, self.close_n)


@dataclass(frozen=True)
class Measure:
    code: str
    label: str | Promise
    kind: str  # "count" | "money" | "rate" | "days"
    definition: str | Promise = ""


MEASURES: Final[dict[str, Measure]] = {
    m.code: m
    for m in (
        Measure("cases", _("Cases"), "count", _("Cases opened, within the filters.")),
        Measure("open_cases", _("Open cases"), "count", _("Cases not closed.")),
        Measure("claim", _("Claim"), "money", _("Claim totals of the cases in the currency shown.")),
        Measure(
            "adjudicated",
            _("Adjudicated"),
            "money",
            _(
                "Principal, interest, penalty, compound interest and lawyer's fees awarded by the final trial "
                "judgment or mediation statement."
            ),
        ),
        Measure(
            "recovered",
            _("Recovered"),
            "money",
            _("Every recovery received, before and after judgment, in cash or in kind."),
        ),
        Measure(
            "recovered_after_write_off",
            _("Recovered after write-off"),
            "money",
            _("Recoveries received after the loan was written off (账销案存)."),
        ),
        Measure(
            "costs",
            _("Costs"),
            "money",
            _("Costs paid (court, preservation, publication, appraisal, enforcement and lawyer's fees) less refunds."),
        ),
        Measure(
            "won_rate",
            _("Won"),
            "rate",
            _(
                "Won ÷ cases with a trial outcome (won, partly won, lost). Won: the principal claimed was "
                "supported in full and so was everything else claimed."
            ),
        ),
        Measure(
            "partly_won_rate",
            _("Partly won"),
            "rate",
            _(
                "Partly won ÷ cases with a trial outcome. Partly won: the principal was supported in full, "
                "interest or fees were reduced."
            ),
        ),
        Measure(
            "lost_rate",
            _("Lost"),
            "rate",
            _(
                "Lost ÷ cases with a trial outcome. Lost: the principal was not supported in full, or the "
                "claim was dismissed."
            ),
        ),
        Measure(
            "recovery_rate",
            _("Enforcement recovery rate"),
            "rate",
            _("执行到位率: recovered on adjudicated cases ÷ adjudicated amount."),
        ),
        Measure("recovery_rate_claim", _("Recovery rate on the claim"), "rate", _("Recovered ÷ claim totals.")),
        Measure(
            "terminated_rate",
            _("Terminated-for-now rate"),
            "rate",
            _("终本率: cases ever terminated for now ÷ cases that entered enforcement."),
        ),
        Measure("cost_ratio", _("Cost ratio"), "rate", _("Costs ÷ recovered.")),
        Measure(
            "mean_days_to_judgment",
            _("Mean days to judgment"),
            "days",
            _("From the day the case was opened to the day the final trial judgment was given."),
        ),
        Measure(
            "mean_days_to_recovery",
            _("Mean days to first recovery"),
            "days",
            _("From the day the case was opened to the first recovery received."),
        ),
        Measure(
            "mean_days_to_close",
            _("Mean days to close"),
            "days",
            _("From the day the case was opened to the day it was closed."),
        ),
    )
}

OUTCOME_DEFINITIONS: Final[dict[str, str | Promise]] = {
    "won": _(
        "The final trial judgment or mediation supported the principal claimed in full, and interest, "
        "penalty, compound interest and fees in full."
    ),
    "partly_won": _(
        "The principal claimed was supported in full; interest, penalty, compound interest or fees were reduced."
    ),
    "lost": _("The principal claimed was not supported in full, or the claim was dismissed."),
    "recovered_withdrawn": _(
        "The claim was withdrawn after the debt was paid in full: recovered, not a trial outcome."
    ),
    "withdrawn": _("The claim was withdrawn without full payment."),
    "pending": _("No trial proceeding has a result yet."),
}


# --- disposal methods (recovery by disposal method) ------------------------------------------------------

DISPOSAL_METHODS: Final[dict[str, tuple[str | Promise, str]]] = {
    # code → (label, Measures field)
    "cash": (_("Cash"), "recovered_cash"),
    "in_kind": (_("Settlement in kind"), "recovered_in_kind"),
    "write_off": (_("Write-off"), "written_off_amount"),
    "transfer": (_("Debt transfer"), "recovered_transfer"),
    "restructuring": (_("Restructuring (settlement plan)"), "recovered_restructuring"),
}


# --- aging of open cases ---------------------------------------------------------------------------------
# Whole months from the filing month to the current month (so the summary's filing month answers it).


@dataclass(frozen=True)
class AgingBucket:
    code: str
    label: str | Promise
    min_months: int
    max_months: int | None  # inclusive; None = no upper end


AGING_BUCKETS: Final = (
    AgingBucket("m0_2", _("Under 3 months"), 0, 2),
    AgingBucket("m3_5", _("3–5 months"), 3, 5),
    AgingBucket("m6_11", _("6–11 months"), 6, 11),
    AgingBucket("m12_23", _("1–2 years"), 12, 23),
    AgingBucket("m24_35", _("2–3 years"), 24, 35),
    AgingBucket("m36", _("3 years and more"), 36, None),
)


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier``'s month to ``later``'s month (2026-01-31 → 2026-02-01 is 1)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def aging_bucket(cohort_month: date, today: date) -> AgingBucket:
    months = max(0, months_between(cohort_month, today))
    for bucket in AGING_BUCKETS:
        if bucket.max_months is None or months <= bucket.max_months:
            return bucket
    return AGING_BUCKETS[-1]


def month_start(day: date) -> date:
    return day.replace(day=1)


# --- regional overdue signal -----------------------------------------------------------------------------
SIGNAL_TRAILING_MONTHS: Final = 6
SIGNAL_DEFINITION: Final = _(
    "A region is flagged when the loans that fell overdue this month outnumber its average over the "
    "previous six months."
)


# --- provinces (GB/T 2260, the first two digits of a region code) ----------------------------------------

PROVINCES: Final[dict[str, str | Promise]] = {
    "11": _("Beijing"),
    "12": _("Tianjin"),
    "13": _("Hebei"),
    "14": _("Shanxi"),
    "15": _("Inner Mongolia"),
    "21": _("Liaoning"),
    "22": _("Jilin"),
    "23": _("Heilongjiang"),
    "31": _("Shanghai"),
    "32": _("Jiangsu"),
    "33": _("Zhejiang"),
    "34": _("Anhui"),
    "35": _("Fujian"),
    "36": _("Jiangxi"),
    "37": _("Shandong"),
    "41": _("Henan"),
    "42": _("Hubei"),
    "43": _("Hunan"),
    "44": _("Guangdong"),
    "45": _("Guangxi"),
    "46": _("Hainan"),
    "50": _("Chongqing"),
    "51": _("Sichuan"),
    "52": _("Guizhou"),
    "53": _("Yunnan"),
    "54": _("Tibet"),
    "61": _("Shaanxi"),
    "62": _("Gansu"),
    "63": _("Qinghai"),
    "64": _("Ningxia"),
    "65": _("Xinjiang"),
    "71": _("Taiwan"),
    "81": _("Hong Kong"),
    "82": _("Macao"),
}
UNKNOWN_LABEL: Final = _("Not known")


def province_label(code: str) -> str:
    return str(PROVINCES.get(code, UNKNOWN_LABEL)) if code else str(UNKNOWN_LABEL)
