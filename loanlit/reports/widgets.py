"""The dashboard's widgets: what each shows (a registry), and the figures of one widget shaped for its
chart, its table and its export — one ``WidgetView`` feeds all three, so they never disagree.

A widget's numbers come from ``selectors.stats`` (scoped to the user); this module only arranges them,
formats them for display and builds the drill-down link of every figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.selectors import org_units_visible_to
from loanlit.cases import selectors as case_selectors
from loanlit.cases.models import CaseStage, Court
from loanlit.cases.positions import POSITION_LABELS
from loanlit.cases.templatetags.case_format import cause_label, money
from loanlit.loans.models import LoanContract
from loanlit.reports import exporting
from loanlit.reports.definitions import (
    AGING_BUCKETS,
    DIMENSIONS,
    MEASURES,
    OUTCOME_DEFINITIONS,
    SIGNAL_DEFINITION,
    UNKNOWN_LABEL,
    province_label,
)
from loanlit.reports.filters import StatsFilters, key_pk
from loanlit.reports.models import CycleDays, OutcomeClass
from loanlit.reports.selectors import stats

DASH: Final = "—"
PAGE_LIMIT: Final = 15  # long breakdowns (courts, handlers, …) show their largest buckets on the page
BREAKDOWN: Final = "breakdown"
AGING: Final = "aging"
CYCLE: Final = "cycle"
SIGNAL: Final = "signal"
FIRMS: Final = "firms"

COLUMN_TYPES: Final = {
    "count": exporting.COUNT,
    "money": exporting.MONEY,
    "rate": exporting.RATE,
    "days": exporting.DAYS,
    "text": exporting.TEXT,
    "decimal": exporting.MONEY,  # a two-place figure that is not an amount (the signal's average)
}

MONEY_COLUMNS: Final = ("cases", "claim", "adjudicated", "recovered", "recovery_rate")


@dataclass(frozen=True)
class Widget:
    slug: str
    title: str | Promise
    source: str  # BREAKDOWN | AGING | CYCLE | SIGNAL | FIRMS
    chart: str  # "hbar" | "bar" | "line" | "pie" (how dashboard.js draws it)
    first_label: str | Promise
    measures: tuple[str, ...] = MONEY_COLUMNS  # table columns (definitions.MEASURES codes)
    chart_measures: tuple[str, ...] = ("cases",)
    dimension: str = ""  # for BREAKDOWN
    limit: int | None = None  # on the page; exports have every bucket
    notes: tuple[str | Promise, ...] = ()


def _breakdown(slug: str, dimension: str, chart: str = "hbar", **kwargs: Any) -> Widget:
    d = DIMENSIONS[dimension]
    kwargs.setdefault("title", d.label)
    return Widget(slug=slug, source=BREAKDOWN, chart=chart, first_label=d.label, dimension=dimension, **kwargs)


AGING_NOTE: Final = _("Open cases by whole months from the filing month to this month.")
LIMIT_NOTE: Final = _("The page shows the largest buckets; the export has all of them.")

WIDGETS: Final[dict[str, Widget]] = {
    w.slug: w
    for w in (
        _breakdown("region", "court_province"),
        _breakdown("borrower_region", "borrower_province"),
        _breakdown("branch", "branch", measures=("cases", "open_cases", "claim", "recovered", "recovery_rate_claim")),
        _breakdown("court", "court", limit=PAGE_LIMIT, notes=(LIMIT_NOTE,)),
        _breakdown("product", "product"),
        _breakdown("cause", "cause", limit=PAGE_LIMIT, notes=(LIMIT_NOTE,)),
        _breakdown(
            "handler",
            "handler",
            limit=PAGE_LIMIT,
            measures=("cases", "open_cases", "claim", "recovered", "recovery_rate"),
            notes=(LIMIT_NOTE,),
        ),
        _breakdown("law_firm", "law_firm", limit=PAGE_LIMIT, notes=(LIMIT_NOTE,)),
        _breakdown("stage", "stage", measures=("cases", "open_cases", "claim", "recovered")),
        _breakdown("position", "position", measures=("cases", "open_cases", "claim", "adjudicated", "recovered")),
        _breakdown(
            "outcome",
            "outcome",
            chart="pie",
            title=_("Outcome classes"),
            measures=("cases", "claim", "adjudicated", "recovered"),
        ),
        _breakdown(
            "cohort",
            "cohort",
            chart="line",
            title=_("Filing-month cohorts"),
            measures=("cases", "claim", "adjudicated", "recovered", "recovery_rate_claim"),
            chart_measures=("cases", "recovered"),
        ),
        Widget(
            "aging",
            _("Aging of open cases"),
            AGING,
            "bar",
            _("Age"),
            measures=("open_cases",),
            chart_measures=("open_cases",),
            notes=(AGING_NOTE,),
        ),
        Widget(
            "cycle",
            _("Cycle times"),
            CYCLE,
            "bar",
            _("Milestone"),
            measures=(),
            chart_measures=("mean", "median"),
        ),
        Widget(
            "signal",
            _("Regional overdue signal"),
            SIGNAL,
            "hbar",
            _("Region"),
            measures=(),
            chart_measures=("this_month", "trailing_average"),
            notes=(SIGNAL_DEFINITION,),
        ),
        Widget(
            "firms",
            _("Law-firm ranking"),
            FIRMS,
            "hbar",
            _("Law firm"),
            measures=("cases", "recovered", "recovery_rate", "mean_days_to_recovery", "cost_ratio"),
            chart_measures=("recovery_rate",),
            notes=(_("Ranked by recovery rate, then speed (mean days to first recovery), then cost ratio."),),
        ),
    )
}
# How the page groups the widgets (the two regions share one card, as tabs).
REGION_TABS: Final = ("region", "borrower_region")
SECTIONS: Final = (
    ("branch", "product"),
    ("court", "cause"),
    ("handler", "law_firm"),
    ("stage", "position"),
    ("outcome", "aging"),
    ("cohort",),
    ("cycle", "signal"),
    ("firms",),
)


# --- one widget's figures -------------------------------------------------------------------------------


@dataclass
class Column:
    code: str
    label: str
    kind: str  # "count" | "money" | "rate" | "days" | "text"
    measure: str = ""  # the drill-down measure of this column's figures ("" = no link)


@dataclass
class Cell:
    value: Any  # the exact value (int, Decimal, str, None)
    text: str  # as shown
    url: str = ""  # drill-down


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]
    url: str = ""  # drill-down of the row's chart figure
    flagged: bool = False


@dataclass
class WidgetView:
    widget: Widget
    columns: list[Column]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)

    @property
    def first_label(self) -> str:
        return str(self.widget.first_label)

    def chart(self) -> dict[str, Any]:
        """The chart's data for dashboard.js (numbers as strings: money stays exact until drawn)."""
        by_code = {c.code: i for i, c in enumerate(self.columns)}
        series = []
        for code in self.widget.chart_measures:
            if code not in by_code:
                continue
            i = by_code[code]
            column = self.columns[i]
            series.append(
                {
                    "name": column.label,
                    "kind": column.kind,
                    "data": [_json_number(row.cells[i].value) for row in self.rows],
                }
            )
        return {
            "slug": self.widget.slug,
            "type": self.widget.chart,
            "title": str(self.widget.title),
            "categories": [row.label for row in self.rows],
            "urls": [row.url for row in self.rows],
            "flagged": [row.flagged for row in self.rows],
            "series": series,
        }

    def table(self, *, notes: list[str] | None = None) -> exporting.Table:
        columns = [exporting.Col("label", self.first_label, exporting.TEXT)]
        columns += [exporting.Col(c.code, c.label, COLUMN_TYPES[c.kind]) for c in self.columns]
        rows = [[row.label, *[cell.value for cell in row.cells]] for row in self.rows]
        return exporting.Table(
            title=str(self.widget.title), columns=columns, rows=rows, notes=[*self.notes, *(notes or [])]
        )


def _json_number(value: Any) -> str | int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, int):
        return value
    return None


def display(value: Any, kind: str) -> str:
    if value is None:
        return DASH
    if kind == "count":
        return f"{value:,}"
    if kind == "money":
        return money(value)
    if kind == "rate":
        return f"{value}%"
    return str(value)


@lru_cache(maxsize=512)
def _drill_base(filters: StatsFilters) -> str:
    """The drill-down URL with the filters' query (a dashboard builds hundreds of links on one filter set)."""
    query = filters.query()
    return reverse("reports:drilldown") + "?" + (query + "&" if query else "")


def drill_url(filters: StatsFilters, *, dimension: str = "", key: str = "", measure: str = "") -> str:
    extra = urlencode({k: v for k, v in (("dimension", dimension), ("key", key), ("measure", measure)) if v})
    return (_drill_base(filters) + extra).rstrip("&?")


def measure_columns(codes: tuple[str, ...]) -> list[Column]:
    return [Column(code, str(MEASURES[code].label), MEASURES[code].kind, code) for code in codes]


def measure_value(measures: Any, code: str) -> Any:
    return getattr(measures, code)


def _bucket_rows(
    widget: Widget, buckets: list[stats.Bucket], columns: list[Column], filters: StatsFilters, dimension: str
) -> list[Row]:
    chart_measure = widget.chart_measures[0]
    rows = []
    for bucket in buckets:
        cells = []
        for column in columns:
            value = measure_value(bucket.measures, column.code)
            url = drill_url(filters, dimension=dimension, key=bucket.key, measure=column.measure)
            cells.append(Cell(value, display(value, column.kind), url))
        row_url = drill_url(filters, dimension=dimension, key=bucket.key, measure=chart_measure)
        rows.append(Row(bucket.key, bucket.label, cells, row_url))
    return rows


def _breakdown_view(widget: Widget, user: Any, filters: StatsFilters, limit: int | None) -> WidgetView:
    buckets = stats.breakdown_for_user(user=user, filters=filters, dimension=widget.dimension, limit=limit)
    columns = measure_columns(widget.measures)
    notes = [str(n) for n in widget.notes]
    if widget.dimension == "outcome":
        notes += [f"{OutcomeClass(code).label}: {text}" for code, text in OUTCOME_DEFINITIONS.items()]
    return WidgetView(widget, columns, _bucket_rows(widget, buckets, columns, filters, widget.dimension), notes)


def _aging_view(widget: Widget, user: Any, filters: StatsFilters, limit: int | None) -> WidgetView:
    buckets = stats.aging_for_user(user=user, filters=filters)
    columns = measure_columns(widget.measures)
    rows = _bucket_rows(widget, buckets, columns, filters, AGING)
    return WidgetView(widget, columns, rows, [str(n) for n in widget.notes])


CYCLE_MEASURES: Final = {"judgment": "judgment_n", "recovery": "recovery_n", "close": "close_n"}


def _cycle_view(widget: Widget, user: Any, filters: StatsFilters, limit: int | None) -> WidgetView:
    times = stats.cycle_times_for_user(user=user, filters=filters)
    columns = [
        Column("n", str(_("Cases")), "count"),
        Column("mean", str(_("Mean days")), "days"),
        Column("median", str(_("Median days")), "days"),
    ]
    rows = []
    for t in times:
        url = drill_url(filters, measure=CYCLE_MEASURES.get(t.milestone, ""))
        cells = [
            Cell(t.n, display(t.n, "count"), url),
            Cell(t.mean, display(t.mean, "days"), url),
            Cell(t.median, display(t.median, "days"), url),
        ]
        rows.append(Row(t.milestone, str(CycleDays.Milestone(t.milestone).label), cells, url))
    notes = [
        f"{MEASURES[code].label}: {MEASURES[code].definition}"
        for code in ("mean_days_to_judgment", "mean_days_to_recovery", "mean_days_to_close")
    ]
    return WidgetView(widget, columns, rows, notes)


def _signal_view(widget: Widget, user: Any, filters: StatsFilters, limit: int | None) -> WidgetView:
    signal = stats.regional_signal_for_user(user=user, filters=filters)
    columns = [
        Column("this_month", str(_("Fell overdue this month")), "count"),
        Column("trailing_average", str(_("Average of the previous six months")), "decimal"),
        Column("flagged", str(_("Signal")), "text"),
    ]
    rows = []
    for s in signal:
        flag = str(_("Above average")) if s.flagged else ""
        cells = [
            Cell(s.this_month, display(s.this_month, "count")),
            Cell(s.trailing_average, str(s.trailing_average)),
            Cell(flag, flag),
        ]
        rows.append(Row(s.province, s.label, cells, flagged=s.flagged))
    return WidgetView(widget, columns, rows, [str(n) for n in widget.notes])


def _firms_view(widget: Widget, user: Any, filters: StatsFilters, limit: int | None) -> WidgetView:
    firms = stats.firm_ranking_for_user(user=user, filters=filters)
    columns = measure_columns(widget.measures)
    rows = []
    for firm in firms:
        key = str(firm.law_firm_id)
        cells = []
        for column in columns:
            value = measure_value(firm.measures, column.code)
            url = drill_url(filters, dimension="law_firm", key=key, measure=column.measure)
            cells.append(Cell(value, display(value, column.kind), url))
        rows.append(Row(key, firm.name, cells, drill_url(filters, dimension="law_firm", key=key, measure="recovered")))
    notes = [str(n) for n in widget.notes]
    notes += [
        f"{MEASURES[c].label}: {MEASURES[c].definition}"
        for c in ("recovery_rate", "mean_days_to_recovery", "cost_ratio")
    ]
    return WidgetView(widget, columns, rows, notes)


BUILDERS: Final[dict[str, Callable[[Widget, Any, StatsFilters, int | None], WidgetView]]] = {
    BREAKDOWN: _breakdown_view,
    AGING: _aging_view,
    CYCLE: _cycle_view,
    SIGNAL: _signal_view,
    FIRMS: _firms_view,
}


def widget_view(widget: Widget, *, user: Any, filters: StatsFilters, full: bool = False) -> WidgetView:
    """One widget's figures for ``user`` (``full``: every bucket, for the export)."""
    return BUILDERS[widget.source](widget, user, filters, None if full else widget.limit)


# --- the headline figures -------------------------------------------------------------------------------

TOTALS: Final = (
    "cases",
    "open_cases",
    "claim",
    "adjudicated",
    "recovered",
    "recovery_rate",
    "recovery_rate_claim",
    "won_rate",
    "partly_won_rate",
    "lost_rate",
    "terminated_rate",
    "cost_ratio",
    "recovered_after_write_off",
    "costs",
    "mean_days_to_judgment",
    "mean_days_to_recovery",
    "mean_days_to_close",
)


@dataclass
class Figure:
    code: str
    label: str
    definition: str
    value: Any
    text: str
    url: str


def headline(totals: Any, filters: StatsFilters) -> list[Figure]:
    out = []
    for code in TOTALS:
        m = MEASURES[code]
        value = getattr(totals, code)
        out.append(
            Figure(
                code, str(m.label), str(m.definition), value, display(value, m.kind), drill_url(filters, measure=code)
            )
        )
    return out


# --- which figure a drill-down shows ------------------------------------------------------------------


def bucket_label(dimension: str, key: str, *, user: Any) -> str:
    """The bucket's name for the drill-down heading (reference data, or what the user may see)."""
    if not key:
        return str(UNKNOWN_LABEL)
    pk = key_pk(key)
    found: Any = None
    if dimension in ("court_province", "borrower_province"):
        return province_label(key)
    if dimension == "outcome":
        found = dict(OutcomeClass.choices).get(key)
    elif dimension == "position":
        found = POSITION_LABELS.get(key)
    elif dimension == "product":
        found = dict(LoanContract.Product.choices).get(key)
    elif dimension == "cause":
        found = cause_label(key)
    elif dimension == AGING:
        found = next((b.label for b in AGING_BUCKETS if b.code == key), None)
    elif dimension == "cohort":
        found = key[:7]
    elif dimension == "stage":
        found = CaseStage.objects.filter(pk=key).first()
    elif dimension == "court" and pk is not None:
        found = Court.objects.filter(pk=pk).first()
    elif dimension == "law_firm" and pk is not None:
        found = case_selectors.law_firms_for_user(user=user).filter(pk=pk).first()
    elif dimension == "handler" and pk is not None:
        found = case_selectors.handler_choices(user=user).filter(pk=pk).first()
    elif dimension == "branch":
        units = org_units_visible_to(user)
        found = (units.filter(pk=pk) if pk is not None else units.filter(path=key)).first()
    return str(found) if found is not None else key


def measure_label(code: str) -> str:
    if code in MEASURES:
        return str(MEASURES[code].label)
    if code in OutcomeClass.values:
        return str(OutcomeClass(code).label)
    extra = {
        "adjudicated_cases": _("Cases with an adjudicated amount"),
        "recovered_cases": _("Cases with a recovery"),
        "enforcement_cases": _("Cases that entered enforcement"),
        "terminated_cases": _("Cases terminated for now"),
        "written_off_cases": _("Written-off cases"),
        "closed_cases": _("Closed cases"),
        "judgment_n": _("Cases judged"),
        "recovery_n": _("Cases with a first recovery"),
        "close_n": _("Cases closed"),
    }
    return str(extra.get(code, _("Cases")))
