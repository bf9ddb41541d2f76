"""Recording what starts deadlines: a fee notice or a measure on a case, a collection action on a loan.

Parse → scope → service → render. The forms sit on the per-case deadlines page and the per-loan monitors
page; writes are POST only. Out of scope answers 404 like a missing id; a viewer who may not edit gets 403
(logged as a denied access) before anything is parsed, so a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loanlit import audit
from loanlit.cases import access
from loanlit.cases import selectors as case_selectors
from loanlit.cases.models import Case
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.deadlines import selectors, services
from loanlit.deadlines.forms import CollectionActionForm, FeeNoticeForm, MeasureForm
from loanlit.deadlines.services.deadlines import may_edit_loan
from loanlit.loans.models import LoanContract


def _deny(request: HttpRequest, target: Any, reason: str, message: str) -> PermissionDenied:
    audit.access_log(
        user=request.user, action=audit.AccessAction.DENIED, target=target, request=request, detail={"reason": reason}
    )
    return PermissionDenied(message)


def _call(form: forms.Form, call: Callable[..., Any], **kwargs: Any) -> bool:
    """Run the service; a broken rule becomes the form's error (the service rolled back, nothing written)."""
    try:
        call(**kwargs)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        form.add_error(None, error.message)
        return False
    return True


# --- per case --------------------------------------------------------------------------------------


def _case_page(
    request: HttpRequest, case: Case, *, fee_form: FeeNoticeForm | None = None, measure_form: MeasureForm | None = None
) -> HttpResponse:
    invalid = fee_form is not None or measure_form is not None
    # A refused form is shown with its error even where the page would offer none (a case closed meanwhile).
    can_edit = invalid or (access.can_edit(request.user, case) and not case.is_closed)
    context = {
        "case": case,
        "deadlines": list(selectors.deadlines_for_case(user=request.user, case=case)),
        "today": timezone.localdate(),
        "can_edit": can_edit,
        "fee_form": fee_form or FeeNoticeForm(case=case),
        "measure_form": measure_form or MeasureForm(case=case),
    }
    return render(request, "deadlines/deadline_case.html", context, status=400 if invalid else 200)


@require_GET
def deadline_case(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_selectors.case_get_for_user(user=request.user, pk=case_pk)
    return _case_page(request, case)


def _case_for_write(request: HttpRequest, case_pk: int) -> Case:
    case = case_selectors.case_get_for_user(user=request.user, pk=case_pk)
    if not access.can_edit(request.user, case):
        raise _deny(request, case, "case.edit", _("You may not change this case."))
    return case


@require_POST
def fee_notice_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case_for_write(request, case_pk)
    form = FeeNoticeForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        if _call(
            form,
            services.fee_notice_record,
            actor=request.user,
            case=case,
            received_on=data["received_on"],
            proceeding=data["proceeding"],
        ):
            messages.success(request, _("The fee notice was recorded; the payment deadline is on the list."))
            return redirect(reverse("deadlines:case", args=[case.pk]))
    return _case_page(request, case, fee_form=form)


@require_POST
def measure_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case_for_write(request, case_pk)
    form = MeasureForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        if _call(
            form,
            services.deadline_create_for_measure,
            actor=request.user,
            case=case,
            kind=data["kind"],
            took_effect_on=data["took_effect_on"],
            asset_type=data["asset_type"],
            pre_suit=data["pre_suit"],
            proceeding=data["proceeding"],
        ):
            messages.success(request, _("The measure was recorded; its expiry and renewal dates are on the list."))
            return redirect(reverse("deadlines:case", args=[case.pk]))
    return _case_page(request, case, measure_form=form)


# --- per loan --------------------------------------------------------------------------------------


def _loan_page(request: HttpRequest, loan: LoanContract, *, form: CollectionActionForm | None = None) -> HttpResponse:
    can_edit = may_edit_loan(request.user, loan)
    context = {
        "loan": loan,
        "deadlines": list(selectors.monitors_for_loan(user=request.user, loan=loan)),
        "actions": list(selectors.collection_actions_for_loan(loan=loan)),
        "today": timezone.localdate(),
        "can_edit": can_edit,
        "form": form or (CollectionActionForm() if can_edit else None),
    }
    return render(request, "deadlines/deadline_loan.html", context, status=400 if form is not None else 200)


@require_GET
def deadline_loan(request: HttpRequest, loan_pk: int) -> HttpResponse:
    return _loan_page(request, selectors.loan_get_for_user(user=request.user, pk=loan_pk))


@require_POST
def collection_action_add(request: HttpRequest, loan_pk: int) -> HttpResponse:
    loan = selectors.loan_get_for_user(user=request.user, pk=loan_pk)
    if not may_edit_loan(request.user, loan):
        raise _deny(request, loan, "loan.edit", _("You may not change this loan."))
    form = CollectionActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if _call(
            form,
            services.collection_action_record,
            actor=request.user,
            loan=loan,
            acted_on=data["acted_on"],
            method=data["method"],
            proof=data["proof"],
            interrupts_limitation=data["interrupts_limitation"],
        ):
            messages.success(request, _("The collection action was recorded."))
            return redirect(reverse("deadlines:loan", args=[loan.pk]))
    return _loan_page(request, loan, form=form)
