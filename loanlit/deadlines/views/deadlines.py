"""Deadline pages: the cross-case list and calendar, one deadline, and the forms that close it.

Parse → scope → service → render. Out of scope answers 404 like a missing id; a viewer who may not edit
gets 403 (logged as a denied access); a stale version 409 with the current state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loanlit import audit
from loanlit.accounts.selectors import org_units_visible_to
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.deadlines import selectors, services
from loanlit.deadlines.forms import DoneForm, FilterForm, OverrideForm, WaiveForm
from loanlit.deadlines.models import Deadline
from loanlit.deadlines.services.deadlines import may_edit_deadline

LIST_LIMIT = 500


def _filters(request: HttpRequest) -> tuple[FilterForm, selectors.DeadlineFilters]:
    units = list(org_units_visible_to(request.user).values_list("pk", "name", "path"))  # type: ignore[arg-type]
    handlers_qs = (
        selectors.deadlines_visible_to(request.user)
        .filter(responsible__isnull=False)
        .values_list("responsible_id", "responsible__username")
        .distinct()
        .order_by("responsible__username")
    )
    form = FilterForm(
        request.GET or None,
        handlers=[(pk, name) for pk, name in handlers_qs],
        units=[(pk, name) for pk, name, _path in units],
    )
    if not form.is_valid():
        return form, selectors.DeadlineFilters()
    data = form.cleaned_data
    paths = {pk: path for pk, _name, path in units}
    return form, selectors.DeadlineFilters(
        when=data.get("when") or "",
        kind=data.get("kind") or "",
        status=data.get("status") or "",
        responsible=data.get("responsible"),
        unit_path=paths.get(data.get("unit") or 0, ""),
    )


@require_GET
def deadline_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    rows = list(selectors.deadline_list_for_user(user=request.user, filters=filters)[: LIST_LIMIT + 1])
    return render(
        request,
        "deadlines/deadline_list.html",
        {
            "form": form,
            "deadlines": rows[:LIST_LIMIT],
            "truncated": len(rows) > LIST_LIMIT,
            "today": timezone.localdate(),
        },
    )


def _month(raw: str) -> date:
    try:
        year, month = (int(part) for part in raw.split("-", 1))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


@require_GET
def deadline_calendar(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    first = _month(request.GET.get("month", ""))
    month = selectors.calendar_month_for_user(user=request.user, year=first.year, month=first.month, filters=filters)
    query = request.GET.copy()
    query.pop("month", None)
    return render(
        request,
        "deadlines/deadline_calendar.html",
        {"form": form, "month": month, "first": first, "query": query.urlencode(), "today": timezone.localdate()},
    )


def _detail_context(request: HttpRequest, deadline: Deadline, **forms_: forms.Form) -> dict[str, Any]:
    version = {"version": deadline.version}
    return {
        "deadline": deadline,
        "can_edit": may_edit_deadline(request.user, deadline),
        "done_form": forms_.get("done") or DoneForm(initial=version),
        "waive_form": forms_.get("waive") or WaiveForm(initial=version),
        "override_form": forms_.get("override") or OverrideForm(initial={**version, "due_on": deadline.due_on}),
    }


@require_GET
def deadline_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deadline = selectors.deadline_get_for_user(user=request.user, pk=pk)
    return render(request, "deadlines/deadline_detail.html", _detail_context(request, deadline))


def _for_write(request: HttpRequest, pk: int) -> Deadline:
    deadline = selectors.deadline_get_for_user(user=request.user, pk=pk)
    if not may_edit_deadline(request.user, deadline):
        audit.access_log(
            user=request.user,
            action=audit.AccessAction.DENIED,
            target=deadline,
            request=request,
            detail={"reason": "deadline.edit"},
        )
        raise PermissionDenied(_("You may not change this deadline."))
    return deadline


def _close(
    request: HttpRequest, pk: int, form_class: type[forms.Form], name: str, call: Callable[..., Deadline], **extra: Any
) -> HttpResponse:
    deadline = _for_write(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            call(actor=request.user, deadline=deadline, **data, **extra)
        except StaleVersionError as error:
            deadline.refresh_from_db()
            context = _detail_context(request, deadline)
            context["stale_message"] = error.message
            return render(request, "deadlines/deadline_stale.html", context, status=409)
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect(reverse("deadlines:detail", args=[deadline.pk]))
    return render(
        request, "deadlines/deadline_detail.html", _detail_context(request, deadline, **{name: form}), status=400
    )


@require_POST
def deadline_done(request: HttpRequest, pk: int) -> HttpResponse:
    return _close(request, pk, DoneForm, "done", services.deadline_mark_done)


@require_POST
def deadline_waive(request: HttpRequest, pk: int) -> HttpResponse:
    return _close(request, pk, WaiveForm, "waive", services.deadline_waive)


@require_POST
def deadline_override(request: HttpRequest, pk: int) -> HttpResponse:
    return _close(request, pk, OverrideForm, "override", services.deadline_override)
