"""Document approval pages: my approvals, a request (document, version, hash, history, decision forms),
submitting a document and withdrawing a request. Parse → scope (404 outside) → service → redirect."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.cases import access
from loanlit.cases.forms import StyledForm
from loanlit.cases.views.common import actor, call_service, deny, done
from loanlit.core.errors import DomainError
from loanlit.documents import selectors as document_selectors
from loanlit.documents import selectors_approvals as selectors
from loanlit.documents.models import ApprovalRequest, Document
from loanlit.documents.services import approvals as services

APPROVER_SLOTS = 5


class SubmitForm(StyledForm):
    """Approvers in order (the first decides first in sequence), the mode and a note for the approvers."""

    mode = forms.ChoiceField(label=gettext_lazy("How the approvers decide"), choices=ApprovalRequest.Mode.choices)
    comment = forms.CharField(
        label=gettext_lazy("Note for the approvers"),
        required=False,
        max_length=services.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, approvers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "---------"), *[(str(user.pk), str(user)) for user in approvers]]
        self._by_pk = {str(user.pk): user for user in approvers}
        for n in range(1, APPROVER_SLOTS + 1):
            self.fields[f"approver_{n}"] = forms.ChoiceField(
                label=_("Approver %(n)d") % {"n": n}, choices=choices, required=n == 1
            )
        self.order_fields([*(f"approver_{n}" for n in range(1, APPROVER_SLOTS + 1)), "mode", "comment"])
        self._style()

    def approvers(self) -> list[Any]:
        picked = [self.cleaned_data.get(f"approver_{n}") for n in range(1, APPROVER_SLOTS + 1)]
        return [self._by_pk[pk] for pk in picked if pk]


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=services.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when you reject."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"


def _document_for_submit(request: HttpRequest, pk: int) -> Document:
    """The document for the submit form: 404 outside scope or in the recycle bin, 403 for a viewer."""
    document = (
        document_selectors.documents_visible_to(request.user)
        .filter(pk=pk, deleted_at__isnull=True)
        .select_related("case", "category", "current_version")
        .first()
    )
    if document is None:
        raise Http404
    if not access.can_edit(request.user, document.case):
        raise deny(request, "cases.edit", document)
    return document


@require_GET
def my_approvals(request: HttpRequest) -> HttpResponse:
    steps = list(selectors.approval_steps_waiting_for(user=request.user))
    submitted = list(selectors.approval_requests_submitted_by(user=request.user))
    return render(request, "documents/approvals/my_approvals.html", {"steps": steps, "submitted": submitted})


def _detail_context(request: HttpRequest, approval: ApprovalRequest, form: DecisionForm | None) -> dict[str, Any]:
    document = approval.document
    step = selectors.approval_current_step(request=approval, user=request.user)
    return {
        "approval": approval,
        "document": document,
        "version": approval.version,
        "history": selectors.document_approval_history(user=request.user, document=document),
        "step": step,
        "form": form if form is not None else (DecisionForm() if step is not None else None),
        "may_withdraw": approval.state == ApprovalRequest.State.PENDING
        and access.can_edit(request.user, document.case),
        "superseded": document.current_version_id != approval.version_id,
    }


def _approval(request: HttpRequest, pk: int) -> ApprovalRequest:
    """One approval request in scope; a request on an internal document is 404 for an external lawyer."""
    approval = selectors.approval_request_get_for_user(user=request.user, pk=pk)
    if approval.document.internal and not document_selectors.may_see_internal(request.user):
        raise Http404
    return approval


@require_GET
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _approval(request, pk)
    return render(request, "documents/approvals/approval_detail.html", _detail_context(request, approval, None))


@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _approval(request, pk)
    if selectors.approval_current_step(request=approval, user=request.user) is None:
        raise deny(request, "approval_step", approval)
    form = DecisionForm(request.POST)
    if form.is_valid():
        decide = services.document_approve if form.cleaned_data["decision"] == "approve" else services.document_reject
        result = call_service(
            form, decide, actor=actor(request), request=approval, comment=form.cleaned_data["comment"]
        )
        if result is not None:
            message = _("Approved.") if result.state != ApprovalRequest.State.REJECTED else _("Rejected.")
            return done(request, reverse("documents:approval_detail", args=[approval.pk]), message)
    context = _detail_context(request, approval, form)
    return render(request, "documents/approvals/approval_detail.html", context, status=400)


@require_POST
def approval_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _approval(request, pk)
    if not access.can_edit(request.user, approval.document.case):
        raise deny(request, "cases.edit", approval)
    try:
        call_service(None, services.approval_withdraw, actor=actor(request), request=approval)
    except DomainError as error:
        context = {**_detail_context(request, approval, None), "withdraw_error": error.message}
        return render(request, "documents/approvals/approval_detail.html", context, status=400)
    return done(request, reverse("documents:approval_detail", args=[approval.pk]), _("The request was withdrawn."))


@require_http_methods(["GET", "POST"])
def approval_submit(request: HttpRequest, document_pk: int) -> HttpResponse:
    document = _document_for_submit(request, document_pk)
    approvers = selectors.approvers_for_case(case=document.case, exclude=request.user)
    form = SubmitForm(request.POST or None, approvers=approvers)
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form,
            services.document_submit_for_approval,
            actor=actor(request),
            document=document,
            approvers=form.approvers(),
            mode=form.cleaned_data["mode"],
            comment=form.cleaned_data["comment"],
        )
        if result is not None:
            return done(request, reverse("documents:approval_detail", args=[result.pk]), _("Submitted for approval."))
    status = 400 if request.method == "POST" else 200
    context = {"document": document, "version": document.current_version, "form": form, "approvers": approvers}
    return render(request, "documents/approvals/approval_submit.html", context, status=status)
