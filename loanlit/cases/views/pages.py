"""Read pages: the dashboard, the case list and the case page with its tabs.

Every query starts from a scoped selector (``case_list_for_user`` / ``case_get_for_user``); the
prefetches here only shape what the templates show, so a page costs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from loanlit.accounts.selectors import org_units_visible_to
from loanlit.cases import access, selectors
from loanlit.cases.forms import CaseSearchForm
from loanlit.cases.models import (
    Case,
    CaseLoan,
    CaseStage,
    Hearing,
    JudgmentItem,
    Proceeding,
    ProceedingParty,
    ServiceRecord,
)
from loanlit.cases.templatetags.case_format import event_summary
from loanlit.cases.views.common import case_for_read, is_htmx
from loanlit.cases.views.handlers import handler_choices
from loanlit.loans.models import LoanParty

TABS: Final = ("overview", "parties", "loans", "proceedings", "money", "timeline")
PAGE_SIZE: Final = 50
MAX_OFFSET_PAGE: Final = 50
COUNT_CAP: Final = 10000
DASHBOARD_CASES: Final = 8
HEARING_DAYS: Final = 14


def _with_borrowers(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Borrowers of the active loans, for lists: three extra queries however many rows."""
    links = CaseLoan.objects.filter(active=True).select_related("loan").order_by("pk")
    parties = LoanParty.objects.select_related("party").order_by("position", "pk")
    return qs.prefetch_related(Prefetch("case_loans", queryset=links, to_attr="active_links")).prefetch_related(
        Prefetch("active_links__loan__loan_parties", queryset=parties)
    )


def borrowers_of(case: Case) -> list[Any]:
    seen: dict[int, Any] = {}
    for link in getattr(case, "active_links", []):
        for loan_party in link.loan.loan_parties.all():
            if loan_party.role == LoanParty.Role.BORROWER and loan_party.party_id not in seen:
                seen[loan_party.party_id] = loan_party.party
    return list(seen.values())


def _decorate(cases: list[Case]) -> list[Case]:
    for case in cases:
        case.borrowers = borrowers_of(case)  # type: ignore[attr-defined]
        case.borrower_names = ", ".join(p.name for p in case.borrowers)  # type: ignore[attr-defined]
    return cases


# --- dashboard ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    stage: CaseStage
    count: int
    percent: int
    width: int  # rounded to 5 for the CSS bar classes (no inline style under the CSP)


def _stage_counts(user: Any) -> dict[str, Any]:
    counted = dict(
        selectors.case_list_for_user(user=user)
        .order_by()
        .values_list("stage_id")
        .annotate(n=Count("pk"))
        .values_list("stage_id", "n")
    )
    total = sum(counted.values())
    rows = []
    for stage in selectors.stages():
        count = counted.get(stage.code, 0)
        if not count:
            continue
        percent = round(100 * count / total) if total else 0
        rows.append(StageRow(stage, count, percent, max(5, round(percent / 5) * 5)))
    return {"rows": rows, "total": total}


def _my_cases(user: Any) -> dict[str, Any]:
    filters = selectors.CaseFilters(handler=user.pk, include_closed=False)
    qs = selectors.case_list_for_user(user=user, filters=filters)
    rows = _decorate(list(_with_borrowers(qs)[:DASHBOARD_CASES]))
    total = len(rows) if len(rows) < DASHBOARD_CASES else qs.order_by().count()
    return {"rows": rows, "total": total}


def _upcoming_hearings(user: Any) -> list[Hearing]:
    now = timezone.now()
    visible = selectors.case_list_for_user(user=user).order_by().values("pk")
    return list(
        Hearing.objects.filter(
            proceeding__case__in=visible, starts_at__gte=now, starts_at__lt=now + timedelta(days=HEARING_DAYS)
        )
        .select_related("proceeding__case", "proceeding__court")
        .order_by("starts_at")[:20]
    )


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "my_cases": _my_cases(user),
        "hearings": _upcoming_hearings(user),
        "stage_counts": _stage_counts(user),
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


def _filters(params: dict[str, Any]) -> selectors.CaseFilters:
    def pk(name: str) -> int | None:
        value = params.get(name)
        return value.pk if value is not None else None

    stage = params.get("stage")
    return selectors.CaseFilters(
        q=params.get("q") or "",
        stage=stage.code if stage is not None else "",
        unit=pk("unit"),
        court=pk("court"),
        handler=pk("handler"),
        law_firm=pk("law_firm"),
        product=params.get("product") or "",
        cause=params.get("cause") or "",
        overdue=params.get("overdue") or "",
        opened_from=params.get("opened_from"),
        opened_to=params.get("opened_to"),
        sort=params.get("sort") or selectors.DEFAULT_SORT,
    )


def _list_page(user: Any, params: dict[str, Any]) -> ListPage:
    filters = _filters(params)
    qs = selectors.case_list_for_user(user=user, filters=filters)
    count, capped = selectors.case_count_capped(qs, cap=COUNT_CAP)
    after = _parse_after(params.get("after") or "")
    default_sort = filters.sort == selectors.DEFAULT_SORT
    if after is not None and default_sort:
        keyset = selectors.keyset_page(_with_borrowers(qs), after=after, size=PAGE_SIZE)
        cursor = f"{keyset.next_after[0].isoformat()}.{keyset.next_after[1]}" if keyset.next_after else ""
        return ListPage(_decorate(keyset.items), count, capped, None, True, None, cursor, False)
    page = min(params.get("page") or 1, MAX_OFFSET_PAGE)
    offset = (page - 1) * PAGE_SIZE
    rows = list(_with_borrowers(qs)[offset : offset + PAGE_SIZE + 1])
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    next_page = page + 1 if more and page < MAX_OFFSET_PAGE else None
    cursor = ""
    if more and page == MAX_OFFSET_PAGE and default_sort and rows:
        cursor = f"{rows[-1].opened_on.isoformat()}.{rows[-1].pk}"
    beyond = more and page == MAX_OFFSET_PAGE and not default_sort
    return ListPage(_decorate(rows), count, capped, page, page > 1, next_page, cursor, beyond)


def _search_form(request: HttpRequest) -> CaseSearchForm:
    user = request.user
    return CaseSearchForm(
        request.GET or None,
        units=org_units_visible_to(user),  # type: ignore[arg-type]
        handlers=handler_choices(user),
        law_firms=selectors.law_firms_for_user(user=user),
    )


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


def _proceedings(case: Case) -> list[Proceeding]:
    participants = ProceedingParty.objects.select_related("party", "unit").order_by("pk")
    return list(
        case.proceedings.select_related("court", "follows", "judgment")
        .prefetch_related(
            Prefetch("participants", queryset=participants),
            Prefetch("hearings", queryset=Hearing.objects.order_by("starts_at")),
            Prefetch(
                "service_records",
                queryset=ServiceRecord.objects.select_related("proceeding_party__party", "proceeding_party__unit"),
            ),
            Prefetch("judgment__items", queryset=JudgmentItem.objects.select_related("party", "collateral")),
        )
        .order_by("pk")
    )


def claim_lines(case: Case) -> list[dict[str, Any]]:
    computed = (case.claim_breakdown or {}).get("computed") or {}
    lines = []
    from decimal import Decimal

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


def _loans(case: Case) -> list[CaseLoan]:
    from loanlit.loans.models import GuaranteeContract, SecurityContract

    parties = LoanParty.objects.select_related("party").order_by("position", "pk")
    return list(
        case.case_loans.select_related("loan", "loan__unit")
        .prefetch_related(
            Prefetch("loan__loan_parties", queryset=parties),
            Prefetch("loan__guarantee_contracts", queryset=GuaranteeContract.objects.select_related("guarantor")),
            Prefetch(
                "loan__security_contracts",
                queryset=SecurityContract.objects.select_related("provider").prefetch_related("collateral"),
            ),
        )
        .order_by("-active", "pk")
    )


def _case_parties(case: Case, loans: list[CaseLoan], proceedings: list[Proceeding]) -> list[dict[str, Any]]:
    """Everyone on the case once, with every capacity: borrower of a loan, guarantor, role in a proceeding."""
    found: dict[int, dict[str, Any]] = {}

    def add(party: Any, capacity: str) -> None:
        row = found.setdefault(party.pk, {"party": party, "capacities": []})
        if capacity not in row["capacities"]:
            row["capacities"].append(capacity)

    for link in loans:
        for loan_party in link.loan.loan_parties.all():
            add(loan_party.party, f"{loan_party.get_role_display()} · {link.loan.contract_no}")
        for guarantee in link.loan.guarantee_contracts.all():
            add(guarantee.guarantor, f"{guarantee.get_guarantee_type_display()} · {guarantee.contract_no}")
        for security in link.loan.security_contracts.all():
            add(security.provider, f"{security.get_kind_display()} · {security.contract_no}")
    for proceeding in proceedings:
        for participant in proceeding.participants.all():
            if participant.party is not None:
                add(participant.party, f"{participant.get_role_display()} · {proceeding.get_kind_display()}")
    return list(found.values())


def case_party_choices(case: Case) -> list[Any]:
    """Parties who can take part in a proceeding of the case: everyone on its loans and their security."""
    rows = _case_parties(case, _loans(case), [])
    return [row["party"] for row in rows]


def suing_units(case: Case) -> list[Any]:
    """The handling unit and the units above it: any of them may be the plaintiff (the suing unit)."""
    from loanlit.core.models import OrgUnit

    path = case.handling_unit.path
    parts = [p for p in path.split(".") if p]
    prefixes = [".".join(parts[: i + 1]) + "." for i in range(len(parts))]
    return list(OrgUnit.objects.filter(path__in=prefixes).order_by("-path"))


def _tab_context(request: HttpRequest, case: Case, tab: str) -> dict[str, Any]:
    if tab == "overview":
        return {
            "outstanding": selectors.case_outstanding(case),
            "claim_lines": claim_lines(case),
            "placement": case.placements.filter(recalled_on__isnull=True).select_related("law_firm").first(),
        }
    if tab == "parties":
        loans = _loans(case)
        return {"case_parties": _case_parties(case, loans, _proceedings(case))}
    if tab == "loans":
        return {"case_loans": _loans(case)}
    if tab == "proceedings":
        return {"proceedings": _proceedings(case)}
    if tab == "money":
        highlighted = request.GET.get("recovery", "")
        return {
            "outstanding": selectors.case_outstanding(case),
            "costs": list(case.costs.select_related("proceeding").order_by("paid_on", "pk")),
            "recoveries": list(case.recoveries.order_by("received_on", "pk")),
            "highlighted_recovery": int(highlighted) if highlighted.isdigit() else None,
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
    context["borrowers"] = borrowers_of(_decorate(list(_with_borrowers(Case.objects.filter(pk=case.pk))))[0])
    context["position"] = case.procedural_position
    context["outstanding_header"] = context.get("outstanding") or selectors.case_outstanding(case)
    return render(request, "cases/case_detail.html", context)


@require_GET
def case_tab(request: HttpRequest, pk: int, tab: str) -> HttpResponse:
    if tab not in TABS:
        raise Http404(tab)
    case = case_for_read(request, pk)
    return render(request, "cases/partials/tabs.html", _case_context(request, case, tab))
