"""The statistics dashboard, the drill-down behind each figure and the widgets' exports (issue 11).

Thin views: parse the shared filters (``forms.StatsFilterForm``) → check ``reports.view`` (404 without it,
like any page the user may not see) → call the scoped selectors (``selectors.stats``) → render. What each
widget shows lives in ``reports.widgets``.
"""

from __future__ import annotations

from typing import Any, Final

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from loanlit import audit
from loanlit.cases import selectors as case_selectors
from loanlit.cases.positions import POSITION_LABELS
from loanlit.reports import exporting, widgets
from loanlit.reports.definitions import DIMENSIONS, MEASURES, OUTCOME_DEFINITIONS, SIGNAL_DEFINITION
from loanlit.reports.forms import DrilldownForm, StatsFilterForm
from loanlit.reports.models import OutcomeClass
from loanlit.reports.selectors import stats
from loanlit.reports.selectors.drilldown import drilldown_for_user

VIEW_CODE: Final = "reports.view"
PAGE_SIZE: Final = 50


def _require_reports(request: HttpRequest) -> None:
    """404 for a user without ``reports.view`` (logged as a refused access)."""
    user: Any = request.user
    if not user.has_code(VIEW_CODE):
        audit.access_log(
            user=user,
            action=audit.AccessAction.DENIED,
            target=None,
            request=request,
            detail={"reason": VIEW_CODE, "path": request.path},
        )
        raise Http404


def _filter_form(request: HttpRequest, form_class: type[StatsFilterForm] = StatsFilterForm) -> StatsFilterForm:
    return form_class(request.GET or None, user=request.user)


def _as_of_note(figures: stats.Stats) -> str:
    if figures.live or figures.as_of is None:
        return _("Live figures.")
    return _("Figures as of %(time)s.") % {
        "time": date_format(timezone.localtime(figures.as_of), "Y-m-d H:i"),
    }


def _notes(form: StatsFilterForm, figures: stats.Stats | None = None) -> list[str]:
    notes = [_("Filters: %(filters)s") % {"filters": "; ".join(f"{k}: {v}" for k, v in form.described())}]
    if not form.described():
        notes = [_("No filters: every case you may see.")]
    if figures is not None:
        notes.append(_as_of_note(figures))
    return notes


def _definitions() -> dict[str, Any]:
    return {
        "measures": [(m.label, m.definition) for m in MEASURES.values() if m.definition],
        "outcomes": [(OutcomeClass(code).label, text) for code, text in OUTCOME_DEFINITIONS.items()],
        "signal": SIGNAL_DEFINITION,
        "aging": widgets.AGING_NOTE,
    }


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = _filter_form(request)
    filters = form.filters()
    user = request.user
    figures = stats.stats_for_user(user=user, filters=filters)
    views = {slug: widgets.widget_view(w, user=user, filters=filters) for slug, w in widgets.WIDGETS.items()}
    context = {
        "form": form,
        "filters": filters,
        "filters_described": form.described(),
        "stats": figures,
        "headline": widgets.headline(figures.totals, filters),
        "region_tabs": [views[slug] for slug in widgets.REGION_TABS],
        "sections": [[views[slug] for slug in section] for section in widgets.SECTIONS],
        "charts": {slug: view.chart() for slug, view in views.items()},
        "definitions": _definitions(),
        "querystring": filters.query(),
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
def drilldown(request: HttpRequest) -> HttpResponse:
    _require_reports(request)
    form = _filter_form(request, DrilldownForm)
    assert isinstance(form, DrilldownForm)
    context: dict[str, Any] = {"form": form, "cases": [], "next_after": "", "heading": "", "bucket": ""}
    if form.is_bound and not form.is_valid():
        return render(request, "reports/drilldown.html", context)
    data = form.cleaned_data if form.is_bound else {}
    filters = form.filters()
    dimension, key, measure = data.get("dimension") or "", data.get("key") or "", data.get("measure") or ""
    qs = drilldown_for_user(user=request.user, filters=filters, dimension=dimension, key=key, measure=measure)
    qs = case_selectors.with_borrowers(qs.select_related("stage", "fact"))
    page = case_selectors.keyset_page(qs, after=data.get("after"), size=PAGE_SIZE)
    rows = case_selectors.decorate_borrowers(page.items)
    for case in rows:
        fact = getattr(case, "fact", None)
        case.position_label = POSITION_LABELS.get(fact.position, fact.position) if fact else ""  # type: ignore[attr-defined]
    context.update(
        {
            "cases": rows,
            "measure_label": widgets.measure_label(measure),
            "dimension_label": _dimension_label(dimension),
            "bucket": widgets.bucket_label(dimension, key, user=request.user) if dimension else "",
            "filters_described": form.described(),
            "back_query": filters.query(),
            "this_query": filters.query(dimension=dimension, key=key, measure=measure),
            "next_after": f"{page.next_after[0].isoformat()}.{page.next_after[1]}" if page.next_after else "",
            "first_page": data.get("after") is None,
        }
    )
    return render(request, "reports/drilldown.html", context)


def _dimension_label(dimension: str) -> str:
    if dimension == widgets.AGING:
        return _("Aging of open cases")
    found = DIMENSIONS.get(dimension)
    return str(found.label) if found else ""


@require_GET
def widget_export(request: HttpRequest, widget: str, fmt: str) -> HttpResponse | FileResponse:
    _require_reports(request)
    found = widgets.WIDGETS.get(widget)
    if found is None or fmt not in exporting.FORMATS:
        raise Http404
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label}: {' '.join(str(x) for x in e)}"
            for name, e in form.errors.items()
            if name in form.fields
        )
        return HttpResponse(
            _("The filters are not valid, so nothing was exported: %(errors)s") % {"errors": errors},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    figures = stats.stats_for_user(user=request.user, filters=filters)
    view = widgets.widget_view(found, user=request.user, filters=filters, full=True)
    table = view.table(notes=_notes(form, figures))
    return exporting.export_response(request, tables=[table], fmt=fmt, filename_stem=f"dashboard-{found.slug}")
