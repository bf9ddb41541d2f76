"""Fixed management report views: the reports index, one page per report, its xlsx / CSV / PDF export.

Parse (``ReportFilterForm``) → scoped selector (``selectors.management``) → one ``exporting.Table`` that
both the page and the files show, so the screen and the download never disagree. Without ``reports.view``
every route answers 404; an unknown report or format is 404; a bad filter is a form error (200 on the page,
400 on an export), never a server error. Row-level exports (deadlines, seizures) ask for the password
again like the other row-level exports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from loanlit.accounts.reauth import require_recent_auth
from loanlit.core import money as m
from loanlit.core.watermark import local_minute
from loanlit.reports import exporting as ex
from loanlit.reports.definitions import DISPOSAL_METHODS, MEASURES
from loanlit.reports.filters import StatsFilters
from loanlit.reports.forms_management import ReportFilterForm
from loanlit.reports.selectors import management as sel

VIEW_CODE: Final = "reports.view"
LEDGER_KIND: Final = "ledger"  # the imports app's 诉讼台账 export (imports:export_csv / imports:export_xlsx)
EXPORT_CODE: Final = "cases.export"


def _require_view(request: HttpRequest) -> None:
    user = request.user
    if not (getattr(user, "is_authenticated", False) and user.is_active and user.has_code(VIEW_CODE)):
        raise Http404


# --- what each report shows -----------------------------------------------------------------------------


@dataclass
class Built:
    table: ex.Table
    links: list[str | None] = field(default_factory=list)  # per row: the first cell's link (a case page)
    total_rows: int = 0  # trailing rows that are totals (shown in bold)


@dataclass(frozen=True)
class Report:
    slug: str
    title: str | Promise
    summary: str | Promise
    fields: tuple[str, ...]
    build: Callable[[Any, dict[str, Any], StatsFilters], Built]
    row_level: bool = False


def _definition(label: Any, text: Any) -> str:
    return _("%(label)s: %(definition)s") % {"label": label, "definition": text}


def _measure_note(code: str) -> str:
    return _definition(MEASURES[code].label, MEASURES[code].definition)


def _as_of_note(as_of: Any) -> str:
    if as_of is None:
        return _("The statistics have not been refreshed yet: figures may be missing.")
    return _("Figures as of %(time)s.") % {"time": local_minute(as_of)}


def _live_note() -> str:
    return _("Live figures at %(time)s.") % {"time": local_minute()}


def _currency_note(filters: StatsFilters) -> str:
    return _("Amounts in %(currency)s; cases and entries in another currency are not added.") % {
        "currency": filters.currency
    }


def _build_monthly(user: Any, data: dict[str, Any], filters: StatsFilters) -> Built:
    month = data.get("month") or timezone.localdate().replace(day=1)
    report = sel.monthly_report_for_user(user=user, filters=filters, month=month)
    columns = [
        ex.Col("branch", _("Branch")),
        ex.Col("new_cases", _("New cases"), ex.COUNT),
        ex.Col("claims", _("Claims of new cases"), ex.MONEY),
        ex.Col("judgments", _("Judgments"), ex.COUNT),
        ex.Col("adjudicated", _("Adjudicated"), ex.MONEY),
        ex.Col("recovered", _("Recovered"), ex.MONEY),
        ex.Col("costs", _("Costs"), ex.MONEY),
        ex.Col("closed", _("Closed cases"), ex.COUNT),
        ex.Col("open", _("Open at month end"), ex.COUNT),
    ]
    names = ["label", "new_cases", "claims", "judgments", "adjudicated", "recovered", "costs"]
    names += ["closed_cases", "open_at_end"]
    rows = [[getattr(r, name) for name in names] for r in [*report.rows, report.total]]
    notes = [
        _definition(_("New cases"), _("Cases opened in the month; their claims are the claim totals.")),
        _definition(
            _("Judgments"),
            _(
                "Judgments and mediation statements given in the month in trial proceedings (any instance), "
                "and the amounts they adjudicated."
            ),
        ),
        _definition(_("Recovered"), _("Recoveries received in the month, in cash or in kind.")),
        _definition(_("Costs"), _("Costs paid in the month, less their refunds.")),
        _definition(_("Closed cases"), _("Cases closed in the month.")),
        _definition(_("Open at month end"), _("Cases opened by the month's last day and not closed by then.")),
        _definition(_("Branch"), _("The next unit level under the unit chosen (or your own unit).")),
        _currency_note(filters),
        _live_note(),
    ]
    subtitle = _("Month: %(month)s") % {"month": report.month.strftime("%Y-%m")}
    table = ex.Table(title=_("Monthly litigation report"), columns=columns, rows=rows, notes=notes, subtitle=subtitle)
    return Built(table=table, total_rows=1)


def _build_recovery(user: Any, data: dict[str, Any], filters: StatsFilters) -> Built:
    report = sel.recovery_report_for_user(user=user, filters=filters)
    methods = list(DISPOSAL_METHODS.items())
    columns = [
        ex.Col("branch", _("Branch")),
        *[ex.Col(code, label, ex.MONEY) for code, (label, _field) in methods],
        ex.Col("recovered", MEASURES["recovered"].label, ex.MONEY),
        ex.Col("recovered_after_write_off", MEASURES["recovered_after_write_off"].label, ex.MONEY),
    ]

    def values(label: str, measures: Any) -> list[Any]:
        return [
            label,
            *[getattr(measures, name) for _code, (_label, name) in methods],
            measures.recovered,
            measures.recovered_after_write_off,
        ]

    rows = [values(r.label, r.measures) for r in report.rows]
    rows.append(values(_("Total"), report.total))
    disposal = {
        "cash": _("Recoveries in money that are none of the others."),
        "in_kind": _("Assets accepted in settlement of the debt (以物抵债), at their agreed value."),
        "write_off": _("Amounts written off (核销): not a recovery and not in the total recovered."),
        "transfer": _("Money received for debts transferred to another creditor."),
        "restructuring": _("Recoveries received as payments under a settlement plan."),
    }
    notes = [_definition(label, disposal[code]) for code, (label, _field) in methods]
    notes += [_measure_note("recovered"), _measure_note("recovered_after_write_off"), _currency_note(filters)]
    notes.append(_as_of_note(report.as_of))
    table = ex.Table(title=_("Recovery by branch and disposal method"), columns=columns, rows=rows, notes=notes)
    return Built(table=table, total_rows=1)


def _build_firms(user: Any, data: dict[str, Any], filters: StatsFilters) -> Built:
    report = sel.firm_scorecard_for_user(user=user, filters=filters)
    columns = [
        ex.Col("firm", _("Law firm")),
        ex.Col("cases", _("Cases placed"), ex.COUNT),
        ex.Col("recovered", MEASURES["recovered"].label, ex.MONEY),
        ex.Col("recovery_rate", MEASURES["recovery_rate"].label, ex.RATE),
        ex.Col("mean_days", MEASURES["mean_days_to_recovery"].label, ex.DAYS),
        ex.Col("median_days", _("Median days to first recovery"), ex.DAYS),
        ex.Col("cost_ratio", MEASURES["cost_ratio"].label, ex.RATE),
        ex.Col("won_rate", MEASURES["won_rate"].label, ex.RATE),
    ]
    rows = [
        [
            r.label,
            r.measures.cases,
            r.measures.recovered,
            r.measures.recovery_rate,
            r.measures.mean_days_to_recovery,
            r.median_days_to_recovery,
            r.measures.cost_ratio,
            r.measures.won_rate,
        ]
        for r in report.rows
    ]
    total = report.total
    rows.append(
        [
            _("All firms"),
            total.cases,
            total.recovered,
            total.recovery_rate,
            total.mean_days_to_recovery,
            None,
            total.cost_ratio,
            total.won_rate,
        ]
    )
    notes = [
        _definition(_("Cases placed"), _("Visible cases currently placed with the firm.")),
        _measure_note("recovered"),
        _measure_note("recovery_rate"),
        _measure_note("mean_days_to_recovery"),
        _definition(
            _("Median days to first recovery"),
            _("The middle value of the same days (the mean of the two middle values for an even number)."),
        ),
        _measure_note("cost_ratio"),
        _measure_note("won_rate"),
        _("Firms are ranked by recovery rate, then by speed, then by cost ratio."),
        _currency_note(filters),
        _as_of_note(report.as_of),
    ]
    table = ex.Table(title=_("Law-firm scorecard"), columns=columns, rows=rows, notes=notes)
    return Built(table=table, total_rows=1)


def _build_deadlines(user: Any, data: dict[str, Any], filters: StatsFilters) -> Built:
    today = timezone.localdate()
    days = data.get("days") or sel.DEADLINE_DAYS
    report = sel.deadline_report_for_user(user=user, filters=filters, days=days, today=today)
    columns = [
        ex.Col("case", _("Case or loan"), ex.CODE),
        ex.Col("kind", _("Deadline")),
        ex.Col("due_on", _("Due on"), ex.DATE),
        ex.Col("days_left", _("Days left"), ex.COUNT),
        ex.Col("state", _("Status")),
        ex.Col("responsible", _("Responsible")),
    ]
    rows: list[list[Any]] = []
    links: list[str | None] = []
    for d in report.rows:
        reference, link = "", None
        if d.case is not None:
            reference, link = d.case.internal_no, d.case.get_absolute_url()
        elif d.loan is not None:
            reference = d.loan.contract_no
        rows.append(
            [
                reference,
                d.get_kind_display(),
                d.due_on,
                (d.due_on - today).days,
                sel.deadline_state(d, today),
                str(d.responsible) if d.responsible_id else None,
            ]
        )
        links.append(link)
    notes = [
        _definition(
            _("At risk"), _("Open deadlines due within %(days)s days from %(today)s.") % {"days": days, "today": today}
        ),
        _definition(_("Overdue"), _("Open deadlines whose due date has passed.")),
        _definition(_("Missed"), _("Deadlines marked as missed.")),
        _live_note(),
    ]
    if report.cut:
        notes.append(_("Only the first %(limit)s deadlines are listed.") % {"limit": sel.ROW_LIMIT})
    subtitle = _("Due within %(days)s days") % {"days": days}
    table = ex.Table(title=_("Deadlines missed or at risk"), columns=columns, rows=rows, notes=notes, subtitle=subtitle)
    return Built(table=table, links=links)


def _build_seizures(user: Any, data: dict[str, Any], filters: StatsFilters) -> Built:
    today = timezone.localdate()
    days = data.get("days") or sel.SEIZURE_DAYS
    report = sel.seizure_report_for_user(user=user, filters=filters, days=days, today=today)
    columns = [
        ex.Col("case", _("Case"), ex.CODE),
        ex.Col("measure", _("Measure")),
        ex.Col("asset", _("Asset")),
        ex.Col("court", _("Court")),
        ex.Col("court_case_number", _("Court case number"), ex.CODE),
        ex.Col("expires_on", _("Expires on"), ex.DATE),
        ex.Col("renewal_due_on", _("Apply to renew by"), ex.DATE),
        ex.Col("days_to_renewal", _("Days to renewal"), ex.COUNT),
        ex.Col("handler", _("Handler")),
    ]
    rows: list[list[Any]] = []
    links: list[str | None] = []
    for row in report.rows:
        measure = row.measure
        rows.append(
            [
                measure.case.internal_no,
                measure.get_kind_display(),
                measure.asset.get_kind_display(),
                measure.court.name if measure.court is not None else None,
                measure.court_case_number or None,
                measure.expires_on,
                measure.renewal_due_on,
                row.days_to_renewal,
                str(measure.case.handler) if measure.case.handler_id else None,
            ]
        )
        links.append(reverse("enforcement:case", args=[measure.case_id]) + f"#measure-{measure.pk}")
    notes = [
        _definition(
            _("Apply to renew by"),
            _("The latest safe day to apply for renewal (expiry − 7 days, on a working day)."),
        ),
        _(
            "Seizures, freezes and distraints in force whose latest safe renewal day falls within %(days)s days "
            "from %(today)s, or has passed."
        )
        % {"days": days, "today": today},
        _live_note(),
    ]
    if report.cut:
        notes.append(_("The list may be incomplete: narrow it with the filters."))
    subtitle = _("Renewal due within %(days)s days") % {"days": days}
    table = ex.Table(title=_("Expiring seizures"), columns=columns, rows=rows, notes=notes, subtitle=subtitle)
    return Built(table=table, links=links)


SCOPE_FIELDS: Final = ("creditor", "unit")
COHORT_FIELDS: Final = ("creditor", "unit", "period_from", "period_to")
REPORTS: Final[dict[str, Report]] = {
    r.slug: r
    for r in (
        Report(
            "monthly",
            gettext_lazy("Monthly litigation report"),
            gettext_lazy(
                "New cases, claims, judgments, recoveries, costs and closed cases of one month, and the cases "
                "open at its end, by branch."
            ),
            (*SCOPE_FIELDS, "month", "currency"),
            _build_monthly,
        ),
        Report(
            "recovery",
            gettext_lazy("Recovery by branch and disposal method"),
            gettext_lazy(
                "Recovered by branch: cash, settlement in kind, debt transfer and restructuring; amounts "
                "written off; recovered after write-off."
            ),
            (*COHORT_FIELDS, "currency"),
            _build_recovery,
        ),
        Report(
            "firms",
            gettext_lazy("Law-firm scorecard"),
            gettext_lazy(
                "Per panel firm: cases placed, recovered, recovery rate, days to first recovery, cost ratio "
                "and won rate."
            ),
            (*COHORT_FIELDS, "currency"),
            _build_firms,
        ),
        Report(
            "deadlines",
            gettext_lazy("Deadlines missed or at risk"),
            gettext_lazy("Open deadlines due soon or overdue, and missed deadlines, with who is responsible."),
            (*SCOPE_FIELDS, "days"),
            _build_deadlines,
            row_level=True,
        ),
        Report(
            "seizures",
            gettext_lazy("Expiring seizures"),
            gettext_lazy("Seizures, freezes and distraints whose renewal is due soon."),
            (*SCOPE_FIELDS, "days"),
            _build_seizures,
            row_level=True,
        ),
    )
}


# --- rendering ------------------------------------------------------------------------------------------


def _report_or_404(slug: str) -> Report:
    report = REPORTS.get(slug)
    if report is None:
        raise Http404(slug)
    return report


def _filter_subtitle(form: ReportFilterForm) -> str:
    data = form.cleaned_data
    parts = []
    if data.get("creditor"):
        parts.append(_("Creditor: %(name)s") % {"name": data["creditor"].name})
    if data.get("unit"):
        parts.append(_("Unit: %(name)s") % {"name": data["unit"].name})
    if data.get("period_from") or data.get("period_to"):
        start = data["period_from"].strftime("%Y-%m") if data.get("period_from") else "…"
        end = data["period_to"].strftime("%Y-%m") if data.get("period_to") else "…"
        parts.append(_("Filed %(start)s – %(end)s") % {"start": start, "end": end})
    return " · ".join(parts)


def _built(report: Report, request: HttpRequest, form: ReportFilterForm) -> Built:
    built = report.build(request.user, form.cleaned_data, form.filters())
    filters_text = _filter_subtitle(form)
    if filters_text:
        built.table.subtitle = " · ".join(p for p in (built.table.subtitle, filters_text) if p)
    return built


def _screen_text(value: Any, kind: str) -> str:
    if value is not None and kind == ex.MONEY:
        return m.format_money(value)
    return ex.cell_text(value, kind)


def _display_rows(built: Built) -> list[dict[str, Any]]:
    table = built.table
    first_total = len(table.rows) - built.total_rows
    rows = []
    for index, values in enumerate(table.rows):
        link = built.links[index] if index < len(built.links) else None
        cells = [
            {
                "text": _screen_text(value, column.type),
                "numeric": column.type in ex.NUMERIC,
                "url": link if position == 0 else None,
            }
            for position, (value, column) in enumerate(zip(values, table.columns, strict=True))
        ]
        rows.append({"cells": cells, "total": index >= first_total})
    return rows


def _page(request: HttpRequest, report: Report, form: ReportFilterForm, *, status: int = 200) -> HttpResponse:
    built = _built(report, request, form) if form.is_valid() else None
    query = request.GET.urlencode()
    exports = [
        (fmt.upper(), reverse("reports:report_export", args=[report.slug, fmt]) + (f"?{query}" if query else ""))
        for fmt in ex.FORMATS
    ]
    context = {
        "report": report,
        "form": form,
        "table": built.table if built else None,
        "rows": _display_rows(built) if built else [],
        "headers": [(c.label, c.type in ex.NUMERIC) for c in built.table.columns] if built else [],
        "exports": exports if built else [],
    }
    return render(request, "reports/report_fixed.html", context, status=status)


def _form(request: HttpRequest, report: Report) -> ReportFilterForm:
    return ReportFilterForm(request.GET, user=request.user, fields_used=report.fields)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user: Any = request.user
    may_export = user.has_code(EXPORT_CODE)
    context = {
        "reports": list(REPORTS.values()),
        "may_export_ledger": may_export,
        "ledger_csv": reverse("imports:export_csv", kwargs={"kind": LEDGER_KIND}),
        "ledger_xlsx": reverse("imports:export_xlsx", kwargs={"kind": LEDGER_KIND}),
    }
    return render(request, "reports/index.html", context)


@require_GET
def report(request: HttpRequest, report: str) -> HttpResponse:
    _require_view(request)
    spec = _report_or_404(report)
    return _page(request, spec, _form(request, spec))


def _export(request: HttpRequest, spec: Report, fmt: str) -> HttpResponse | FileResponse:
    form = _form(request, spec)
    if not form.is_valid():
        return _page(request, spec, form, status=400)
    built = _built(spec, request, form)
    return ex.export_response(request, tables=[built.table], fmt=fmt, filename_stem=str(built.table.title))


@require_GET
def report_export(request: HttpRequest, report: str, fmt: str) -> HttpResponse | FileResponse:
    _require_view(request)
    spec = _report_or_404(report)
    if fmt not in ex.FORMATS:
        raise Http404(fmt)
    if spec.row_level:
        # A list of cases leaves the application: the case-list export's permission, then the password again.
        if not request.user.has_code("cases.export"):  # type: ignore[union-attr]
            raise PermissionDenied
        response: HttpResponse | FileResponse = require_recent_auth(_export)(request, spec, fmt)
        return response
    return _export(request, spec, fmt)
