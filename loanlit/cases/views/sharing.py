"""Sharing a case with a user or a group, and withdrawing a share (issue 10).

Out of scope answers 404 like a missing id; a viewer who may not share gets 403; the service checks again.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from loanlit.cases.forms_sharing import CaseShareForm
from loanlit.cases.models import Case
from loanlit.cases.services import sharing
from loanlit.cases.views.common import actor, call_service, case_for_read, deny, done, render_form


def _case_for_sharing(request: HttpRequest, pk: int) -> Case:
    case = case_for_read(request, pk)
    if not sharing.may_share(request.user, case):
        raise deny(request, sharing.SHARE_CODE, case)
    return case


@require_http_methods(["GET", "POST"])
def share_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_sharing(request, pk)
    form = CaseShareForm(request.POST or None, users=sharing.share_recipients(case), groups=sharing.share_groups(case))
    url = reverse("cases:share_add", args=[pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        share = call_service(
            form,
            sharing.case_share,
            actor=actor(request),
            case=case,
            user=data["user"],
            group=data["group"],
            can_edit=data["can_edit"],
            expires_on=data["expires_on"],
            note=data["note"],
        )
        if share is not None:
            return done(request, case.get_absolute_url() + "#case-sharing-panel", _("The case was shared."))
    return render_form(request, form=form, title=_("Share the case"), action=url, case=case, submit=_("Share"))


@require_POST
def share_remove(request: HttpRequest, pk: int, share_pk: int) -> HttpResponse:
    case = _case_for_sharing(request, pk)
    share = get_object_or_404(case.shares.select_related("case"), pk=share_pk)
    call_service(None, sharing.case_unshare, actor=actor(request), share=share)
    return done(request, case.get_absolute_url() + "#case-sharing-panel", _("The share was withdrawn."))
