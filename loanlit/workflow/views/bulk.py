"""The bulk page (/workflow/templates/bulk/): filter the cases in edit scope, tick some, choose an action
(move stage, set handler, place with a firm), confirm, see each case's outcome. Needs ``workflow.bulk``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from loanlit.cases.views.common import actor, deny
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.ids import parse_ids
from loanlit.workflow import selectors_templates as selectors
from loanlit.workflow.forms_templates import BulkActionForm, BulkFilterForm
from loanlit.workflow.services import bulk as services

TEMPLATE = "workflow/bulk/bulk_cases.html"


def _filters(form: BulkFilterForm) -> selectors.BulkFilters:
    if not form.is_valid():
        return selectors.BulkFilters()
    data = form.cleaned_data
    return selectors.BulkFilters(
        stage=data["stage"].code if data.get("stage") else "",
        unit=data["unit"].pk if data.get("unit") else None,
        handler=data["handler"].pk if data.get("handler") else None,
        law_firm=data["law_firm"].pk if data.get("law_firm") else None,
    )


def _posted_ids(request: HttpRequest) -> list[int]:
    return parse_ids(request.POST.getlist("case_ids"))


@require_http_methods(["GET", "POST"])
def bulk_cases(request: HttpRequest) -> HttpResponse:
    if not services.may_bulk(request.user):
        raise deny(request, services.BULK)
    filter_form = BulkFilterForm(request.GET or None, user=request.user)
    filters = _filters(filter_form)
    qs = selectors.bulk_cases_for_user(user=request.user, filters=filters)
    total = qs.count()
    cases = list(qs[: selectors.BULK_PAGE_SIZE])
    context: dict[str, Any] = {
        "filter_form": filter_form,
        "cases": cases,
        "total": total,
        "limit": selectors.BULK_PAGE_SIZE,
        "query": request.GET.urlencode(),
    }
    if request.method == "GET":
        context["form"] = BulkActionForm(user=request.user)
        return render(request, TEMPLATE, context)
    form = BulkActionForm(request.POST, user=request.user)
    ids = _posted_ids(request)
    context.update({"form": form, "selected": set(ids)})
    if not ids:
        form.add_error(None, services_message_no_cases())
        return render(request, TEMPLATE, context, status=400)
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    data = form.cleaned_data
    if request.POST.get("confirm") != "yes":
        # Step 2: the chosen cases in scope and the action, for a second look before anything changes.
        chosen = list(
            selectors.bulk_cases_for_user(user=request.user, filters=selectors.BulkFilters()).filter(pk__in=ids)
        )
        context.update({"confirm": True, "chosen": chosen, "ids": ids, "missing": len(ids) - len(chosen), "data": data})
        return render(request, TEMPLATE, context)
    try:
        if data["action"] == BulkActionForm.ACTION_STAGE:
            outcomes = services.cases_change_stage_batch(
                actor=actor(request), case_ids=ids, to_stage=data["to_stage"].code, note=data["note"]
            )
        elif data["action"] == BulkActionForm.ACTION_HANDLER:
            outcomes = services.cases_reassign_batch(actor=actor(request), case_ids=ids, handler=data["handler"])
        else:
            outcomes = services.cases_reassign_batch(actor=actor(request), case_ids=ids, law_firm=data["law_firm"])
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        form.add_error(None, error.message)
        return render(request, TEMPLATE, context, status=400)
    context.update(
        {
            "cases": list(qs.all()[: selectors.BULK_PAGE_SIZE]),
            "outcomes": outcomes,
            "ok_count": sum(1 for outcome in outcomes if outcome.ok),
            "refused_count": sum(1 for outcome in outcomes if not outcome.ok),
        }
    )
    return render(request, TEMPLATE, context)


def services_message_no_cases() -> str:
    from django.utils.translation import gettext as _

    return _("Choose at least one case.")
