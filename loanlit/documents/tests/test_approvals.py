"""Document approval services: sequence and any-one modes, rejection, separation of duties, scope and
permission, the hash check, the lock and re-approval after a new version, the audit and the timeline."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.utils import translation

from loanlit.accounts import services as accounts
from loanlit.audit.models import AuditEntry
from loanlit.cases.models import CaseEvent
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.documents import services
from loanlit.documents.models import ApprovalRequest, ApprovalStep, Document
from loanlit.documents.tests.support import add_pdf, make_case_world, pdf_bytes
from loanlit.notifications.models import Notification


@pytest.fixture(autouse=True)
def media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    return make_case_world(personas)


def complaint(world, **kwargs):
    return add_pdf(
        world.case, world.handler, title="Complaint", filename="complaint.pdf", category="complaint", **kwargs
    )


def submit(world, document, approvers, mode="sequence", comment=""):
    return services.document_submit_for_approval(
        actor=world.handler, document=document, approvers=approvers, mode=mode, comment=comment
    )


def approval_notices(user):
    return list(
        Notification.objects.filter(recipient=user, code="documents.approval_requested").values_list("title", "link")
    )


def case_audit(world):
    return list(
        AuditEntry.objects.filter(stream=f"case:{world.case.pk}", action__startswith="document.")
        .exclude(action__in=["document.add", "document.version_add"])
        .order_by("seq")
        .values_list("action", "actor__username")
    )


def snapshot(document):
    document.refresh_from_db()
    return (
        document.approval,
        document.locked,
        document.version,
        ApprovalRequest.objects.count(),
        ApprovalStep.objects.count(),
        AuditEntry.objects.count(),
        CaseEvent.objects.count(),
        Notification.objects.count(),
    )


def test_sequence_asks_the_second_approver_only_after_the_first_approves_then_locks(world):
    p = world.personas
    document = complaint(world)
    version = document.current_version

    request = submit(world, document, [p.legal_manager, p.administrator], comment="Please check the claims")

    document.refresh_from_db()
    assert (document.approval, document.locked) == ("pending", False)
    assert (request.mode, request.state, request.version_id, request.version_sha256) == (
        "sequence",
        "pending",
        version.pk,
        version.sha256,
    )
    assert list(request.steps.values_list("order", "approver__username", "decision")) == [
        (1, "legal_manager", ""),
        (2, "administrator", ""),
    ]
    link = f"/documents/approvals/{request.pk}/"
    internal_no = world.case.internal_no
    assert approval_notices(p.legal_manager) == [(f"Approval requested: {internal_no} · Complaint", link)]
    assert approval_notices(p.administrator) == []
    # The second approver cannot jump the queue.
    with pytest.raises(DomainError) as refused:
        services.document_approve(actor=p.administrator, request=request, comment="")
    assert refused.value.code == "not_your_turn"

    services.document_approve(actor=p.legal_manager, request=request, comment="Claims fine")

    request.refresh_from_db()
    document.refresh_from_db()
    assert (request.state, document.approval, document.locked) == ("pending", "pending", False)
    assert approval_notices(p.administrator) == [(f"Approval requested: {internal_no} · Complaint", link)]

    services.document_approve(actor=p.administrator, request=request, comment="")

    request.refresh_from_db()
    document.refresh_from_db()
    assert (request.state, document.approval, document.locked) == ("approved", "approved", True)
    assert request.decided_at is not None
    steps = list(request.steps.order_by("order"))
    assert [(s.approver.username, s.decision, s.comment, s.version_sha256) for s in steps] == [
        ("legal_manager", "approved", "Claims fine", version.sha256),
        ("administrator", "approved", "", version.sha256),
    ]
    assert all(s.decided_at is not None for s in steps)
    assert list(
        Notification.objects.filter(recipient=world.handler, code="documents.approval_decided").values_list(
            "title", "link"
        )
    ) == [(f"Document approved: {internal_no} · Complaint", link)]
    assert case_audit(world) == [
        ("document.approval_submitted", "case_handler"),
        ("document.approval_step_approved", "legal_manager"),
        ("document.approved", "administrator"),
    ]
    submitted = AuditEntry.objects.get(action="document.approval_submitted")
    assert submitted.changes == {
        "document": document.pk,
        "category": "complaint",
        "category_label": "Complaint",
        "number": 1,
        "request": request.pk,
        "mode": "sequence",
        "approvers": [p.legal_manager.pk, p.administrator.pk],
        "sha256": version.sha256,
        "comment": "Please check the claims",
    }
    events = CaseEvent.objects.filter(case=world.case, kind__startswith="document_").exclude(kind="document_added")
    assert list(events.order_by("pk").values_list("kind", "params")) == [
        (
            "document_submitted",
            {
                "document": document.pk,
                "category": "complaint",
                "category_label": "Complaint",
                "number": 1,
                "request": request.pk,
                "mode": "sequence",
                "approvers": 2,
            },
        ),
        (
            "document_approved",
            {
                "document": document.pk,
                "category": "complaint",
                "category_label": "Complaint",
                "number": 1,
                "request": request.pk,
                "step": 2,
            },
        ),
    ]


def test_any_one_mode_notifies_every_approver_and_the_first_decision_decides(world):
    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager, p.administrator], mode="any")

    assert len(approval_notices(p.legal_manager)) == 1
    assert len(approval_notices(p.administrator)) == 1

    services.document_approve(actor=p.administrator, request=request, comment="OK")

    request.refresh_from_db()
    document.refresh_from_db()
    assert (request.state, document.approval, document.locked) == ("approved", "approved", True)
    assert list(request.steps.order_by("order").values_list("approver__username", "decision")) == [
        ("legal_manager", "skipped"),
        ("administrator", "approved"),
    ]
    with pytest.raises(DomainError) as late:
        services.document_approve(actor=p.legal_manager, request=request)
    assert late.value.code == "not_pending"
    assert case_audit(world) == [
        ("document.approval_submitted", "case_handler"),
        ("document.approved", "administrator"),
    ]


def test_a_rejection_needs_a_comment_and_decides_the_request(world):
    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager, p.administrator])
    before = snapshot(document)

    for empty in ("", "   "):
        with pytest.raises(DomainError) as refused:
            services.document_reject(actor=p.legal_manager, request=request, comment=empty)
        assert (refused.value.code, refused.value.message) == ("comment_required", "Say why you reject the document.")
    assert snapshot(document) == before

    services.document_reject(actor=p.legal_manager, request=request, comment="Wrong court")

    request.refresh_from_db()
    document.refresh_from_db()
    assert (request.state, document.approval, document.locked) == ("rejected", "rejected", False)
    assert list(request.steps.order_by("order").values_list("decision", "comment")) == [
        ("rejected", "Wrong court"),
        ("skipped", ""),
    ]
    assert approval_notices(p.administrator) == []  # never asked: the first approver rejected
    assert case_audit(world) == [
        ("document.approval_submitted", "case_handler"),
        ("document.rejected", "legal_manager"),
    ]
    rejected = AuditEntry.objects.get(action="document.rejected")
    assert rejected.changes["comment"] == "Wrong court"
    assert rejected.changes["decision"] == "rejected"
    # After a rejection the same version may be submitted again.
    again = submit(world, document, [p.administrator])
    assert again.state == "pending"


def test_the_submitter_cannot_approve_their_own_submission(world):
    p = world.personas
    document = complaint(world)
    before = snapshot(document)

    with pytest.raises(DomainError) as refused:
        services.document_submit_for_approval(
            actor=p.legal_manager, document=document, approvers=[p.legal_manager, p.administrator]
        )
    assert (refused.value.code, refused.value.message) == ("self_approval", "You cannot approve your own submission.")
    assert snapshot(document) == before

    request = services.document_submit_for_approval(
        actor=p.legal_manager, document=document, approvers=[p.administrator]
    )
    with pytest.raises(PermissionDeniedError) as own:
        services.document_approve(actor=p.legal_manager, request=request)
    assert own.value.code == "self_approval"
    assert ApprovalStep.objects.filter(request=request, decision="").count() == 1


def test_an_approver_outside_the_scope_or_without_the_permission_is_refused_and_nothing_changes(world):
    p = world.personas
    document = complaint(world)
    # A legal manager at the Guangdong branch: holds documents.approve but does not see the Beijing case.
    far_manager = accounts.user_create(
        actor=None,
        username="gd_manager",
        password=None,
        role_code="legal_manager",
        unit=p.guangdong,
        creditors=[p.creditor],
    )
    before = snapshot(document)

    for approver in (far_manager, p.branch_manager, p.outsider_creditor, p.auditor):
        with pytest.raises(DomainError) as refused:
            submit(world, document, [p.legal_manager, approver])
        assert (refused.value.code, refused.value.message) == (
            "approver_not_allowed",
            f"{approver} may not approve documents of this case.",
        )
    assert snapshot(document) == before


def test_a_viewer_who_may_not_edit_the_case_cannot_submit(world):
    p = world.personas
    document = complaint(world)
    before = snapshot(document)
    for actor in (p.branch_manager, p.outsider_branch):
        with pytest.raises(PermissionDeniedError):
            services.document_submit_for_approval(actor=actor, document=document, approvers=[p.legal_manager])
    assert snapshot(document) == before


def test_a_decision_by_someone_who_lost_the_permission_or_is_not_an_approver_is_refused(world):
    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager])
    before = snapshot(document)

    with pytest.raises(PermissionDeniedError) as stranger:
        services.document_approve(actor=p.administrator, request=request)
    assert stranger.value.code == "not_an_approver"

    role = p.legal_manager.role
    role.permissions = [c for c in role.permissions if c != "documents.approve"]
    role.save(update_fields=["permissions"])
    p.legal_manager.refresh_from_db()
    with pytest.raises(PermissionDeniedError) as revoked:
        services.document_approve(actor=p.legal_manager, request=request)
    assert revoked.value.code == "permission_denied"
    assert snapshot(document) == before


def test_a_decision_on_an_altered_file_is_refused(world):
    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager])
    before = snapshot(document)
    name = document.current_version.storage_name
    with default_storage.open(name, "wb") as handle:  # the stored bytes altered behind the application's back
        handle.write(pdf_bytes("Altered content"))

    for decide in (services.document_approve, services.document_reject):
        with pytest.raises(DomainError) as refused:
            decide(actor=p.legal_manager, request=request, comment="Looks fine")
        assert refused.value.code == "hash_mismatch"
        assert refused.value.message == (
            "The file changed since it was submitted (its SHA-256 differs): no decision can be recorded."
        )
    assert snapshot(document) == before
    assert ApprovalStep.objects.get(request=request).version_sha256 == ""


def test_a_missing_file_is_refused_like_an_altered_one(world):
    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager])
    default_storage.delete(document.current_version.storage_name)
    with pytest.raises(DomainError) as refused:
        services.document_approve(actor=p.legal_manager, request=request)
    assert refused.value.code == "hash_mismatch"
    assert ApprovalRequest.objects.get(pk=request.pk).state == "pending"


def test_a_new_version_unlocks_the_approved_document_and_needs_approval_again(world):
    p = world.personas
    document = complaint(world)
    first = submit(world, document, [p.legal_manager])
    services.document_approve(actor=p.legal_manager, request=first)
    document.refresh_from_db()
    assert (document.approval, document.locked) == ("approved", True)
    # An approved version is not submitted twice.
    with pytest.raises(DomainError) as twice:
        submit(world, document, [p.administrator])
    assert twice.value.code == "already_approved"

    new = services.version_add(
        actor=world.handler,
        document=document,
        filename="complaint v2.pdf",
        content=pdf_bytes("v2"),
        version=document.version,
    )

    document.refresh_from_db()
    assert (document.current_version_id, document.approval, document.locked) == (new.pk, "", False)
    first.refresh_from_db()
    assert first.state == "approved"  # the history keeps the earlier version's approval
    second = submit(world, document, [p.administrator])
    assert (second.version_id, second.version_sha256) == (new.pk, new.sha256)
    services.document_approve(actor=p.administrator, request=second)
    document.refresh_from_db()
    assert (document.approval, document.locked) == ("approved", True)


def test_a_new_version_is_refused_while_a_request_is_pending_until_it_is_withdrawn(world):
    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager])
    document.refresh_from_db()

    with pytest.raises(DomainError) as refused:
        services.version_add(
            actor=world.handler, document=document, filename="v2.pdf", content=pdf_bytes("v2"), version=document.version
        )
    assert refused.value.code == "approval_pending"

    services.approval_withdraw(actor=world.handler, request=request)

    request.refresh_from_db()
    document.refresh_from_db()
    assert (request.state, document.approval, document.locked) == ("withdrawn", "", False)
    assert list(request.steps.values_list("decision", flat=True)) == ["skipped"]
    assert case_audit(world) == [
        ("document.approval_submitted", "case_handler"),
        ("document.approval_withdrawn", "case_handler"),
    ]
    with pytest.raises(DomainError) as late:
        services.document_approve(actor=p.legal_manager, request=request)
    assert late.value.code == "not_pending"
    services.version_add(
        actor=world.handler, document=document, filename="v2.pdf", content=pdf_bytes("v2"), version=document.version
    )
    assert Document.objects.get(pk=document.pk).current_version.number == 2


def test_on_new_version_withdraws_a_pending_request_and_resets_the_state(world):
    from django.db import transaction

    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager])
    with transaction.atomic():
        row = Document.objects.select_for_update().get(pk=document.pk)
        services.on_new_version(row, actor=world.handler)
        row.save(update_fields=["approval", "locked"])

    request.refresh_from_db()
    document.refresh_from_db()
    assert (request.state, document.approval, document.locked) == ("withdrawn", "", False)
    withdrawn = AuditEntry.objects.get(action="document.approval_withdrawn")
    assert withdrawn.changes["reason"] == "new_version"


def test_submission_refusals_write_nothing(world):
    p = world.personas
    document = complaint(world)
    before = snapshot(document)
    cases = [
        ([], "sequence", "no_approvers"),
        ([p.legal_manager, p.legal_manager], "sequence", "duplicate_approver"),
        ([p.legal_manager], "bogus", "invalid_mode"),
    ]
    for approvers, mode, code in cases:
        with pytest.raises(DomainError) as refused:
            submit(world, document, approvers, mode=mode)
        assert refused.value.code == code
    assert snapshot(document) == before
    submit(world, document, [p.legal_manager])
    with pytest.raises(DomainError) as pending:
        submit(world, document, [p.administrator])
    assert pending.value.code == "approval_pending"


def test_a_decision_is_refused_when_the_recorded_hash_of_the_version_changed(world):
    from loanlit.documents.models import DocumentVersion

    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager])
    DocumentVersion.objects.filter(pk=document.current_version_id).update(sha256="0" * 64)
    before = snapshot(document)
    with pytest.raises(DomainError) as refused:
        services.document_approve(actor=p.legal_manager, request=request)
    assert refused.value.code == "hash_mismatch"
    assert snapshot(document) == before
