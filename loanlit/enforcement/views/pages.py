"""Read pages: the enforcement page of a case and the cross-case lists, all scoped to the user."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from loanlit import audit
from loanlit.accounts.reauth import require_recent_auth
from loanlit.cases import access
from loanlit.cases.views.common import case_for_read, deny, is_htmx
from loanlit.core.ids import parse_id
from loanlit.enforcement import selectors
from loanlit.enforcement.views.common import WRITE_OFF_CODE
from loanlit.rules.texts import msg_texts

EXPIRING_CHOICES = (30, 60, 90, 180)


@require_GET
def case_enforcement(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_read(request, case_pk)
    today = timezone.localdate()
    page = selectors.case_enforcement(user=request.user, case=case, today=today)
    context = {
        "case": case,
        "page": page,
        "explanation": msg_texts(page.position.explanation) if page.position else [],
        "today": today,
        "can_edit": access.can_edit(request.user, case) and not case.is_closed,
        "can_write_off": request.user.has_code(WRITE_OFF_CODE),  # type: ignore[union-attr]
        "can_unmask": request.user.has_code("personal_data.unmask"),  # type: ignore[union-attr]
        "title": case.internal_no,
    }
    return render(request, "enforcement/case_enforcement.html", context)


@require_POST
@require_recent_auth
def asset_reveal(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    """Show an asset's registration number and location in full, once, and log who read them."""
    case = case_for_read(request, case_pk)
    asset = selectors.asset_for_case(case=case, pk=pk)
    if not request.user.has_code("personal_data.unmask"):  # type: ignore[union-attr]
        raise deny(request, "personal_data.unmask", asset)
    revealed = {
        "registration_no": asset.registration_no.reveal() if asset.registration_no is not None else "",
        "location": asset.location.reveal() if asset.location is not None else "",
    }
    audit.access_log(
        user=request.user,
        action=audit.AccessAction.PERSONAL_DATA_READ,
        target=asset,
        request=request,
        detail={"fields": [name for name, value in revealed.items() if value]},
    )
    template = "enforcement/partials/asset_revealed.html"
    context = {"asset": asset, "revealed": revealed, "case": case}
    if is_htmx(request):
        return render(request, template, context)
    return render(request, "enforcement/asset_revealed_page.html", context)


@require_GET
def dashboard_panel(request: HttpRequest) -> HttpResponse:
    """The dashboard's enforcement counts (loaded by htmx after the dashboard), scoped to the user."""
    counts = selectors.dashboard_counts(user=request.user, today=timezone.localdate())
    return render(request, "enforcement/partials/dashboard_counts.html", {"counts": counts})


def _days(request: HttpRequest) -> int:
    raw = request.GET.get("days", "")
    days = parse_id(raw)
    return days if days in EXPIRING_CHOICES else selectors.EXPIRING_DAYS


@require_GET
def expiring_measures(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = _days(request)
    rows = selectors.expiring_measures_for_user(user=request.user, today=today, within_days=days)
    return render(
        request,
        "enforcement/expiring_measures.html",
        {"rows": rows, "days": days, "choices": EXPIRING_CHOICES, "today": today, "limit": selectors.LIST_LIMIT},
    )


@require_GET
def termination_pool(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    due_only = request.GET.get("due") == "1"
    rows = selectors.termination_pool_for_user(user=request.user, today=today, due_only=due_only)
    return render(request, "enforcement/termination_pool.html", {"rows": rows, "due_only": due_only, "today": today})


@require_GET
def over_limit(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = selectors.over_limit_for_user(user=request.user, today=today)
    return render(request, "enforcement/over_limit.html", {"rows": rows, "today": today})


@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("all") != "1"
    rows = selectors.follow_ups_for_user(user=request.user, mine_only=mine)
    return render(request, "enforcement/follow_ups.html", {"rows": rows, "mine": mine, "today": timezone.localdate()})


@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.transfers_for_user(user=request.user)[: selectors.LIST_LIMIT])
    return render(
        request,
        "enforcement/transfer_list.html",
        {"rows": rows, "can_write_off": request.user.has_code(WRITE_OFF_CODE)},  # type: ignore[union-attr]
    )


@require_GET
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer, items = selectors.transfer_get_for_user(user=request.user, pk=pk)
    return render(request, "enforcement/transfer_detail.html", {"transfer": transfer, "items": items})
