"""Writes of the collaboration app (DESIGN rule 1): comments, their edits and deletion, case follows.

Every write is atomic and audited on the case's stream in the same transaction. Comment texts never go into
the audit (they are free text and may name a party): the entry carries the length and SHA-256 of the text,
and the text itself is kept in the comment and its revisions. Notifications are sent after commit and carry
the internal case number and a link only (DESIGN rule 11).

Mentions: ``@username`` tokens count only for users who may see the comment (``selectors``); nobody else is
stored or notified. Each user is notified of a mention of a comment once, however often it is edited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.cases.services._common import lock_case
from loanlit.collaboration import rendering, selectors
from loanlit.collaboration.models import CaseFollow, Comment, CommentAttachment, CommentRevision, Mention
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.documents import services as documents
from loanlit.documents import storage
from loanlit.documents.models import Document

__all__ = [
    "ATTACHMENT_CATEGORY",
    "MAX_ATTACHMENTS",
    "NOTIFY_COMMENTED",
    "NOTIFY_MENTIONED",
    "NOTIFY_REPLIED",
    "Attachment",
    "case_follow",
    "case_unfollow",
    "comment_delete",
    "comment_edit",
    "comment_post",
]

ATTACHMENT_CATEGORY: Final = "other"
MAX_ATTACHMENTS: Final = 5
NOTIFY_MENTIONED: Final = "collaboration.mentioned"
NOTIFY_REPLIED: Final = "collaboration.replied"
NOTIFY_COMMENTED: Final = "collaboration.commented"


@dataclass(frozen=True)
class Attachment:
    """A file posted with a comment: its name and its content (bytes or a readable binary file)."""

    filename: str
    content: Any


# --- checks ------------------------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(_("Write a comment first."), code="empty")
    if len(text) > rendering.MAX_BODY_LENGTH:
        raise DomainError(
            _("Enter at most %(max)d characters (you entered %(count)d).")
            % {"max": rendering.MAX_BODY_LENGTH, "count": len(text)},
            code="too_long",
        )
    return text


def _fingerprint(text: str) -> dict[str, Any]:
    return {"length": len(text), "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def _stream(case_id: int) -> str:
    return audit.stream_key("case", case_id)


def _lock_comment(pk: int, version: int | None) -> Comment:
    row = Comment.objects.select_for_update().select_related("case").get(pk=pk)
    if version is not None and row.version != version:
        raise StaleVersionError(
            _("This comment was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return row


def _resolve_mentions(*, actor: Any, case: Case, internal: bool, body: str) -> list[Any]:
    return selectors.mentionable_by_username(
        actor=actor, case=case, internal=internal, usernames=rendering.mentioned_usernames(body)
    )


def _check_parent(actor: Any, case: Case, parent: Comment | None) -> Comment | None:
    if parent is None:
        return None
    if parent.case_id != case.pk or not selectors.may_see_comment(actor, parent):
        raise DomainError(_("The comment you reply to belongs to another case."), code="parent_other_case")
    if parent.is_deleted:
        raise DomainError(_("The comment you reply to was deleted."), code="parent_deleted")
    return parent


def _check_document(case: Case, document: Document | None) -> None:
    if document is None:
        return
    if document.case_id != case.pk:
        raise DomainError(_("The document belongs to another case."), code="document_other_case")
    if document.deleted_at is not None:
        raise DomainError(_("The document is in the recycle bin."), code="document_in_bin")


def _check_attachments(actor: Any, case: Case, attachments: Sequence[Attachment]) -> None:
    if not attachments:
        return
    if not selectors.may_attach(actor, case):
        raise PermissionDeniedError(_("You may not add documents to this case."), code="permission_denied")
    if len(attachments) > MAX_ATTACHMENTS:
        raise DomainError(
            _("Attach at most %(max)d files to one comment.") % {"max": MAX_ATTACHMENTS}, code="too_many_files"
        )


# --- notifications (after commit) --------------------------------------------------------------------------


def comment_link(comment: Comment) -> str:
    return reverse("collaboration:comment_detail", args=[comment.pk])


def _queue_notices(notices: list[tuple[list[Any], str, str]], comment: Comment) -> None:
    """``notices``: (recipients, code, title) built in the request's language; sent once the change commits."""
    from loanlit.notifications.services import notify

    link = comment_link(comment)
    pending = [(recipients, code, title) for recipients, code, title in notices if recipients]
    if not pending:
        return

    def send() -> None:
        for recipients, code, title in pending:
            notify(recipients=recipients, code=code, title=title, link=link, target=comment)

    transaction.on_commit(send)


def _case_no(case: Case) -> dict[str, str]:
    return {"case": case.internal_no}


def _followers_to_notify(case: Case, comment: Comment, exclude: set[int]) -> list[Any]:
    follows = (
        CaseFollow.objects.filter(case_id=case.pk)
        .exclude(user_id__in=exclude)
        .select_related("user", "user__role", "user__unit")
        .order_by("user_id")
    )
    return [f.user for f in follows if f.user.is_active and selectors.may_see(f.user, case, internal=comment.internal)]


# --- comments ---------------------------------------------------------------------------------------------


def comment_post(
    *,
    actor: Any,
    case: Case,
    body: str,
    internal: bool = True,
    parent: Comment | None = None,
    document: Document | None = None,
    attachments: Sequence[Attachment] = (),
) -> Comment:
    """A new comment on ``case`` (on ``document`` of it, or a reply to ``parent``).

    A reply joins its parent's thread (a reply to a reply goes under the first comment), takes the parent's
    document and visibility, and notifies the author of the comment replied to. External lawyers write
    shared (non-internal) comments only. Attached files become documents of the case ("other" category)
    through the document store; if anything fails, no comment, no document and no file is left behind.
    """
    if actor is None or not selectors.may_comment(actor, case):
        raise PermissionDeniedError(_("You may not comment on this case."), code="permission_denied")
    text = _clean_body(body)
    replied_to = _check_parent(actor, case, parent)
    root = replied_to.parent if replied_to is not None and replied_to.parent_id else replied_to
    if root is not None:
        internal = root.internal
        document = root.document
    if access.is_external_lawyer(actor):
        internal = False
    _check_document(case, document)
    _check_attachments(actor, case, attachments)

    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = lock_case(case.pk)
            mentioned = _resolve_mentions(actor=actor, case=locked, internal=internal, body=text)
            comment = Comment.objects.create(
                case=locked,
                document=document,
                parent=root,
                author=actor,
                body=text,
                rendered_html=rendering.render(text, allowed_mentions={u.username for u in mentioned}),
                internal=internal,
            )
            Mention.objects.bulk_create([Mention(comment=comment, user=user) for user in mentioned])
            added: list[Document] = []
            for attachment in attachments:
                added_document = documents.document_add(
                    actor=actor,
                    case=locked,
                    category=ATTACHMENT_CATEGORY,
                    title="",
                    filename=attachment.filename,
                    content=attachment.content,
                    internal=comment.internal,
                )
                if added_document.current_version is not None:
                    stored.append(added_document.current_version.storage_name)
                added.append(added_document)
            CommentAttachment.objects.bulk_create([CommentAttachment(comment=comment, document=d) for d in added])
            audit.record(
                actor=actor,
                action="comment.post",
                target=comment,
                stream=_stream(locked.pk),
                changes={
                    **_fingerprint(text),
                    "internal": internal,
                    "document": document.pk if document else None,
                    "parent": root.pk if root else None,
                    "mentions": [u.pk for u in mentioned],
                    "attachments": [d.pk for d in added],
                },
            )
            notified = {actor.pk} | {u.pk for u in mentioned}
            notices: list[tuple[list[Any], str, str]] = [
                (
                    mentioned,
                    NOTIFY_MENTIONED,
                    _("You were mentioned in a comment on case %(case)s") % _case_no(locked),
                )
            ]
            if replied_to is not None and replied_to.author_id not in notified:
                author = replied_to.author
                if author.is_active and selectors.may_see(author, locked, internal=internal):
                    notices.append(
                        ([author], NOTIFY_REPLIED, _("New reply to your comment on case %(case)s") % _case_no(locked))
                    )
                    notified.add(author.pk)
            notices.append(
                (
                    _followers_to_notify(locked, comment, notified),
                    NOTIFY_COMMENTED,
                    _("New comment on case %(case)s") % _case_no(locked),
                )
            )
            _queue_notices(notices, comment)
    except BaseException:
        # document_add removes its own file when it fails; files of attachments already added would stay
        # behind when a later step rolls the whole comment back.
        for name in stored:
            storage.delete_quietly(name)
        raise
    return comment


def comment_edit(*, actor: Any, comment: Comment, body: str, version: int) -> Comment:
    """The author changes the text; the previous text is kept as a revision. Users newly mentioned are
    stored and notified (those mentioned before are not notified again)."""
    if actor is None or not selectors.may_edit(actor, comment):
        raise PermissionDeniedError(_("Only the author may edit a comment."), code="permission_denied")
    text = _clean_body(body)
    with transaction.atomic():
        lock_case(comment.case_id)
        locked = _lock_comment(comment.pk, version)
        if locked.is_deleted:
            raise DomainError(_("This comment was deleted."), code="deleted")
        if locked.body == text:
            return locked
        case = locked.case
        now = timezone.now()
        number = locked.revisions.count() + 1
        CommentRevision.objects.create(
            comment=locked,
            number=number,
            body=locked.body,
            written_at=locked.edited_at or locked.created_at,
            replaced_at=now,
            replaced_by=actor,
        )
        mentioned = _resolve_mentions(actor=actor, case=case, internal=locked.internal, body=text)
        known = set(locked.mentions.values_list("user_id", flat=True))
        new = [user for user in mentioned if user.pk not in known]
        Mention.objects.bulk_create([Mention(comment=locked, user=user) for user in new])
        before = _fingerprint(locked.body)
        locked.body = text
        locked.rendered_html = rendering.render(text, allowed_mentions={u.username for u in mentioned})
        locked.edited_at = now
        locked.version += 1
        locked.save(update_fields=["body", "rendered_html", "edited_at", "version", "updated_at"])
        after = _fingerprint(text)
        audit.record(
            actor=actor,
            action="comment.edit",
            target=locked,
            stream=_stream(locked.case_id),
            changes={
                "length": [before["length"], after["length"]],
                "sha256": [before["sha256"], after["sha256"]],
                "revision": number,
                "new_mentions": [u.pk for u in new],
            },
        )
        _queue_notices(
            [(new, NOTIFY_MENTIONED, _("You were mentioned in a comment on case %(case)s") % _case_no(case))],
            locked,
        )
    return locked


def comment_delete(*, actor: Any, comment: Comment, version: int | None = None) -> Comment:
    """Soft delete: the comment stays as a tombstone in its thread; its last text is kept as a revision.

    The author may delete it, and so may the bank's staff who may edit the case (not a firm's lawyer).
    Attached files stay in the case's document store."""
    if actor is None or not selectors.may_delete(actor, comment):
        raise PermissionDeniedError(_("You may not delete this comment."), code="permission_denied")
    with transaction.atomic():
        lock_case(comment.case_id)
        locked = _lock_comment(comment.pk, version)
        if locked.is_deleted:
            raise DomainError(_("This comment was deleted."), code="deleted")
        now = timezone.now()
        number = locked.revisions.count() + 1
        CommentRevision.objects.create(
            comment=locked,
            number=number,
            body=locked.body,
            written_at=locked.edited_at or locked.created_at,
            replaced_at=now,
            replaced_by=actor,
        )
        before = _fingerprint(locked.body)
        locked.body = ""
        locked.rendered_html = ""
        locked.is_deleted = True
        locked.deleted_at = now
        locked.deleted_by = actor
        locked.version += 1
        locked.save(
            update_fields=["body", "rendered_html", "is_deleted", "deleted_at", "deleted_by", "version", "updated_at"]
        )
        audit.record(
            actor=actor,
            action="comment.delete",
            target=locked,
            stream=_stream(locked.case_id),
            changes={**before, "revision": number, "by_author": locked.author_id == actor.pk},
        )
    return locked


# --- follows ---------------------------------------------------------------------------------------------


def case_follow(*, actor: Any, case: Case) -> CaseFollow:
    """Follow a case the user may see (following again changes nothing)."""
    if actor is None or not access.can_view(actor, case):
        raise PermissionDeniedError(_("You may not follow this case."), code="permission_denied")
    with transaction.atomic():
        lock_case(case.pk)
        existing = CaseFollow.objects.filter(user_id=actor.pk, case_id=case.pk).first()
        if existing is not None:
            return existing
        follow = CaseFollow.objects.create(user=actor, case=case)
        audit.record(
            actor=actor, action="case.follow", target=follow, stream=_stream(case.pk), changes={"user": actor.pk}
        )
    return follow


def case_unfollow(*, actor: Any, case: Case) -> bool:
    """Stop following; ``False`` when the user did not follow the case."""
    if actor is None:
        raise PermissionDeniedError(_("You may not follow this case."), code="permission_denied")
    with transaction.atomic():
        lock_case(case.pk)
        follow = CaseFollow.objects.filter(user_id=actor.pk, case_id=case.pk).first()
        if follow is None:
            return False
        audit.record(
            actor=actor,
            action="case.unfollow",
            target=audit.TargetRef(type="collaboration.casefollow", id=str(follow.pk)),
            stream=_stream(case.pk),
            changes={"user": actor.pk},
        )
        follow.delete()
    return True
