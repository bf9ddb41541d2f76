"""Batch pages: list, new batch, selection by filter, the batch page and its actions (thin views).

Out of scope answers 404 like a missing id; a user who sees the batch but may not run batches gets
403 (logged). Long work (screening, packs, packages, the court list) runs as jobs; the batch page
lists them with their progress pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.accounts.reauth import require_recent_auth
from loanlit.accounts.selectors import org_units_visible_to
from loanlit.batches import screening, selectors, services, tasks
from loanlit.batches.forms import BatchForm, ChooseCourtForm, CourtListForm, LoanFilterForm, OpenCasesForm
from loanlit.batches.models import Batch, BatchItem
from loanlit.cases import selectors as case_selectors
from loanlit.cases.forms import CaseSearchForm
from loanlit.cases.views.common import deny
from loanlit.core.errors import DomainError
from loanlit.core.ids import parse_id
from loanlit.jobs import services as jobs
from loanlit.jobs.selectors import job_list_for_user

PAGE_SIZE = 50


def _require_use(request: HttpRequest) -> None:
    if not selectors.may_use_batches(request.user):
        raise Http404


def _batch_for_read(request: HttpRequest, pk: int) -> Batch:
    _require_use(request)
    return selectors.batch_get_for_user(user=request.user, pk=pk)


def _batch_for_write(request: HttpRequest, pk: int) -> Batch:
    batch = _batch_for_read(request, pk)
    if not selectors.may_run_batches(request.user):
        raise deny(request, "cases.edit", batch)
    return batch


@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    page = Paginator(selectors.batch_list_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "batches/batch_list.html",
        {"page": page, "can_run": selectors.may_run_batches(request.user)},
    )


@require_http_methods(["GET", "POST"])
def batch_add(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    if not selectors.may_run_batches(request.user):
        raise deny(request, "cases.edit")
    form = BatchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.batch_create(
                actor=request.user,
                name=data["name"],
                creditor=data["creditor"],
                filing_on=data["filing_on"],
                min_claim=data.get("min_claim") or services.ZERO,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("batches:batch_select", pk=batch.pk)
    return render(request, "batches/batch_form.html", {"form": form})


def _ids(values: list[str]) -> list[int]:
    try:
        return sorted({int(value) for value in values})
    except ValueError:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def batch_select(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose cases (the case list's filters) and loans not yet sued (a loan filter) for the batch."""
    batch = _batch_for_write(request, pk)
    if request.method == "POST":
        case_ids, loan_ids = _ids(request.POST.getlist("case")), _ids(request.POST.getlist("loan"))
        case_qs = selectors.case_candidates(user=request.user, batch=batch, filters=selectors.CaseFilters())
        loan_qs = selectors.loan_candidates(user=request.user, batch=batch, filters=selectors.LoanFilters())
        found_cases = list(case_qs.filter(pk__in=case_ids))
        found_loans = list(loan_qs.filter(pk__in=loan_ids))
        if len(found_cases) != len(case_ids) or len(found_loans) != len(loan_ids):
            raise Http404  # another branch's case or loan: exactly like a missing id
        added = services.batch_add_items(actor=request.user, batch=batch, cases=found_cases, loans=found_loans)
        messages.success(request, _("%(count)s added to the batch.") % {"count": len(added)})
        return redirect(batch.get_absolute_url())
    case_query = {key: value for key, value in request.GET.items() if not key.startswith("loan-")}
    case_form = CaseSearchForm(case_query or None, **case_selectors.case_search_choices(user=request.user))
    # Exactly as the case list reads its query (the imports' exports do the same).
    filters = case_selectors.case_filters_from_search(case_form.cleaned_or_empty() if case_form.is_bound else {})
    loan_form = LoanFilterForm(
        {k: v for k, v in request.GET.items() if k.startswith("loan-")} or None,
        units=org_units_visible_to(request.user),
    )
    cases = case_selectors.decorate_borrowers(
        list(
            case_selectors.with_borrowers(selectors.case_candidates(user=request.user, batch=batch, filters=filters))[
                :PAGE_SIZE
            ]
        )
    )
    loans = list(selectors.loan_candidates(user=request.user, batch=batch, filters=loan_form.filters())[:PAGE_SIZE])
    context = {
        "batch": batch,
        "case_form": case_form,
        "loan_form": loan_form,
        "cases": cases,
        "loans": loans,
        "page_size": PAGE_SIZE,
    }
    return render(request, "batches/batch_select.html", context)


def _batch_jobs(request: HttpRequest, batch: Batch) -> list[Any]:
    return list(
        job_list_for_user(user=request.user)
        .filter(kind__startswith="batches.", params__batch=batch.pk)
        .order_by("-created_at", "-pk")[:10]
    )


@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_read(request, pk)
    status = request.GET.get("status", "")
    items = selectors.batch_items(batch=batch)
    if status in BatchItem.Status.values:
        items = items.filter(status=status)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "item": item,
            "reasons": [screening.reason_text(r) for r in item.reasons],
            "parties": [screening.reason_text(p) for p in item.excluded_parties],
        }
        for item in page
    ]
    context = {
        "batch": batch,
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": BatchItem.Status.choices,
        "counts": selectors.status_counts(batch=batch),
        "by_court": selectors.groups_by_court(batch=batch),
        "by_firm": selectors.groups_by_firm(batch=batch),
        "jobs": _batch_jobs(request, batch),
        "can_run": selectors.may_run_batches(request.user),
        "court_form": ChooseCourtForm(),
        "list_form": CourtListForm(),
        "open_form": OpenCasesForm(),
        "loans_without_case": batch.items.filter(case__isnull=True).count(),
    }
    return render(request, "batches/batch_detail.html", context)


def _enqueue(request: HttpRequest, batch: Batch, kind: str, **params: Any) -> HttpResponse:
    job = jobs.job_enqueue(kind=kind, params={"batch": batch.pk, **params}, actor=request.user)
    messages.success(request, _("Started: follow the progress on the job page."))
    return redirect(job.get_absolute_url())


@require_POST
def batch_screen(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    return _enqueue(request, batch, tasks.SCREEN)


@require_POST
def batch_packs(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    return _enqueue(request, batch, tasks.PACKS, regenerate=request.POST.get("regenerate") == "1")


@require_POST
@require_recent_auth
def batch_package(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    courts = {group.key for group in selectors.groups_by_court(batch=batch) if group.key is not None}
    raw = request.POST.get("court", "")
    court = parse_id(raw)
    if court is None or court not in courts:
        raise Http404
    return _enqueue(request, batch, tasks.PACKAGE, court=court)


@require_POST
def batch_write_back(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    form = CourtListForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, error)
        return redirect(batch.get_absolute_url())
    upload = form.cleaned_data["file"]
    name = f"{tasks.UPLOAD_PREFIX}{batch.pk}/{get_random_string(16)}"
    with transaction.atomic():
        stored = default_storage.save(name, ContentFile(upload.read()))
        return _enqueue(request, batch, tasks.WRITE_BACK, file=stored, name=upload.name)


@require_POST
def batch_open_cases(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    form = OpenCasesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the cause of action."))
        return redirect(batch.get_absolute_url())
    try:
        opened = services.batch_open_cases(
            actor=request.user, batch=batch, cause_of_action=form.cleaned_data["cause_of_action"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)s cases opened: screen the batch again.") % {"count": len(opened)})
    return redirect(batch.get_absolute_url())


@require_POST
def item_court(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    item = selectors.item_get(batch=batch, pk=item_pk)
    form = ChooseCourtForm(request.POST)
    if form.is_valid():
        try:
            services.item_choose_court(actor=request.user, item=item, court=form.cleaned_data["court"])
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Choose the court."))
    return redirect(f"{batch.get_absolute_url()}#item-{item.pk}")


@require_POST
def item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    batch = _batch_for_write(request, pk)
    item = selectors.item_get(batch=batch, pk=item_pk)
    try:
        services.batch_item_remove(actor=request.user, item=item)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(batch.get_absolute_url())
