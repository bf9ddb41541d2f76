"""The merge queue: incoming rows with a known ID number but another name, for a person to decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loanlit import audit
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.parties import selectors, services
from loanlit.parties.forms import MergeDecisionForm

MANAGE_CODE = "admin.manage_reference_data"


def _require_manager(request: HttpRequest) -> AbstractBaseUser:
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    if not user.has_code(MANAGE_CODE):  # type: ignore[attr-defined]
        audit.access_log(user=user, action=audit.AccessAction.DENIED, request=request, detail={"reason": MANAGE_CODE})
        raise PermissionDenied
    return user


@require_GET
def merge_queue(request: HttpRequest) -> HttpResponse:
    user = _require_manager(request)
    candidates = list(selectors.merge_candidates_for_user(user=user)[:200])  # type: ignore[arg-type]
    # One form per card, prefixed by the candidate, so field ids stay unique on the page.
    rows = [(candidate, MergeDecisionForm(prefix=f"c{candidate.pk}")) for candidate in candidates]
    return render(request, "parties/merge_queue.html", {"rows": rows})


@require_POST
def merge_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_manager(request)
    candidate = selectors.merge_candidate_get_for_user(user=user, pk=pk)  # type: ignore[arg-type]
    form = MergeDecisionForm(request.POST, prefix=f"c{candidate.pk}")
    if form.is_valid():
        try:
            services.party_merge_resolve(
                actor=user,  # type: ignore[arg-type]
                candidate=candidate,
                decision=form.cleaned_data["decision"],
                adopt_name=form.cleaned_data["adopt_name"],
                note=form.cleaned_data["note"],
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The merge review was closed."))
    else:
        messages.error(request, _("Choose a decision."))
    return redirect("parties:merge_queue")
