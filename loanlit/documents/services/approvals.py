"""Document approval (文档审批): submit a document's current version to approvers, decide, withdraw.

* A request is about exactly one version and its SHA-256 at submission. Before each decision the stored
  file is hashed again; if it no longer matches (content altered, or a new version became current), the
  decision is refused and nothing is written.
* Modes: ``sequence`` — each approver in turn, the next one notified when the previous approves; ``any`` —
  every approver notified, the first decision decides. A rejection always decides (and needs a comment).
* Separation of duties: the submitter may edit the case and is never one of the approvers; every
  approver may see the case and holds ``documents.approve`` — checked at submission and again at the
  decision (a role or scope may have changed since).
* An approved version locks the document (``locked``); a new version (the store's ``version_add``) resets
  the state, so the new content needs approval again. While a request is pending the store refuses a new
  version: the submitter withdraws the request first (``approval_withdraw``). ``on_new_version`` is the
  reset-and-withdraw hook should uploading withdraw the request instead.
* Every submission, decision and withdrawal is audited on the case stream in the same transaction; the
  submission and the outcome are also on the case timeline. Approvers and the submitter are notified in
  the application with the internal case number, the category and a link only (DESIGN rule 11).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.services._common import record_one
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.documents import storage
from loanlit.documents.models import ApprovalRequest, ApprovalStep, Document, DocumentVersion

__all__ = [
    "APPROVE_CODE",
    "approval_withdraw",
    "document_approve",
    "document_reject",
    "document_submit_for_approval",
    "may_approve",
    "on_new_version",
]

APPROVE_CODE: Final = "documents.approve"
MAX_APPROVERS: Final = 10
COMMENT_MAX_LENGTH: Final = 2000

NOTIFY_REQUESTED: Final = "documents.approval_requested"
NOTIFY_DECIDED: Final = "documents.approval_decided"

# Case timeline kinds (CaseEvent.kind) written here.
EVENT_SUBMITTED: Final = "document_submitted"
EVENT_APPROVED: Final = "document_approved"
EVENT_REJECTED: Final = "document_rejected"
EVENT_WITHDRAWN: Final = "document_approval_withdrawn"

# Audit actions.
ACTION_SUBMITTED: Final = "document.approval_submitted"
ACTION_STEP_APPROVED: Final = "document.approval_step_approved"
ACTION_APPROVED: Final = "document.approved"
ACTION_REJECTED: Final = "document.rejected"
ACTION_WITHDRAWN: Final = "document.approval_withdrawn"

Mode = ApprovalRequest.Mode
State = ApprovalRequest.State
Decision = ApprovalStep.Decision


def may_approve(user: Any, case: Any) -> bool:
    """Whether ``user`` may decide on documents of ``case``: an active user who sees the case and holds
    ``documents.approve``."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.is_active
        and user.has_code(APPROVE_CODE)
        and access.can_view(user, case)
    )


def _clean_comment(comment: str) -> str:
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise DomainError(
            _("Enter at most %(max)d characters (you entered %(count)d).")
            % {"max": COMMENT_MAX_LENGTH, "count": len(text)},
            code="too_long",
        )
    return text


# Locked rows without joins: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join, and
# MariaDB has no FOR UPDATE OF; the related rows load lazily after the lock.
def _lock_document(pk: int) -> Document:
    return Document.objects.select_for_update().get(pk=pk)


def _lock_request(pk: int) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update().get(pk=pk)


def _set_document_state(document: Document, *, approval: str, locked: bool) -> None:
    # The document's optimistic version moves too: a form loaded before the state changed is stale.
    document.approval = approval
    document.locked = locked
    document.version += 1
    document.save(update_fields=["approval", "locked", "version", "updated_at"])


def _request_link(request: ApprovalRequest) -> str:
    return reverse("documents:approval_detail", args=[request.pk])


def _notice_subject(document: Document) -> dict[str, str]:
    # Internal case number and category only: a title may carry a party's name (DESIGN rule 11).
    return {"case": document.case.internal_no, "category": str(document.category)}


def _notify_approvers(request: ApprovalRequest, document: Document, steps: Sequence[ApprovalStep]) -> None:
    from loanlit.notifications.services import notify

    notify(
        recipients=[step.approver for step in steps],
        code=NOTIFY_REQUESTED,
        title=_("Approval requested: %(case)s · %(category)s") % _notice_subject(document),
        body=_("A document of case %(case)s waits for your approval.") % _notice_subject(document),
        link=_request_link(request),
        target=request,
    )


def _notify_submitter(request: ApprovalRequest, document: Document) -> None:
    from loanlit.notifications.services import notify

    if request.state == State.APPROVED:
        title = _("Document approved: %(case)s · %(category)s") % _notice_subject(document)
    else:
        title = _("Document rejected: %(case)s · %(category)s") % _notice_subject(document)
    notify(
        recipients=[request.submitted_by],
        code=NOTIFY_DECIDED,
        title=title,
        link=_request_link(request),
        target=request,
    )


def _version_params(document: Document, version: DocumentVersion, request: ApprovalRequest) -> dict[str, Any]:
    # category_label and number as the store's events have them: the timeline's summary reads them.
    return {
        "document": document.pk,
        "category": document.category_id,
        "category_label": document.category.label,
        "number": version.number,
        "request": request.pk,
    }


# --- submit ---------------------------------------------------------------------------------------------


@transaction.atomic
def document_submit_for_approval(
    *,
    actor: Any,
    document: Document,
    approvers: Sequence[Any],
    mode: str = Mode.SEQUENCE,
    comment: str = "",
) -> ApprovalRequest:
    """Submit the document's current version to ``approvers`` (in this order for ``sequence``)."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("Sign in to submit documents for approval."), code="permission_denied")
    access.require_edit(actor, document.case)
    document = _lock_document(document.pk)
    if document.deleted_at is not None:
        raise DomainError(_("This document is in the recycle bin."), code="document_deleted")
    version = document.current_version
    if version is None:
        raise DomainError(_("This document has no file to approve."), code="no_version")
    if document.approval == Document.Approval.PENDING:
        raise DomainError(_("This document is already waiting for approval."), code="approval_pending")
    if document.approval == Document.Approval.APPROVED and document.locked:
        raise DomainError(_("This version is already approved."), code="already_approved")
    if mode not in Mode.values:
        raise DomainError(_("Choose how the approvers decide."), code="invalid_mode")
    people = list(approvers)
    if not people:
        raise DomainError(_("Choose at least one approver."), code="no_approvers")
    if len(people) > MAX_APPROVERS:
        raise DomainError(_("Choose at most %(max)d approvers.") % {"max": MAX_APPROVERS}, code="too_many_approvers")
    if len({p.pk for p in people}) != len(people):
        raise DomainError(_("Choose each approver once."), code="duplicate_approver")
    if any(p.pk == actor.pk for p in people):
        raise DomainError(_("You cannot approve your own submission."), code="self_approval")
    for person in people:
        if not may_approve(person, document.case):
            raise DomainError(
                _("%(user)s may not approve documents of this case.") % {"user": str(person)},
                code="approver_not_allowed",
            )
    text = _clean_comment(comment)
    now = timezone.now()
    request = ApprovalRequest.objects.create(
        document=document,
        version=version,
        version_sha256=version.sha256,
        mode=mode,
        submitted_by=actor,
        submitted_at=now,
        comment=text,
    )
    steps = ApprovalStep.objects.bulk_create(
        [ApprovalStep(request=request, order=n, approver=person) for n, person in enumerate(people, start=1)]
    )
    _set_document_state(document, approval=Document.Approval.PENDING, locked=False)
    record_one(
        actor=actor,
        case_id=document.case_id,
        kind=EVENT_SUBMITTED,
        action=ACTION_SUBMITTED,
        target=request,
        params={**_version_params(document, version, request), "mode": mode, "approvers": len(people)},
        changes={
            **_version_params(document, version, request),
            "mode": mode,
            "approvers": [p.pk for p in people],
            "sha256": version.sha256,
            "comment": text,
        },
    )
    _notify_approvers(request, document, steps[:1] if mode == Mode.SEQUENCE else steps)
    return request


# --- decide ---------------------------------------------------------------------------------------------


def _file_sha256(version: DocumentVersion) -> str | None:
    """The SHA-256 of the stored file as it is now, or None when the file is missing."""
    if not version.storage_name or not storage.exists(version.storage_name):
        return None
    return storage.sha256_of_stored(version.storage_name)[0]


def document_approve(*, actor: Any, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """Approve the request's version as one of its approvers (in sequence: when it is the actor's turn)."""
    # The file is hashed before the transaction, so a large file does not hold the locks.
    return _decide(actor=actor, request=request, decision=Decision.APPROVED, comment=comment, sha256=_hash_now(request))


def document_reject(*, actor: Any, request: ApprovalRequest, comment: str) -> ApprovalRequest:
    """Reject the request's version; a rejection needs a comment saying why."""
    if not (comment or "").strip():
        raise DomainError(_("Say why you reject the document."), code="comment_required")
    return _decide(actor=actor, request=request, decision=Decision.REJECTED, comment=comment, sha256=_hash_now(request))


def _hash_now(request: ApprovalRequest) -> str | None:
    version = DocumentVersion.objects.get(pk=request.version_id)
    return _file_sha256(version)


def _current_step(request: ApprovalRequest, actor: Any) -> ApprovalStep:
    waiting = list(
        ApprovalStep.objects.select_for_update().filter(request=request, decision=Decision.WAITING).order_by("order")
    )
    mine = [step for step in waiting if step.approver_id == actor.pk]
    if not mine:
        raise PermissionDeniedError(_("You are not an approver of this request."), code="not_an_approver")
    if request.mode == Mode.SEQUENCE and waiting[0].approver_id != actor.pk:
        raise DomainError(_("It is not your turn yet: an earlier approver decides first."), code="not_your_turn")
    return mine[0]


@transaction.atomic
def _decide(
    *, actor: Any, request: ApprovalRequest, decision: str, comment: str, sha256: str | None
) -> ApprovalRequest:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("Sign in to decide on approvals."), code="permission_denied")
    request = _lock_request(request.pk)
    document = _lock_document(request.document_id)
    if request.state != State.PENDING:
        raise DomainError(_("This request was already decided or withdrawn."), code="not_pending")
    if request.submitted_by_id == actor.pk:
        raise PermissionDeniedError(_("You cannot approve your own submission."), code="self_approval")
    step = _current_step(request, actor)
    if not may_approve(actor, document.case):
        raise PermissionDeniedError(_("You may not approve documents of this case."), code="permission_denied")
    version = request.version
    if (
        document.current_version_id != version.pk
        or version.sha256 != request.version_sha256
        or sha256 != request.version_sha256
    ):
        raise DomainError(
            _("The file changed since it was submitted (its SHA-256 differs): no decision can be recorded."),
            code="hash_mismatch",
        )
    text = _clean_comment(comment)
    now = timezone.now()
    step.decision, step.comment, step.decided_at, step.version_sha256 = decision, text, now, request.version_sha256
    step.save(update_fields=["decision", "comment", "decided_at", "version_sha256"])
    remaining = ApprovalStep.objects.filter(request=request, decision=Decision.WAITING)
    decided = decision == Decision.REJECTED or request.mode == Mode.ANY or not remaining.exists()
    params = {**_version_params(document, version, request), "step": step.order}
    changes = {**params, "decision": decision, "comment": text, "sha256": request.version_sha256}
    if not decided:
        audit.record(
            actor=actor,
            action=ACTION_STEP_APPROVED,
            target=request,
            stream=audit.stream_key("case", document.case_id),
            changes=changes,
        )
        following = remaining.select_related("approver").order_by("order").first()
        if following is not None:
            _notify_approvers(request, document, [following])
        return request
    remaining.update(decision=Decision.SKIPPED)
    request.state = State.APPROVED if decision == Decision.APPROVED else State.REJECTED
    request.decided_at = now
    request.save(update_fields=["state", "decided_at"])
    approved = request.state == State.APPROVED
    _set_document_state(
        document, approval=Document.Approval.APPROVED if approved else Document.Approval.REJECTED, locked=approved
    )
    record_one(
        actor=actor,
        case_id=document.case_id,
        kind=EVENT_APPROVED if approved else EVENT_REJECTED,
        action=ACTION_APPROVED if approved else ACTION_REJECTED,
        target=request,
        params=params,
        changes=changes,
    )
    _notify_submitter(request, document)
    return request


# --- withdraw and new versions --------------------------------------------------------------------------


def _withdraw(*, actor: Any, request: ApprovalRequest, document: Document, reason: str) -> None:
    ApprovalStep.objects.filter(request=request, decision=Decision.WAITING).update(decision=Decision.SKIPPED)
    request.state = State.WITHDRAWN
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_at"])
    params = {**_version_params(document, request.version, request), "reason": reason}
    record_one(
        actor=actor,
        case_id=document.case_id,
        kind=EVENT_WITHDRAWN,
        action=ACTION_WITHDRAWN,
        target=request,
        params=params,
    )


@transaction.atomic
def approval_withdraw(*, actor: Any, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """Withdraw a pending request (the submitter, or anyone who may edit the case); the document is no longer
    waiting for approval."""
    access.require_edit(actor, request.document.case)
    request = _lock_request(request.pk)
    document = _lock_document(request.document_id)
    if request.state != State.PENDING:
        raise DomainError(_("This request was already decided or withdrawn."), code="not_pending")
    _clean_comment(comment)
    _withdraw(actor=actor, request=request, document=document, reason="withdrawn")
    _set_document_state(document, approval=Document.Approval.NONE, locked=False)
    return request


def on_new_version(document: Document, *, actor: Any = None) -> None:
    """A new version became current: a pending request is withdrawn (noted as ``new_version``) and the
    approval state and lock are reset, so the new content needs approval again.

    For the store's ``version_add``, inside its transaction with the document row locked; it sets the fields
    on ``document`` and leaves saving them (and bumping the document's version) to the caller. The store
    today refuses a new version while a request is pending and resets the state itself; this is the one
    place to call should it withdraw the request instead.
    """
    pending = list(ApprovalRequest.objects.select_for_update().filter(document_id=document.pk, state=State.PENDING))
    for request in pending:
        _withdraw(actor=actor, request=request, document=document, reason="new_version")
    document.approval = Document.Approval.NONE
    document.locked = False
