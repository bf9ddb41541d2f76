"""Write forms of the case page. Each one: parse → scope (404 outside, 403 for viewers) → service → redirect.

A stale ``version`` (somebody saved in between) answers 409 with the posted values next to the current
ones; a broken business rule is shown on the form; nothing is half-written (the services are atomic).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loanlit.cases import selectors, services
from loanlit.cases.forms import (
    CaseEditForm,
    CaseStageForm,
    ClaimComputeForm,
    CostForm,
    HearingForm,
    JudgmentForm,
    JudgmentItemFormSet,
    PlacementForm,
    ProceedingEditForm,
    ProceedingForm,
    ProceedingPartyForm,
    ProceedingResultForm,
    RecallForm,
    RecoveryForm,
    ServiceRecordForm,
)
from loanlit.cases.models import Case, Proceeding
from loanlit.cases.views.common import (
    actor,
    call_service,
    case_for_write,
    case_tab_url,
    done,
    render_form,
    save_or_conflict,
)
from loanlit.cases.views.pages import claim_lines

GET_POST = ["GET", "POST"]


def _proceeding(case: Case, proceeding_pk: int) -> Proceeding:
    # Looked up inside the already scoped case: another case's proceeding is a 404 like a missing one.
    return get_object_or_404(case.proceedings.select_related("court"), pk=proceeding_pk)


# --- the case itself ------------------------------------------------------------------------------------


@require_http_methods(GET_POST)
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Handler, co-handlers, priority and tags (the service checks who may be chosen)."""
    case = case_for_write(request, pk)
    form = CaseEditForm(
        request.POST or None,
        initial=CaseEditForm.initial_for(case),
        handlers=selectors.handler_choices(user=request.user, case=case),
        co_handlers=selectors.co_handler_choices(user=request.user, case=case),
    )
    url = reverse("cases:case_edit", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        updated, conflict = save_or_conflict(
            request,
            form=form,
            service=services.case_update,
            current=lambda: CaseEditForm.current_for(case_for_write(request, pk)),
            back_url=url,
            case=case,
            arguments={
                "actor": actor(request),
                "case": case,
                "version": data["version"],
                "handler": data["handler"],
                "co_handlers": list(data["co_handlers"]),
                "priority": data["priority"],
                "tags": data["tags"],
            },
        )
        if conflict is not None:
            return conflict
        if updated is not None:
            return done(request, case.get_absolute_url(), _("The case was saved."))
    return render_form(request, form=form, title=_("Edit %(no)s") % {"no": case.internal_no}, action=url, case=case)


@require_http_methods(GET_POST)
def case_stage(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the case to another stage (only the allowed transitions are offered, the service checks again)."""
    case = case_for_write(request, pk)
    form = CaseStageForm(
        request.POST or None, initial=CaseStageForm.initial_for(case), stages=selectors.next_stages(case)
    )
    url = reverse("cases:case_stage", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        updated, conflict = save_or_conflict(
            request,
            form=form,
            service=services.case_change_stage,
            current=lambda: CaseStageForm.initial_for(case_for_write(request, pk)),
            back_url=url,
            case=case,
            arguments={
                "actor": actor(request),
                "case": case,
                "to_stage": data["stage"],
                "version": data["version"],
                "note": data["note"],
            },
        )
        if conflict is not None:
            return conflict
        if updated is not None:
            return done(
                request, case.get_absolute_url(), _("The case was moved to “%(stage)s”.") % {"stage": data["stage"]}
            )
    return render_form(
        request,
        form=form,
        title=_("Change the stage of %(no)s") % {"no": case.internal_no},
        action=url,
        case=case,
        extra={"current_stage": case.stage},
    )


@require_http_methods(GET_POST)
def claim_compute(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    initial = {"version": case.version, "as_of": case.claim_as_of or timezone.localdate()}
    form = ClaimComputeForm(request.POST or None, initial=initial)
    url = reverse("cases:claim_compute", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        amounts = form.override_amounts()
        override = None
        if amounts is not None:
            override = services.ClaimOverride(**amounts, reason=data.get("reason") or "")
        result, conflict = save_or_conflict(
            request,
            form=form,
            service=services.case_compute_claim,
            current=lambda: _claim_current(case_for_write(request, pk)),
            back_url=url,
            case=case,
            arguments={
                "actor": actor(request),
                "case": case,
                "as_of": data["as_of"],
                "override": override,
                "version": data["version"],
                "exchange_rate": data.get("exchange_rate"),
            },
        )
        if conflict is not None:
            return conflict
        if result is not None:
            return done(request, case_tab_url(case, "overview", "claim"), _("The claim was computed."))
    return render_form(
        request,
        form=form,
        title=_("Compute the claim"),
        action=url,
        case=case,
        template="cases/claim_form.html",
        extra={"claim_lines": claim_lines(case)},
    )


def _claim_current(case: Case) -> dict[str, Any]:
    return {
        "as_of": case.claim_as_of,
        "override": case.claim_overridden,
        "principal": case.claim_principal,
        "interest": case.claim_interest,
        "penalty": case.claim_penalty,
        "compound": case.claim_compound,
        "fees": case.claim_fees,
    }


@require_http_methods(GET_POST)
def placement_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    law_firms = selectors.law_firms_for_user(user=request.user)
    initial = {"version": case.version, "placed_on": timezone.localdate()}
    form = PlacementForm(request.POST or None, initial=initial, law_firms=law_firms)
    url = reverse("cases:placement_add", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        placement, conflict = save_or_conflict(
            request,
            form=form,
            service=services.case_place_with_firm,
            current=lambda: {"law_firm": case_for_write(request, pk).law_firm_id},
            back_url=url,
            case=case,
            arguments={
                "actor": actor(request),
                "case": case,
                "law_firm": data["law_firm"],
                "placed_on": data["placed_on"],
                "version": data["version"],
            },
        )
        if conflict is not None:
            return conflict
        if placement is not None:
            return done(request, case_tab_url(case, "overview"), _("The case was placed with the law firm."))
    return render_form(request, form=form, title=_("Place with a law firm"), action=url, case=case, submit=_("Place"))


@require_http_methods(GET_POST)
def placement_recall(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    if case.law_firm_id is None:
        raise Http404("not placed")
    form = RecallForm(request.POST or None, initial={"version": case.version, "recalled_on": timezone.localdate()})
    url = reverse("cases:placement_recall", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recalled, conflict = save_or_conflict(
            request,
            form=form,
            service=services.case_recall,
            current=lambda: {"recalled_on": None},
            back_url=url,
            case=case,
            arguments={
                "actor": actor(request),
                "case": case,
                "recalled_on": data["recalled_on"],
                "version": data["version"],
            },
        )
        if conflict is not None:
            return conflict
        if recalled is not None:
            return done(request, case_tab_url(case, "overview"), _("The case was recalled from the law firm."))
    return render_form(
        request,
        form=form,
        title=_("Recall from %(firm)s") % {"firm": case.law_firm},
        action=url,
        case=case,
        submit=_("Recall"),
    )


# --- proceedings ----------------------------------------------------------------------------------------


@require_http_methods(GET_POST)
def proceeding_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    form = ProceedingForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        proceeding = call_service(form, services.proceeding_open, actor=actor(request), case=case, **form.cleaned_data)
        if proceeding is not None:
            return done(request, _proceeding_anchor(case, proceeding), _("The proceeding was added."))
    return render_form(
        request, form=form, title=_("Add a proceeding"), action=reverse("cases:proceeding_add", args=[pk]), case=case
    )


def _proceeding_anchor(case: Case, proceeding: Proceeding) -> str:
    return case_tab_url(case, "proceedings", f"proceeding-{proceeding.pk}")


@require_http_methods(GET_POST)
def proceeding_edit(request: HttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    """Court, court case number (known after filing), dates, judge and clerk."""
    case = case_for_write(request, pk)
    proceeding = _proceeding(case, proceeding_pk)
    form = ProceedingEditForm(
        request.POST or None, initial=ProceedingEditForm.initial_for(proceeding), proceeding=proceeding
    )
    url = reverse("cases:proceeding_edit", args=[pk, proceeding_pk])
    if request.method == "POST" and form.is_valid():
        updated, conflict = save_or_conflict(
            request,
            form=form,
            service=services.proceeding_update,
            current=lambda: ProceedingEditForm.initial_for(_proceeding(case_for_write(request, pk), proceeding_pk)),
            back_url=url,
            case=case,
            arguments={"actor": actor(request), "proceeding": proceeding, **form.cleaned_data},
        )
        if conflict is not None:
            return conflict
        if updated is not None:
            return done(request, _proceeding_anchor(case, proceeding), _("The proceeding was saved."))
    return render_form(
        request, form=form, title=_("Edit %(name)s") % {"name": proceeding.get_kind_display()}, action=url, case=case
    )


@require_http_methods(GET_POST)
def proceeding_result(request: HttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    proceeding = _proceeding(case, proceeding_pk)
    form = ProceedingResultForm(request.POST or None, initial=ProceedingResultForm.initial_for(proceeding))
    url = reverse("cases:proceeding_result", args=[pk, proceeding_pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        updated, conflict = save_or_conflict(
            request,
            form=form,
            service=services.proceeding_record_result,
            current=lambda: ProceedingResultForm.initial_for(_proceeding(case_for_write(request, pk), proceeding_pk)),
            back_url=url,
            case=case,
            arguments={
                "actor": actor(request),
                "proceeding": proceeding,
                "result": data["result"],
                "result_on": data["result_on"],
                "close": data["close"],
                "version": data["version"],
            },
        )
        if conflict is not None:
            return conflict
        if updated is not None:
            return done(request, _proceeding_anchor(case, proceeding), _("The result was recorded."))
    return render_form(request, form=form, title=_("Result of %(name)s") % {"name": proceeding}, action=url, case=case)


@require_http_methods(GET_POST)
def proceeding_party_add(request: HttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    proceeding = _proceeding(case, proceeding_pk)
    choices = selectors.proceeding_participant_choices(user=request.user, case=case)
    form = ProceedingPartyForm(request.POST or None, parties=choices.parties, units=choices.units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        added = call_service(
            form,
            services.proceeding_party_add,
            actor=actor(request),
            proceeding=proceeding,
            party=data["party"],
            unit=data["unit"],
            role=data["role"],
        )
        if added is not None:
            return done(request, _proceeding_anchor(case, proceeding), _("The participant was added."))
    return render_form(
        request,
        form=form,
        title=_("Add a participant to %(name)s") % {"name": proceeding},
        action=reverse("cases:proceeding_party_add", args=[pk, proceeding_pk]),
        case=case,
    )


@require_http_methods(GET_POST)
def hearing_add(request: HttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    proceeding = _proceeding(case, proceeding_pk)
    form = HearingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hearing = call_service(
            form, services.hearing_schedule, actor=actor(request), proceeding=proceeding, **form.cleaned_data
        )
        if hearing is not None:
            return done(request, _proceeding_anchor(case, proceeding), _("The hearing was scheduled."))
    return render_form(
        request,
        form=form,
        title=_("Schedule a hearing in %(name)s") % {"name": proceeding},
        action=reverse("cases:hearing_add", args=[pk, proceeding_pk]),
        case=case,
    )


@require_http_methods(GET_POST)
def service_record_add(request: HttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    proceeding = _proceeding(case, proceeding_pk)
    form = ServiceRecordForm(request.POST or None, proceeding=proceeding)
    if request.method == "POST" and form.is_valid():
        record = call_service(form, services.service_record_add, actor=actor(request), **form.cleaned_data)
        if record is not None:
            return done(request, _proceeding_anchor(case, proceeding), _("The service was recorded."))
    return render_form(
        request,
        form=form,
        title=_("Record service in %(name)s") % {"name": proceeding},
        action=reverse("cases:service_record_add", args=[pk, proceeding_pk]),
        case=case,
    )


@require_http_methods(GET_POST)
def judgment_record(request: HttpRequest, pk: int, proceeding_pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    proceeding = _proceeding(case, proceeding_pk)
    data = request.POST or None
    form = JudgmentForm(data, initial={"version": proceeding.version, "performance_days": 10})
    items = JudgmentItemFormSet(data, prefix="items")
    url = reverse("cases:judgment_record", args=[pk, proceeding_pk])
    if request.method == "POST" and form.is_valid() and items.is_valid():
        rows = [
            services.JudgmentItemInput(**{k: v for k, v in item.cleaned_data.items() if k != "DELETE"})
            for item in items
            if item.cleaned_data.get("kind")
        ]
        if not rows:
            form.add_error(None, _("Enter at least one item of the judgment."))
        else:
            judgment, conflict = save_or_conflict(
                request,
                form=form,
                service=services.proceeding_record_judgment,
                current=lambda: _judgment_current(_proceeding(case_for_write(request, pk), proceeding_pk)),
                back_url=url,
                case=case,
                arguments={
                    "actor": actor(request),
                    "proceeding": proceeding,
                    "kind": form.cleaned_data["kind"],
                    "judged_on": form.cleaned_data["judged_on"],
                    "performance_days": form.cleaned_data["performance_days"],
                    "items": rows,
                    "version": form.cleaned_data["version"],
                },
            )
            if conflict is not None:
                return conflict
            if judgment is not None:
                return done(request, _proceeding_anchor(case, proceeding), _("The judgment was recorded."))
    return render_form(
        request,
        form=form,
        title=_("Record the judgment in %(name)s") % {"name": proceeding},
        action=url,
        case=case,
        template="cases/judgment_form.html",
        extra={"items": items, "proceeding": proceeding},
    )


def _judgment_current(proceeding: Proceeding) -> dict[str, Any]:
    judgment = getattr(proceeding, "judgment", None)
    if judgment is None:
        return {"kind": None, "judged_on": None, "performance_days": None}
    return {"kind": judgment.kind, "judged_on": judgment.judged_on, "performance_days": judgment.performance_days}


# --- money ------------------------------------------------------------------------------------------------


@require_http_methods(GET_POST)
def cost_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    form = CostForm(request.POST or None, case=case, initial={"paid_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        cost = call_service(form, services.cost_record, actor=actor(request), case=case, **form.cleaned_data)
        if cost is not None:
            return done(request, case_tab_url(case, "money", f"cost-{cost.pk}"), _("The cost was recorded."))
    return render_form(
        request, form=form, title=_("Record a cost"), action=reverse("cases:cost_add", args=[pk]), case=case
    )


@require_http_methods(GET_POST)
def recovery_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_write(request, pk)
    form = RecoveryForm(request.POST or None, case=case, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        recovery = call_service(form, services.recovery_record, actor=actor(request), case=case, **form.cleaned_data)
        if recovery is not None:
            return done(
                request,
                case_tab_url(case, "money", f"recovery-{recovery.pk}").replace(
                    "?tab=money", f"?tab=money&recovery={recovery.pk}"
                ),
                _("The recovery was recorded. Its allocation is shown below."),
            )
    return render_form(
        request, form=form, title=_("Record a recovery"), action=reverse("cases:recovery_add", args=[pk]), case=case
    )
