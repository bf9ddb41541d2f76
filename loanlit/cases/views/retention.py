"""Legal hold on a case (issue 10): place and release, for ``retention.manage`` holders who can see the case."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from loanlit.cases.forms import VersionedForm
from loanlit.cases.models import Case
from loanlit.cases.services import retention
from loanlit.cases.views.common import actor, case_for_read, case_tab_url, deny, done, render_form, save_or_conflict

GET_POST = ["GET", "POST"]


class LegalHoldForm(VersionedForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the legal hold"),
        max_length=retention.REASON_MAX_LENGTH,
        help_text=gettext_lazy("E.g. the litigation, investigation or regulator's request that needs the data kept."),
    )


class LegalHoldReleaseForm(VersionedForm):
    pass


def _case_for_retention(request: HttpRequest, pk: int) -> Case:
    """404 outside the user's scope (like a missing id); 403 for a viewer without ``retention.manage``."""
    case = case_for_read(request, pk)
    if not request.user.has_code("retention.manage"):  # type: ignore[union-attr]
        raise deny(request, "retention.manage", case)
    return case


def _current(case: Case) -> dict[str, object]:
    case.refresh_from_db(fields=["legal_hold", "legal_hold_reason", "version"])
    return {"reason": case.legal_hold_reason}


@require_http_methods(GET_POST)
def legal_hold_set(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_retention(request, pk)
    form = LegalHoldForm(request.POST or None, initial={"version": case.version})
    url = reverse("cases:legal_hold_set", args=[pk])
    if request.method == "POST" and form.is_valid():
        held, conflict = save_or_conflict(
            request,
            form=form,
            service=retention.case_legal_hold_set,
            current=lambda: _current(case),
            back_url=url,
            case=case,
            arguments={
                "actor": actor(request),
                "case": case,
                "reason": form.cleaned_data["reason"],
                "version": form.cleaned_data["version"],
            },
        )
        if conflict is not None:
            return conflict
        if held is not None:
            return done(
                request, case_tab_url(case, "overview", "case-retention-panel"), _("The legal hold is in place.")
            )
    return render_form(request, form=form, title=_("Place a legal hold"), action=url, case=case, submit=_("Place hold"))


@require_http_methods(GET_POST)
def legal_hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_retention(request, pk)
    form = LegalHoldReleaseForm(request.POST or None, initial={"version": case.version})
    url = reverse("cases:legal_hold_release", args=[pk])
    if request.method == "POST" and form.is_valid():
        released, conflict = save_or_conflict(
            request,
            form=form,
            service=retention.case_legal_hold_release,
            current=lambda: _current(case),
            back_url=url,
            case=case,
            arguments={"actor": actor(request), "case": case, "version": form.cleaned_data["version"]},
        )
        if conflict is not None:
            return conflict
        if released is not None:
            return done(
                request, case_tab_url(case, "overview", "case-retention-panel"), _("The legal hold was released.")
            )
    return render_form(
        request,
        form=form,
        title=_("Release the legal hold"),
        action=url,
        case=case,
        submit=_("Release hold"),
        template="cases/legal_hold_release.html",
    )
