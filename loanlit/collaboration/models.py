"""Collaboration (沟通协作): comments on cases and documents, their edit history, mentions, attachments and
case follows. Written by ``loanlit.collaboration.services`` only.

A comment is *internal* by default: external lawyers never see internal comments (issue 10). A shared
(non-internal) comment is visible to the firm the case is placed with. Deleting is soft: the row stays as a
tombstone (so replies keep their thread), its text moves into the revision history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import VersionedModel

__all__ = ["CaseFollow", "Comment", "CommentAttachment", "CommentRevision", "Mention"]


class Comment(VersionedModel):
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="comments")
    # A comment on a document stays on the case when the document is purged for good.
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("reply to"), null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(_("text"), blank=True)
    # The sanitised HTML of ``body`` (markdown subset → nh3), written with the body.
    rendered_html = models.TextField(_("rendered text"), blank=True)
    internal = models.BooleanField(_("internal"), default=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["case", "-created_at"], name="collab_comment_case_recent"),
            models.Index(fields=["document", "-created_at"], name="collab_comment_document"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class CommentRevision(models.Model):
    """The text a comment had before an edit (or before it was deleted)."""

    comment = models.ForeignKey(Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    body = models.TextField(_("text"), blank=True)
    # When this text was written and by whom (the original post, or the edit that produced it).
    written_at = models.DateTimeField(_("written at"))
    replaced_at = models.DateTimeField(_("replaced at"))
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("replaced by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("comment revision")
        verbose_name_plural = _("comment revisions")
        ordering = ["comment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "number"], name="collab_revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"#{self.comment_id} v{self.number}"


class Mention(models.Model):
    """A user named with ``@username`` who could see the comment when it was written; notified once."""

    comment = models.ForeignKey(Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="mentions"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="collab_mention_unique")]

    def __str__(self) -> str:
        return f"#{self.comment_id} @{self.user_id}"


class CommentAttachment(models.Model):
    """A file posted with a comment: a document of the case in the document store."""

    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), on_delete=models.CASCADE, related_name="attachments"
    )
    # Purging the document for good removes the link too.
    document = models.ForeignKey(
        "documents.Document", verbose_name=_("document"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("comment attachment")
        verbose_name_plural = _("comment attachments")
        ordering = ["comment", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "document"], name="collab_attachment_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.comment_id} document {self.document_id}"


class CaseFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="case_follows"
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("followed case")
        verbose_name_plural = _("followed cases")
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="collab_follow_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.case_id}"
