"""Comments, mentions, replies, edits, deletion and follows through the services: scope, history, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from loanlit.audit.models import AuditEntry
from loanlit.collaboration import services
from loanlit.collaboration.models import CaseFollow, Comment, CommentAttachment, CommentRevision, Mention
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.documents.models import Document
from loanlit.notifications.models import Notification

pytestmark = pytest.mark.django_db

EVERYONE_MENTIONED = (
    "@case_handler @branch_manager @read_only @outsider_branch @outsider_creditor @external_lawyer @nobody_at_all"
)


def post(actor, case, body="A note", capture=None, **kwargs):
    if capture is None:
        return services.comment_post(actor=actor, case=case, body=body, **kwargs)
    with capture(execute=True):
        return services.comment_post(actor=actor, case=case, body=body, **kwargs)


def notified(code=None):
    qs = Notification.objects.all()
    if code:
        qs = qs.filter(code=code)
    return sorted(qs.values_list("recipient__username", flat=True))


def counts():
    return (
        Comment.objects.count(),
        Mention.objects.count(),
        CommentRevision.objects.count(),
        CaseFollow.objects.count(),
        Document.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.count(),
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- mentions --------------------------------------------------------------------------------------------


def test_internal_comment_mentions_only_staff_who_see_the_case(world, personas, django_capture_on_commit_callbacks):
    comment = post(
        personas.legal_manager, world.case, f"Please look {EVERYONE_MENTIONED}", django_capture_on_commit_callbacks
    )
    assert sorted(comment.mentions.values_list("user__username", flat=True)) == [
        "branch_manager",
        "case_handler",
        "read_only",
    ]
    assert notified(services.NOTIFY_MENTIONED) == ["branch_manager", "case_handler", "read_only"]
    assert comment.rendered_html == (
        '<p>Please look <span class="mention">@case_handler</span> <span class="mention">@branch_manager</span> '
        '<span class="mention">@read_only</span> '
        "@outsider_branch @outsider_creditor @external_lawyer @nobody_at_all</p>"
    )
    note = Notification.objects.get(recipient=personas.case_handler)
    assert note.title == f"You were mentioned in a comment on case {world.case.internal_no}"
    assert note.body == ""
    assert note.link == f"/collaboration/comments/{comment.pk}/"


def test_shared_comment_may_mention_the_placed_firms_lawyer(world, personas, django_capture_on_commit_callbacks):
    comment = post(
        personas.case_handler,
        world.case,
        "@external_lawyer @outsider_branch please file",
        django_capture_on_commit_callbacks,
        internal=False,
    )
    assert list(comment.mentions.values_list("user__username", flat=True)) == ["external_lawyer"]
    assert notified() == ["external_lawyer"]


def test_an_external_lawyer_writes_shared_comments_and_mentions_only_the_case_team(
    world, personas, django_capture_on_commit_callbacks
):
    comment = post(
        personas.external_lawyer,
        world.case,
        "@case_handler @administrator @legal_manager filed today",
        django_capture_on_commit_callbacks,
        internal=True,
    )
    assert comment.internal is False
    assert list(comment.mentions.values_list("user__username", flat=True)) == ["case_handler"]
    assert notified() == ["case_handler"]


def test_the_author_is_never_mentioned_or_notified(world, personas, django_capture_on_commit_callbacks):
    services.case_follow(actor=personas.case_handler, case=world.case)
    comment = post(personas.case_handler, world.case, "@case_handler note to self", django_capture_on_commit_callbacks)
    assert comment.mentions.count() == 0
    assert notified() == []


# --- replies and followers ---------------------------------------------------------------------------------


def test_a_reply_notifies_the_author_of_the_comment_replied_to_and_joins_the_thread(
    world, personas, django_capture_on_commit_callbacks
):
    first = post(personas.case_handler, world.case, "Shall we settle?", internal=False)
    reply = post(personas.external_lawyer, world.case, "Yes", django_capture_on_commit_callbacks, parent=first)
    assert (reply.parent_id, reply.internal) == (first.pk, False)
    assert notified(services.NOTIFY_REPLIED) == ["case_handler"]
    Notification.objects.all().delete()
    second = post(personas.legal_manager, world.case, "Agreed", django_capture_on_commit_callbacks, parent=reply)
    assert second.parent_id == first.pk  # a reply to a reply goes under the first comment
    assert notified(services.NOTIFY_REPLIED) == ["external_lawyer"]


def test_a_reply_to_an_internal_comment_is_internal(world, personas):
    first = post(personas.case_handler, world.case, "Internal", internal=True)
    reply = post(personas.legal_manager, world.case, "Reply", parent=first, internal=False)
    assert reply.internal is True


def test_an_external_lawyer_cannot_reply_to_an_internal_comment(world, personas):
    first = post(personas.case_handler, world.case, "Internal")
    before = counts()
    with pytest.raises(DomainError):
        post(personas.external_lawyer, world.case, "Reply", parent=first)
    assert counts() == before


def test_followers_who_may_see_the_comment_are_notified_once(world, personas, django_capture_on_commit_callbacks):
    for user in (personas.branch_manager, personas.external_lawyer, personas.read_only, personas.case_handler):
        services.case_follow(actor=user, case=world.case)
    post(personas.case_handler, world.case, "Internal update @read_only", django_capture_on_commit_callbacks)
    # The author is not notified; the lawyer never hears of an internal comment; read_only only of the mention.
    assert notified(services.NOTIFY_COMMENTED) == ["branch_manager"]
    assert notified(services.NOTIFY_MENTIONED) == ["read_only"]
    Notification.objects.all().delete()
    post(personas.case_handler, world.case, "Shared update", django_capture_on_commit_callbacks, internal=False)
    assert notified(services.NOTIFY_COMMENTED) == ["branch_manager", "external_lawyer", "read_only"]
    title = Notification.objects.filter(recipient=personas.branch_manager).get().title
    assert title == f"New comment on case {world.case.internal_no}"


def test_a_follower_who_lost_scope_is_not_notified(world, personas, django_capture_on_commit_callbacks):
    from loanlit.cases import services as cases

    services.case_follow(actor=personas.external_lawyer, case=world.case)
    world.case.refresh_from_db()
    cases.case_recall(actor=None, case=world.case, version=world.case.version)
    post(personas.case_handler, world.case, "Shared", django_capture_on_commit_callbacks, internal=False)
    assert notified() == []


# --- refusals write nothing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider_branch", "outsider_creditor"])
def test_users_outside_the_case_cannot_comment_or_follow(world, personas, persona):
    user = getattr(personas, persona)
    before = counts()
    with pytest.raises(PermissionDeniedError):
        post(user, world.case, "@case_handler hello")
    with pytest.raises(PermissionDeniedError):
        services.case_follow(actor=user, case=world.case)
    assert counts() == before


def test_an_empty_or_too_long_comment_is_refused(world, personas):
    before = counts()
    with pytest.raises(DomainError):
        post(personas.case_handler, world.case, "   \n ")
    with pytest.raises(DomainError):
        post(personas.case_handler, world.case, "x" * 10_001)
    assert counts() == before


# --- edits keep history ------------------------------------------------------------------------------------


def test_an_edit_keeps_the_previous_text_and_notifies_new_mentions_once(
    world, personas, django_capture_on_commit_callbacks
):
    comment = post(personas.case_handler, world.case, "Draft @branch_manager", django_capture_on_commit_callbacks)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        edited = services.comment_edit(
            actor=personas.case_handler, comment=comment, body="Final @branch_manager @read_only", version=1
        )
    assert (edited.version, edited.body) == (2, "Final @branch_manager @read_only")
    assert edited.edited_at is not None
    assert notified() == ["read_only"]
    assert list(comment.revisions.values_list("number", "body", "replaced_by__username")) == [
        (1, "Draft @branch_manager", "case_handler")
    ]
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_edit(actor=personas.case_handler, comment=edited, body="Final @read_only", version=2)
        edited.refresh_from_db()
        services.comment_edit(
            actor=personas.case_handler, comment=edited, body="Final again @read_only @branch_manager", version=3
        )
    assert notified() == []  # mentioned before: not notified again
    assert list(comment.revisions.order_by("number").values_list("body", flat=True)) == [
        "Draft @branch_manager",
        "Final @branch_manager @read_only",
        "Final @read_only",
    ]
    actions = list(
        AuditEntry.objects.filter(stream=f"case:{world.case.pk}", action__startswith="comment.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["comment.post", "comment.edit", "comment.edit", "comment.edit"]


def test_only_the_author_may_edit_and_a_stale_edit_is_refused(world, personas):
    comment = post(personas.case_handler, world.case, "Mine")
    before = counts()
    for other in (personas.legal_manager, personas.administrator, personas.outsider_branch):
        with pytest.raises(PermissionDeniedError):
            services.comment_edit(actor=other, comment=comment, body="Theirs", version=1)
    with pytest.raises(StaleVersionError):
        services.comment_edit(actor=personas.case_handler, comment=comment, body="Late", version=7)
    assert counts() == before
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_the_audit_carries_a_fingerprint_never_the_text(world, personas):
    comment = post(personas.case_handler, world.case, "Borrower Zhang San called")
    entry = AuditEntry.objects.get(action="comment.post")
    assert entry.stream == f"case:{world.case.pk}"
    assert entry.target_id == str(comment.pk)
    assert "Zhang" not in str(entry.changes)
    assert entry.changes["length"] == len("Borrower Zhang San called")


# --- deletion ----------------------------------------------------------------------------------------------


def test_delete_leaves_a_tombstone_keeps_the_text_in_history_and_keeps_replies(world, personas):
    first = post(personas.case_handler, world.case, "Wrong case", internal=False)
    reply = post(personas.external_lawyer, world.case, "Noted", parent=first)
    deleted = services.comment_delete(actor=personas.case_handler, comment=first, version=1)
    assert (deleted.is_deleted, deleted.body, deleted.rendered_html) == (True, "", "")
    assert deleted.deleted_by == personas.case_handler
    assert list(deleted.revisions.values_list("body", flat=True)) == ["Wrong case"]
    reply.refresh_from_db()
    assert reply.parent_id == first.pk and not reply.is_deleted
    assert AuditEntry.objects.filter(action="comment.delete", target_id=str(first.pk)).count() == 1
    with pytest.raises(PermissionDeniedError):
        services.comment_delete(actor=personas.case_handler, comment=deleted)


def test_who_may_delete_a_comment(world, personas):
    staff = post(personas.case_handler, world.case, "Shared", internal=False)
    before = counts()
    # A firm's lawyer may not delete the bank's comment; a viewer without edit rights may not either.
    for user in (personas.external_lawyer, personas.branch_manager, personas.read_only, personas.outsider_branch):
        with pytest.raises(PermissionDeniedError):
            services.comment_delete(actor=user, comment=staff)
    assert counts() == before
    # A case editor of the bank may (moderation), the author of course too.
    services.comment_delete(actor=personas.legal_manager, comment=staff)
    own = post(personas.branch_manager, world.case, "My own")
    services.comment_delete(actor=personas.branch_manager, comment=own)
    assert Comment.objects.filter(is_deleted=True).count() == 2


# --- follows -----------------------------------------------------------------------------------------------


def test_follow_and_unfollow_are_idempotent_and_audited(world, personas):
    first = services.case_follow(actor=personas.branch_manager, case=world.case)
    again = services.case_follow(actor=personas.branch_manager, case=world.case)
    assert first.pk == again.pk
    assert services.case_unfollow(actor=personas.branch_manager, case=world.case) is True
    assert services.case_unfollow(actor=personas.branch_manager, case=world.case) is False
    actions = list(
        AuditEntry.objects.filter(stream=f"case:{world.case.pk}", action__startswith="case.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["case.follow", "case.unfollow"]
    assert CaseFollow.objects.count() == 0


# --- attachments -------------------------------------------------------------------------------------------


def test_attachments_go_into_the_document_store(world, personas):
    content = b"%PDF-1.4 receipt" + bytes(range(256))
    comment = post(
        personas.case_handler,
        world.case,
        "Fee receipt attached",
        attachments=[services.Attachment(filename="receipt.pdf", content=content)],
    )
    link = CommentAttachment.objects.get(comment=comment)
    document = link.document
    assert (document.case_id, document.category_id, document.title) == (world.case.pk, "other", "receipt")
    assert document.current_version.original_name == "receipt.pdf"
    assert document.current_version.size == len(content)


def test_attachments_need_edit_rights_and_a_failed_one_leaves_nothing(world, personas):
    before = counts()
    with pytest.raises(PermissionDeniedError):
        post(
            personas.branch_manager,
            world.case,
            "With file",
            attachments=[services.Attachment(filename="a.txt", content=b"abc")],
        )
    with pytest.raises(DomainError):
        post(
            personas.case_handler,
            world.case,
            "Second file is empty",
            attachments=[
                services.Attachment(filename="a.txt", content=b"abc"),
                services.Attachment(filename="b.txt", content=b""),
            ],
        )
    with pytest.raises(DomainError):
        post(
            personas.case_handler,
            world.case,
            "Too many",
            attachments=[services.Attachment(filename=f"{i}.txt", content=b"x") for i in range(6)],
        )
    assert counts() == before
    assert stored_files() == []


# --- the mention scope agrees with the case scope ------------------------------------------------------------


def _mentionable(personas, case, internal):
    from loanlit.collaboration import selectors

    everyone = [u for name, u in personas.all_users().items() if name != "administrator"]
    return sorted(
        u.username
        for u in selectors.mentionable_by_username(
            actor=personas.administrator, case=case, internal=internal, usernames=[u.username for u in everyone]
        )
    )


def _viewers(personas, case, *, staff_only):
    from loanlit.cases import access

    return sorted(
        name
        for name, user in personas.all_users().items()
        if name != "administrator"
        and access.can_view(user, case)
        and not (staff_only and access.is_external_lawyer(user))
    )


def test_mentionable_users_are_exactly_the_users_who_see_the_case(world, personas):
    from loanlit.cases import services as cases

    case = world.case
    assert _mentionable(personas, case, False) == _viewers(personas, case, staff_only=False)
    assert "external_lawyer" in _mentionable(personas, case, False)
    assert _mentionable(personas, case, True) == _viewers(personas, case, staff_only=True)
    # A co-handler from another branch joins the scope through the case team.
    case.refresh_from_db()
    cases.case_update(actor=None, case=case, version=case.version, co_handlers=[personas.outsider_branch])
    assert "outsider_branch" in _mentionable(personas, case, True)
    assert _mentionable(personas, case, True) == _viewers(personas, case, staff_only=True)
    # Recalled from the firm: its lawyer leaves the scope.
    case.refresh_from_db()
    cases.case_recall(actor=None, case=case, version=case.version)
    assert _mentionable(personas, case, False) == _viewers(personas, case, staff_only=False)
    assert "external_lawyer" not in _mentionable(personas, case, False)


def test_purging_an_attached_document_keeps_the_comment(world, personas):
    from loanlit.documents import services as documents

    comment = post(
        personas.case_handler,
        world.case,
        "See file",
        attachments=[services.Attachment(filename="a.txt", content=b"abc")],
    )
    on_document = post(personas.case_handler, world.case, "On it", document=comment.attachments.get().document)
    document = comment.attachments.get().document
    documents.document_move_to_bin(actor=personas.administrator, document=document, version=document.version)
    document.refresh_from_db()
    documents.document_purge(actor=personas.administrator, document=document)
    comment.refresh_from_db()
    on_document.refresh_from_db()
    assert comment.attachments.count() == 0
    assert (on_document.document_id, on_document.body) == (None, "On it")


def test_an_internal_comments_attachment_is_an_internal_document_a_shared_ones_is_not(world, personas):
    from loanlit.documents import selectors as document_selectors

    internal = post(
        personas.case_handler,
        world.case,
        "Staff only",
        attachments=[services.Attachment(filename="internal.txt", content=b"staff")],
    )
    shared = post(
        personas.case_handler,
        world.case,
        "For the firm",
        internal=False,
        attachments=[services.Attachment(filename="shared.txt", content=b"firm")],
    )
    hidden, visible = internal.attachments.get().document, shared.attachments.get().document
    assert (internal.internal, hidden.internal) == (True, True)
    assert (shared.internal, visible.internal) == (False, False)
    lawyer_sees = document_selectors.case_documents(user=personas.external_lawyer, case=world.case)
    staff_sees = document_selectors.case_documents(user=personas.case_handler, case=world.case)
    assert list(lawyer_sees.values_list("pk", flat=True)) == [visible.pk]
    assert sorted(staff_sees.values_list("pk", flat=True)) == sorted([hidden.pk, visible.pk])
