"""Internal approval pages: policies (workflow.manage_policies), the inbox, a request with its steps and the
decision form, withdrawing, and the request forms on a case (file the suit, pay a cost, withdraw a
proceeding) — each says whether this amount needs approval and otherwise carries the action out at once.

Parse → scope (404 outside, 403 in scope without the right) → service → redirect.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.cases.models import Case, Proceeding
from loanlit.cases.views.common import Stale, actor, call_service, case_for_write, case_tab_url, deny, done
from loanlit.core.errors import DomainError
from loanlit.workflow import forms_decisions as forms
from loanlit.workflow import selectors_decisions as selectors
from loanlit.workflow.models.decisions import DecisionKind, DecisionRequest
from loanlit.workflow.services import decisions as services

GET_POST = ["GET", "POST"]


def _data(request: HttpRequest) -> Any:
    # An empty POST still binds the form: an empty QueryDict is falsy, so "request.POST or None" would not.
    return request.POST if request.method == "POST" else None


# --- policies ---------------------------------------------------------------------------------------------


def _require_manager(request: HttpRequest) -> None:
    if not services.may_manage_policies(request.user):
        raise deny(request, services.MANAGE_CODE)


@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return _policy_list_page(request)


@require_http_methods(GET_POST)
def policy_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = forms.PolicyForm(_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        policy = call_service(
            form,
            services.approval_policy_create,
            actor=actor(request),
            kind=data["kind"],
            creditor=data["creditor"],
            min_amount=data["min_amount"],
            approver_roles=form.roles(),
            mode=data["mode"],
        )
        if policy is not None:
            return done(request, reverse("workflow:decision_policy_list"), _("The approval policy was saved."))
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "title": _("New approval policy"),
        "action": reverse("workflow:decision_policy_create"),
        "back_url": reverse("workflow:decision_policy_list"),
        "submit": _("Save"),
    }
    return render(request, "workflow/decisions/policy_form.html", context, status=status)


@require_http_methods(GET_POST)
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    policy = selectors.policy_get_for_manager(user=request.user, pk=pk)
    form = forms.PolicyForm(
        _data(request), user=request.user, initial=forms.PolicyForm.initial_for(policy), editing=True
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = call_service(
                form,
                services.approval_policy_update,
                actor=actor(request),
                policy=policy,
                version=data.get("version") or 0,
                creditor=data["creditor"],
                min_amount=data["min_amount"],
                approver_roles=form.roles(),
                mode=data["mode"],
                is_active=data["is_active"],
            )
        except Stale as stale:  # changed meanwhile: said on the form, nothing saved
            form.add_error(None, stale.error.message)
            saved = None
        if saved is not None:
            return done(request, reverse("workflow:decision_policy_list"), _("The approval policy was saved."))
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "policy": policy,
        "title": _("Approval policy: %(kind)s") % {"kind": policy.get_kind_display()},
        "action": reverse("workflow:decision_policy_edit", args=[policy.pk]),
        "back_url": reverse("workflow:decision_policy_list"),
        "submit": _("Save"),
    }
    return render(request, "workflow/decisions/policy_form.html", context, status=status)


def _policy_list_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    policies = selectors.with_role_labels(list(selectors.policies_for_manager(user=request.user)))
    return render(request, "workflow/decisions/policy_list.html", {"policies": policies, "error": error}, status=status)


@require_POST
def policy_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    policy = selectors.policy_get_for_manager(user=request.user, pk=pk)
    raw = request.POST.get("version", "").strip()
    if not raw.isdigit() or len(raw) > 18:  # missing or garbage: refused on the page, nothing written
        return _policy_list_page(
            request, error=_("The form was out of date: reload the page and try again."), status=400
        )
    try:
        call_service(None, services.approval_policy_deactivate, actor=actor(request), policy=policy, version=int(raw))
    except Stale as stale:  # changed meanwhile: said on the list (as it is now), nothing saved
        return _policy_list_page(request, error=stale.error.message, status=409)
    return done(request, reverse("workflow:decision_policy_list"), _("The approval policy no longer applies."))


# --- inbox and requests ---------------------------------------------------------------------------------


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    # Internal approvals do not exist for an external (law firm) user: 404 like a missing page (issue 10).
    if not selectors.may_see_decisions(request.user):
        raise Http404
    context = {
        "waiting": selectors.decision_requests_waiting_for(user=request.user),
        "mine_pending": list(selectors.decision_requests_of(user=request.user, pending=True)),
        "mine_decided": list(selectors.decision_requests_of(user=request.user, pending=False)),
        "decided_by_me": list(selectors.decision_requests_decided_by(user=request.user)),
    }
    return render(request, "workflow/decisions/inbox.html", context)


def _detail_context(request: HttpRequest, decision: DecisionRequest, form: Any = None) -> dict[str, Any]:
    step = selectors.step_for_user(request=decision, user=request.user)
    waiting = selectors.waiting_step(decision)
    steps = list(decision.steps.all())
    for each in steps:
        each.role_labels = selectors.role_labels(services.step_roles(each))  # type: ignore[attr-defined]
    return {
        "decision": decision,
        "steps": steps,
        "step": step,
        "waiting": waiting,
        "waiting_roles": selectors.role_labels(services.step_roles(waiting)) if waiting is not None else [],
        "own": decision.requested_by_id == request.user.pk,
        "form": form if form is not None else (forms.DecideForm() if step is not None else None),
        "may_withdraw": decision.state == DecisionRequest.State.PENDING and decision.requested_by_id == request.user.pk,
        "error": decision.result.get("error", "") if isinstance(decision.result, dict) else "",
    }


@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.decision_request_get_for_user(user=request.user, pk=pk)
    return render(request, "workflow/decisions/request_detail.html", _detail_context(request, decision))


@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.decision_request_get_for_user(user=request.user, pk=pk)
    if selectors.step_for_user(request=decision, user=request.user) is None:
        raise deny(request, "decision_step", decision)
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        service = services.decision_approve if approve else services.decision_reject
        result = call_service(
            form, service, actor=actor(request), request=decision, comment=form.cleaned_data["comment"]
        )
        if result is not None:
            messages: dict[str, str] = {
                DecisionRequest.State.APPROVED: _("Approved and carried out."),
                DecisionRequest.State.FAILED: _("Approved, but the action failed: see the request."),
                DecisionRequest.State.REJECTED: _("Rejected."),
                DecisionRequest.State.PENDING: _("Approved: the next approver decides now."),
            }
            url = reverse("workflow:decision_detail", args=[decision.pk])
            return done(request, url, messages.get(result.state, ""))
    decision = selectors.decision_request_get_for_user(user=request.user, pk=pk)
    return render(
        request, "workflow/decisions/request_detail.html", _detail_context(request, decision, form), status=400
    )


@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.decision_request_get_for_user(user=request.user, pk=pk)
    if decision.requested_by_id != request.user.pk:
        raise deny(request, "not_requester", decision)
    try:
        call_service(None, services.decision_withdraw, actor=actor(request), request=decision)
    except DomainError as error:
        context = {**_detail_context(request, decision), "withdraw_error": error.message}
        return render(request, "workflow/decisions/request_detail.html", context, status=400)
    return done(request, reverse("workflow:decision_detail", args=[decision.pk]), _("The request was withdrawn."))


# --- requests on a case ---------------------------------------------------------------------------------


def _case_for_request(request: HttpRequest, case_pk: int) -> Case:
    """The case of a request form: 404 for whoever may not see internal approvals (an external lawyer must
    not learn the forms exist), else as any write form (404 outside scope, 403 for a viewer)."""
    if not selectors.may_see_decisions(request.user):
        raise Http404
    return case_for_write(request, case_pk)


def _thresholds(kind: str, case: Case, amount: Decimal | None) -> dict[str, Any]:
    """What the form says: the thresholds in force and whether ``amount`` (when known) needs approval."""
    policies = selectors.with_role_labels(selectors.policies_in_force(kind=kind, creditor_id=case.creditor_id))
    applies = services.policy_for(kind=kind, creditor=case.creditor_id, amount=amount) if amount is not None else None
    return {"policies": policies, "applies": applies, "amount": amount}


def _requested(
    request: HttpRequest, case: Case, outcome: tuple[DecisionRequest | None, Any], done_message: str
) -> HttpResponse:
    decision, _result = outcome
    if decision is not None:
        return done(
            request,
            reverse("workflow:decision_detail", args=[decision.pk]),
            _("Approval is needed: the request was sent to the approvers."),
        )
    return done(request, case.get_absolute_url(), done_message)


def _request_page(
    request: HttpRequest, *, case: Case, form: Any, kind: str, amount: Decimal | None, title: str, action: str
) -> HttpResponse:
    context = {
        "case": case,
        "form": form,
        "title": title,
        "action": action,
        "kind_label": DecisionKind(kind).label,
        "submit": _("Continue"),
        "back_url": case.get_absolute_url(),
        **_thresholds(kind, case, amount),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "workflow/decisions/request_form.html", context, status=status)


@require_http_methods(GET_POST)
def request_file_suit(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case_for_request(request, case_pk)
    form = forms.FileSuitRequestForm(_data(request))
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            form,
            services.decision_run_or_request,
            actor=actor(request),
            kind=DecisionKind.FILE_SUIT,
            case=case,
            amount=case.claim_total,
            currency=case.claim_currency,
            payload={"note": form.cleaned_data["note"]},
            summary=_("File the suit of %(case)s") % {"case": case.internal_no},
            reason=form.cleaned_data["reason"],
        )
        if outcome is not None:
            return _requested(request, case, outcome, _("The case was moved to “filed”."))
    return _request_page(
        request,
        case=case,
        form=form,
        kind=DecisionKind.FILE_SUIT,
        amount=case.claim_total,
        title=_("File the suit of %(case)s") % {"case": case.internal_no},
        action=reverse("workflow:decision_file_suit", args=[case.pk]),
    )


@require_http_methods(GET_POST)
def request_cost(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case_for_request(request, case_pk)
    form = forms.CostRequestForm(_data(request), case=case, initial={"paid_on": timezone.localdate()})
    amount = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        amount = data["amount"]
        outcome = call_service(
            form,
            services.decision_run_or_request,
            actor=actor(request),
            kind=DecisionKind.COST_PAYMENT,
            case=case,
            amount=amount,
            currency=data.get("currency") or case.claim_currency,
            payload=services.cost_payload(**data),
            summary=_("Pay a cost on %(case)s") % {"case": case.internal_no},
            reason=reason,
        )
        if outcome is not None:
            decision, result = outcome
            if decision is None and result:
                return done(
                    request, case_tab_url(case, "money", f"cost-{result['cost_id']}"), _("The cost was recorded.")
                )
            return _requested(request, case, outcome, _("The cost was recorded."))
    return _request_page(
        request,
        case=case,
        form=form,
        kind=DecisionKind.COST_PAYMENT,
        amount=amount,
        title=_("Pay a cost on %(case)s") % {"case": case.internal_no},
        action=reverse("workflow:decision_cost", args=[case.pk]),
    )


@require_http_methods(GET_POST)
def request_withdrawal(request: HttpRequest, case_pk: int, proceeding_pk: int) -> HttpResponse:
    case = _case_for_request(request, case_pk)
    proceeding = Proceeding.objects.filter(pk=proceeding_pk, case_id=case.pk).first()
    if proceeding is None:
        raise Http404
    form = forms.WithdrawalRequestForm(
        _data(request), proceeding=proceeding, initial={"result_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = call_service(
            form,
            services.decision_run_or_request,
            actor=actor(request),
            kind=DecisionKind.WITHDRAWAL,
            case=case,
            amount=case.claim_total,
            currency=case.claim_currency,
            payload={"proceeding": proceeding.pk, "result_on": data["result_on"].isoformat(), "close": data["close"]},
            summary=_("Withdraw %(proceeding)s of %(case)s")
            % {"proceeding": proceeding.get_kind_display(), "case": case.internal_no},
            reason=data["reason"],
        )
        if outcome is not None:
            return _requested(request, case, outcome, _("The withdrawal was recorded."))
    return _request_page(
        request,
        case=case,
        form=form,
        kind=DecisionKind.WITHDRAWAL,
        amount=case.claim_total,
        title=_("Withdraw %(proceeding)s of %(case)s")
        % {"proceeding": proceeding.get_kind_display(), "case": case.internal_no},
        action=reverse("workflow:decision_withdrawal", args=[case.pk, proceeding.pk]),
    )
