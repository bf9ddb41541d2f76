"""Read pages: the dashboard, the case list and the case page with its tabs.

Every query starts from a scoped selector (``case_list_for_user`` / ``case_get_for_user``); the
prefetches here only shape what the templates show, so a page costs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loanlit.cases import access, selectors
from loanlit.cases.forms import CaseSearchForm
from loanlit.cases.models import Case
from loanlit.cases.templatetags.case_format import event_summary
from loanlit.cases.views.common import case_for_read, is_htmx
from loanlit.core.ids import parse_id

TABS: Final = ("overview", "parties", "loans", "proceedings", "money", "timeline")
PAGE_SIZE: Final = 50
MAX_OFFSET_PAGE: Final = 50
COUNT_CAP: Final = 10000
DASHBOARD_CASES: Final = 8
HEARING_DAYS: Final = 14


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The site root: my cases, upcoming hearings, counts by stage (``core:home``)."""
    board = selectors.dashboard_for_user(user=request.user, case_limit=DASHBOARD_CASES, hearing_days=HEARING_DAYS)
    context = {
        "my_cases": board.my_cases,
        "hearings": board.upcoming_hearings,
        "stage_counts": board.stage_counts,
    }
    return render(request, "cases/dashboard.html", context)


# --- case list ------------------------------------------------------------------------------------------------


@dataclass
class ListPage:
    cases: list[Case]
    count: int
    capped: bool
    page: int | None  # offset page number, None when paging by keyset
    has_previous: bool
    next_page: int | None
    next_after: str  # keyset cursor "YYYY-MM-DD.pk" past page MAX_OFFSET_PAGE
    beyond_offset_limit: bool  # a non-default sort past page 50: refine the search instead

    @property
    def count_display(self) -> str:
        return f"{COUNT_CAP:,}+" if self.capped else f"{self.count:,}"


def _parse_after(raw: str) -> tuple[date, int] | None:
    day, _sep, pk = (raw or "").partition(".")
    try:
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def _list_page(user: Any, params: dict[str, Any]) -> ListPage:
    filters = selectors.case_filters_from_search(params)
    qs = selectors.case_list_for_user(user=user, filters=filters)
    count, capped = selectors.case_count_capped(qs, cap=COUNT_CAP)
    after = _parse_after(params.get("after") or "")
    default_sort = filters.sort == selectors.DEFAULT_SORT
    if after is not None and default_sort:
        keyset = selectors.keyset_page(selectors.with_borrowers(qs), after=after, size=PAGE_SIZE)
        cursor = f"{keyset.next_after[0].isoformat()}.{keyset.next_after[1]}" if keyset.next_after else ""
        return ListPage(selectors.decorate_borrowers(keyset.items), count, capped, None, True, None, cursor, False)
    page = min(params.get("page") or 1, MAX_OFFSET_PAGE)
    offset = (page - 1) * PAGE_SIZE
    rows = list(selectors.with_borrowers(qs)[offset : offset + PAGE_SIZE + 1])
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    next_page = page + 1 if more and page < MAX_OFFSET_PAGE else None
    cursor = ""
    if more and page == MAX_OFFSET_PAGE and default_sort and rows:
        cursor = f"{rows[-1].opened_on.isoformat()}.{rows[-1].pk}"
    beyond = more and page == MAX_OFFSET_PAGE and not default_sort
    return ListPage(selectors.decorate_borrowers(rows), count, capped, page, page > 1, next_page, cursor, beyond)


def _search_form(request: HttpRequest) -> CaseSearchForm:
    return CaseSearchForm(request.GET or None, **selectors.case_search_choices(user=request.user))


def _querystring(request: HttpRequest) -> str:
    query = request.GET.copy()
    for key in ("page", "after"):
        query.pop(key, None)
    return query.urlencode()


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = _search_form(request)
    params = form.cleaned_or_empty() if form.is_bound else {}
    context = {
        "form": form,
        "page": _list_page(request.user, params),
        "querystring": _querystring(request),
        "filters_active": any(
            value not in (None, "") for name, value in params.items() if name not in ("q", "page", "after")
        ),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "case-results":
        return render(request, "cases/partials/case_results.html", context)
    return render(request, "cases/case_list.html", context)


# --- the case page ---------------------------------------------------------------------------------------------


def claim_lines(case: Case) -> list[dict[str, Any]]:
    computed = (case.claim_breakdown or {}).get("computed") or {}
    lines = []
    for key, label_attr in (
        ("principal", "claim_principal"),
        ("interest", "claim_interest"),
        ("penalty", "claim_penalty"),
        ("compound", "claim_compound"),
        ("fees", "claim_fees"),
    ):
        amount = getattr(case, label_attr)
        computed_amount = Decimal(computed[key]) if computed.get(key) is not None else None
        difference = amount - computed_amount if computed_amount is not None and case.claim_overridden else None
        lines.append(
            {
                "key": key,
                "label": Case._meta.get_field(label_attr).verbose_name,
                "amount": amount,
                "computed": computed_amount,
                "difference": difference,
            }
        )
    return lines


def _tab_context(request: HttpRequest, case: Case, tab: str) -> dict[str, Any]:
    if tab == "overview":
        return {
            "outstanding": selectors.case_outstanding(case),
            "claim_lines": claim_lines(case),
            "placement": case.placements.filter(recalled_on__isnull=True).select_related("law_firm").first(),
        }
    if tab == "parties":
        loans = selectors.case_loan_links(case=case)
        return {"case_parties": selectors.case_parties(loans=loans, proceedings=selectors.case_proceedings(case=case))}
    if tab == "loans":
        return {"case_loans": selectors.case_loan_links(case=case)}
    if tab == "proceedings":
        return {"proceedings": selectors.case_proceedings(case=case)}
    if tab == "money":
        highlighted = request.GET.get("recovery", "")
        return {
            "outstanding": selectors.case_outstanding(case),
            "costs": list(case.costs.select_related("proceeding").order_by("paid_on", "pk")),
            "recoveries": list(case.recoveries.order_by("received_on", "pk")),
            "highlighted_recovery": parse_id(highlighted),
            "cost_total": sum((c.amount for c in case.costs.all()), start=0),
        }
    if tab == "timeline":
        events = list(selectors.case_events_for_user(user=request.user, case=case))
        stage_names = {stage.code: stage.name for stage in selectors.stages()}
        for event in events:
            event.summary = event_summary(event, stage_names)  # type: ignore[attr-defined]
        return {"events": events}
    raise Http404(tab)


def _case_context(request: HttpRequest, case: Case, tab: str) -> dict[str, Any]:
    user = request.user
    return {
        "case": case,
        "tab": tab,
        "tabs": TABS,
        "can_edit": access.cases_editable_by(user).filter(pk=case.pk).exists(),
        "can_place": user.has_code("cases.edit") and not access.is_external_lawyer(user),  # type: ignore[union-attr]
        **_tab_context(request, case, tab),
    }


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_read(request, pk)
    tab = request.GET.get("tab", "overview")
    if tab not in TABS:
        tab = "overview"
    context = _case_context(request, case, tab)
    context["borrowers"] = selectors.case_borrowers(case=case)
    context["co_handlers"] = selectors.case_co_handlers(case=case)
    context["position"] = case.procedural_position
    context["outstanding_header"] = context.get("outstanding") or selectors.case_outstanding(case)
    return render(request, "cases/case_detail.html", context)


@require_GET
def case_tab(request: HttpRequest, pk: int, tab: str) -> HttpResponse:
    if tab not in TABS:
        raise Http404(tab)
    case = case_for_read(request, pk)
    return render(request, "cases/partials/tabs.html", _case_context(request, case, tab))
