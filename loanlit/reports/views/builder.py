"""Report builder views: build and preview (GET with the definition in the query string), save (POST),
a saved report's page (table + bar chart), edit, delete and export (xlsx / CSV / PDF).

Access: ``reports.view`` else 404 (like any page the user may not see); another user's private report is
404 too; a report the user sees but may not change answers 403 on its edit and delete routes. Figures are
always computed in the viewer's scope.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.cases.views.common import actor, deny, done, logged_404, stale_response
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.money import format_money
from loanlit.reports import exporting
from loanlit.reports.builder_definition import definition_clean, definition_parse
from loanlit.reports.forms_builder import BuilderForm, initial_for
from loanlit.reports.models import SavedReport
from loanlit.reports.selectors import builder as selectors
from loanlit.reports.services import saved as services

MEASURE_COLUMN_TYPES = {
    "count": exporting.COUNT,
    "money": exporting.MONEY,
    "rate": exporting.RATE,
    "days": exporting.DAYS,
}
FORM_KEYS = ("dimension1", "dimension2", "measures")


def _require_view(request: HttpRequest) -> None:
    if not selectors.may_view_reports(request.user):
        raise Http404


def _report(request: HttpRequest, pk: int, *, for_write: bool = False) -> SavedReport:
    report = logged_404(request, SavedReport, pk, lambda: selectors.saved_report_get_for_user(request.user, pk))
    if for_write and not selectors.may_edit(request.user, report):
        raise deny(request, "reports.edit_saved", report)
    return report


def _add_errors(form: forms.BaseForm, error: DomainError) -> None:
    problems = error.params.get("errors") if isinstance(error.params, dict) else None
    for message in problems or [error.message]:
        form.add_error(None, message)


def _call(form: forms.BaseForm, fn: Any, **kwargs: Any) -> Any:
    """A service call whose refusal becomes form errors (translated), never a 500."""
    try:
        return fn(**kwargs)
    except StaleVersionError:
        raise
    except (DomainError, PermissionDeniedError) as error:
        _add_errors(form, error)
        return None


# --- presenting a result -------------------------------------------------------------------------------------


def result_table(result: selectors.ReportResult, *, title: str, notes: list[str]) -> exporting.Table:
    """The figures as an exporting Table: the dimension labels, then one column per measure, then a total row."""
    columns = [exporting.Col(f"dim{i}", label, exporting.TEXT) for i, label in enumerate(result.dimension_labels)]
    for measure in result.measures:
        columns.append(
            exporting.Col(measure.code, measure.label, MEASURE_COLUMN_TYPES.get(measure.kind, exporting.TEXT))
        )
    rows: list[list[Any]] = []
    for row in result.rows:
        keys = [row.label1, row.label2] if result.two_dimensions else [row.label1]
        rows.append([*keys, *(selectors.measure_value(row.measures, m.code) for m in result.measures)])
    total_keys = [_("Total"), ""] if result.two_dimensions else [_("Total")]
    rows.append([*total_keys, *(selectors.measure_value(result.totals, m.code) for m in result.measures)])
    return exporting.Table(title=title, columns=columns, rows=rows, notes=notes)


def _notes(result: selectors.ReportResult) -> list[str]:
    notes = [_("Figures within the cases you may see.")]
    notes += selectors.filters_description(result.definition.filters)
    notes += [f"{m.label}: {m.definition}" for m in result.measures if m.definition]
    return [str(n) for n in notes]


def _chart(result: selectors.ReportResult) -> dict[str, Any] | None:
    """Bar-chart data for builder.js: the first measure, per first-dimension bucket (stacked by the second)."""
    if not result.rows or not result.measures:
        return None
    measure = result.measures[0]

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    categories: list[str] = []
    for row in result.rows:
        if row.label1 not in categories:
            categories.append(row.label1)
    if not result.two_dimensions:
        series = [
            {
                "name": str(measure.label),
                "data": [number(selectors.measure_value(r.measures, measure.code)) for r in result.rows],
            }
        ]
    else:
        names: list[str] = []
        for row in result.rows:
            if row.label2 not in names:
                names.append(row.label2)
        cells = {(r.label1, r.label2): selectors.measure_value(r.measures, measure.code) for r in result.rows}
        series = [
            {"name": name, "data": [number(cells.get((cat, name))) for cat in categories], "stack": "all"}
            for name in names
        ]
    return {
        "title": str(measure.label),
        "kind": measure.kind,
        "categories": categories,
        "series": series,
        "stacked": result.two_dimensions and measure.kind in ("count", "money"),
    }


def _cell(value: Any, col: exporting.Col) -> dict[str, Any]:
    """A table cell as shown on the page: money grouped with two places, rates with "%", None as "—"."""
    numeric = col.type != exporting.TEXT
    if value is None or value == "":
        text = selectors.DASH if numeric else str(value or "")
    elif col.type == exporting.MONEY:
        text = format_money(value)
    elif col.type == exporting.RATE:
        text = f"{value}%"
    else:
        text = str(value)
    return {"text": text, "numeric": numeric}


def _result_context(result: selectors.ReportResult, *, title: str) -> dict[str, Any]:
    table = result_table(result, title=title, notes=_notes(result))
    return {
        "result": result,
        "table": table,
        "header": table.columns,
        "body_rows": [[_cell(v, c) for v, c in zip(row, table.columns, strict=True)] for row in table.rows[:-1]],
        "total_row": [_cell(v, c) for v, c in zip(table.rows[-1], table.columns, strict=True)],
        "chart": _chart(result),
        "notes": table.notes,
    }


def _preview(form: BuilderForm, user: Any) -> selectors.ReportResult | None:
    if not form.is_valid():
        return None
    try:
        definition = definition_clean(form.definition(), actor=user)
    except DomainError as error:
        _add_errors(form, error)
        return None
    return selectors.definition_run(user, definition_parse(definition))


def _is_preview(request: HttpRequest) -> bool:
    return any(key in request.GET for key in FORM_KEYS)


# --- pages ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def builder(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    user = actor(request)
    manage = selectors.may_manage_reports(user)
    context: dict[str, Any] = {"manage": manage}
    if request.method == "POST":
        form = BuilderForm(request.POST, user=user, manage=manage)
        if form.is_valid():
            if not form.cleaned_data.get("name"):
                form.add_error("name", _("Enter a name for the report."))
            else:
                report = _call(
                    form,
                    services.saved_report_create,
                    actor=user,
                    name=form.cleaned_data["name"],
                    definition=form.definition(),
                    **form.sharing(),
                )
                if report is not None:
                    return done(request, reverse("reports:saved_detail", args=[report.pk]), _("The report was saved."))
    elif _is_preview(request):
        form = BuilderForm(request.GET, user=user, manage=manage)
        result = _preview(form, user)
        if result is not None:
            context.update(_result_context(result, title=_("Preview")))
    else:
        form = BuilderForm(user=user, manage=manage, initial=initial_for(None))
    context.update(
        {
            "form": form,
            "saved_reports": list(selectors.saved_reports_for_user(user)),
            "form_action": reverse("reports:builder"),
        }
    )
    return render(request, "reports/builder.html", context)


@require_GET
def saved_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    report = _report(request, pk)
    user = actor(request)
    result = selectors.saved_report_run(user, report)
    context = _result_context(result, title=report.name)
    context.update(
        {
            "report": report,
            "may_edit": selectors.may_edit(user, report),
            "formats": exporting.FORMATS,
            "shared_roles": list(report.shared_with_roles.order_by("name")),
        }
    )
    return render(request, "reports/saved_detail.html", context)


@require_http_methods(["GET", "POST"])
def saved_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    report = _report(request, pk, for_write=True)
    user = actor(request)
    manage = selectors.may_manage_reports(user)
    context: dict[str, Any] = {"manage": manage, "report": report}
    detail_url = reverse("reports:saved_detail", args=[report.pk])
    if request.method == "POST":
        form = BuilderForm(request.POST, user=user, owner=report.owner, manage=manage)
        if form.is_valid():
            if not form.cleaned_data.get("name"):
                form.add_error("name", _("Enter a name for the report."))
            elif not form.cleaned_data.get("version"):
                form.add_error(None, _("This form is out of date. Reload the page and try again."))
            else:
                try:
                    updated = _call(
                        form,
                        services.saved_report_update,
                        actor=user,
                        report=report,
                        version=form.cleaned_data["version"],
                        name=form.cleaned_data["name"],
                        definition=form.definition(),
                        **form.sharing(),
                    )
                except StaleVersionError as error:
                    report.refresh_from_db()
                    return stale_response(
                        request,
                        form=form,
                        current=initial_for(report),
                        error=error,
                        back_url=reverse("reports:saved_edit", args=[report.pk]),
                    )
                if updated is not None:
                    return done(request, detail_url, _("The report was saved."))
    elif _is_preview(request):
        form = BuilderForm(request.GET, user=user, owner=report.owner, manage=manage)
        result = _preview(form, user)
        if result is not None:
            context.update(_result_context(result, title=_("Preview")))
    else:
        form = BuilderForm(user=user, owner=report.owner, manage=manage, initial=initial_for(report))
    context.update({"form": form, "form_action": reverse("reports:saved_edit", args=[report.pk])})
    return render(request, "reports/builder.html", context)


@require_POST
def saved_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    report = _report(request, pk, for_write=True)
    try:
        services.saved_report_delete(actor=actor(request), report=report)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        from django.contrib import messages

        messages.error(request, error.message)
        return done(request, reverse("reports:builder"))
    return done(request, reverse("reports:builder"), _("The report was deleted."))


@require_GET
def saved_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponseBase:
    _require_view(request)
    if fmt not in exporting.FORMATS:
        raise Http404
    report = _report(request, pk)
    result = selectors.saved_report_run(actor(request), report)
    table = result_table(result, title=report.name, notes=_notes(result))
    return exporting.export_response(request, tables=[table], fmt=fmt, filename_stem=_("report") + f"-{report.pk}")
