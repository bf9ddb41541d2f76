"""Settlement pages: create a plan (with a schedule preview), a plan with its instalments and matched
payments, cancel, re-match. Parse → scope (404 outside, 403 for a viewer) → service → redirect."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.cases import access
from loanlit.cases.views.common import actor, call_service, case_for_write, deny, done, save_or_conflict
from loanlit.core.errors import DomainError
from loanlit.workflow import selectors_settlements as selectors
from loanlit.workflow.forms_settlements import SettlementCancelForm, SettlementForm
from loanlit.workflow.models import SettlementPlan
from loanlit.workflow.services import settlements as services

GET_POST = ["GET", "POST"]


def _plan_for_write(request: HttpRequest, pk: int) -> SettlementPlan:
    """The plan for a write: 404 outside scope (like a missing id), 403 for a viewer who may not edit."""
    plan = selectors.settlement_get_for_user(user=request.user, pk=pk)
    if not access.can_edit(request.user, plan.case):
        raise deny(request, "cases.edit", plan)
    return plan


def _detail_url(plan: SettlementPlan) -> str:
    return reverse("workflow:settlement_detail", args=[plan.pk])


@require_http_methods(GET_POST)
def settlement_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    if selectors.enforcement_under_way(case):
        # One home for a settlement in enforcement: the enforcement app's form; nothing is written here.
        context = {
            "case": case,
            "title": _("New settlement plan"),
            "enforcement_url": reverse("enforcement:settlement_add", args=[case.pk]),
            "back_url": case.get_absolute_url(),
        }
        return render(request, "workflow/settlements/settlement_in_enforcement.html", context)
    form = SettlementForm(
        request.POST or None,
        initial={"agreed_on": timezone.localdate(), "phase": selectors.default_phase(case)},
    )
    preview: list[services.ScheduleRow] = []
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            try:
                preview = services.schedule_build(**form.schedule_arguments())
            except DomainError as error:
                form.add_error(None, error.message)
        else:
            plan = call_service(
                form, services.settlement_create, actor=actor(request), case=case, **form.service_arguments()
            )
            if plan is not None:
                message = (
                    _("The settlement plan awaits internal approval.")
                    if plan.status == SettlementPlan.Status.AWAITING_APPROVAL
                    else _("The settlement plan is in force.")
                )
                return done(request, _detail_url(plan), message)
    context = {
        "case": case,
        "form": form,
        "preview": preview,
        "preview_total": sum((row.amount for row in preview), services.ZERO),
        "title": _("New settlement plan"),
        "action": reverse("workflow:settlement_add", args=[case.pk]),
        "submit": _("Agree the settlement"),
        "back_url": case.get_absolute_url(),
    }
    return render(request, "workflow/settlements/settlement_form.html", context)


def _detail_context(request: HttpRequest, plan: SettlementPlan, **extra: Any) -> dict[str, Any]:
    can_edit = access.can_edit(request.user, plan.case)
    cancellable = can_edit and plan.status in services.CANCELLABLE
    return {
        "case": plan.case,
        "view": selectors.plan_view(plan),
        "plan": plan,
        "title": _("Settlement plan"),
        "can_edit": can_edit,
        "can_match": can_edit and plan.status == SettlementPlan.Status.ACTIVE,
        "cancel_form": SettlementCancelForm(initial={"version": plan.version}) if cancellable else None,
        "waived": services.waived_total(plan),
        **extra,
    }


@require_GET
def settlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.settlement_get_for_user(user=request.user, pk=pk)
    return render(request, "workflow/settlements/settlement_detail.html", _detail_context(request, plan))


@require_http_methods(GET_POST)
def settlement_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_write(request, pk)
    form = SettlementCancelForm(request.POST or None, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        result, conflict = save_or_conflict(
            request,
            form=form,
            service=services.settlement_cancel,
            arguments={
                "actor": actor(request),
                "plan": plan,
                "version": form.cleaned_data["version"],
                "reason": form.cleaned_data["reason"],
            },
            current=lambda: {"version": SettlementPlan.objects.get(pk=pk).version},
            back_url=_detail_url(plan),
            case=plan.case,
        )
        if conflict is not None:
            return conflict
        if result is not None:
            return done(request, _detail_url(plan), _("The settlement plan was cancelled."))
    context = {
        "case": plan.case,
        "plan": plan,
        "form": form,
        "title": _("Cancel the settlement plan"),
        "action": reverse("workflow:settlement_cancel", args=[plan.pk]),
        "submit": _("Cancel the plan"),
        "back_url": _detail_url(plan),
    }
    return render(request, "workflow/settlements/settlement_cancel.html", context)


@require_POST
def settlement_match(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for_write(request, pk)
    try:
        payments = call_service(None, services.settlement_payment_match, actor=actor(request), plan=plan)
    except DomainError as error:
        context = _detail_context(request, plan, match_error=error.message)
        return render(request, "workflow/settlements/settlement_detail.html", context, status=400)
    count = len(payments or [])
    message = (
        ngettext(
            "%(count)d payment was matched to the instalments.",
            "%(count)d payments were matched to the instalments.",
            count,
        )
        % {"count": count}
        if count
        else _("No new recoveries to match.")
    )
    return done(request, _detail_url(plan), message)
