"""Reads of comments, mentions and follows, scoped to the user through the case (DESIGN rule 2).

* A comment is seen by whoever may see its case, except that external lawyers never see internal
  comments: an internal comment answers them 404, like a missing id.
* Who may be mentioned (and so offered in the autocomplete, stored as a mention and notified): users who
  may see the case — and, on an internal comment, not external lawyers. ``case_viewer_candidates`` narrows
  the users with one query (the inverse of ``cases.access.visible_q``); every user it returns is then
  confirmed with ``cases.access.can_view`` itself, so the case rules have one home and nobody outside is
  ever offered, even if the two drift apart.
* An external lawyer may mention only the case team (handler and co-handlers) and members of their own
  firm: the firm does not get a directory of the bank's staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.fields import CharField
from django.http import Http404

from loanlit.accounts.models import Role, User
from loanlit.cases import access
from loanlit.cases.models import Case, CaseEvent, LawFirmMember, Placement
from loanlit.collaboration.models import CaseFollow, Comment, CommentRevision
from loanlit.documents.models import Document

SUGGEST_LIMIT: Final = 10
# Candidates scanned per autocomplete request before the per-user confirmation stops (a prefix of one
# letter in a large bank must not turn into thousands of access checks).
SUGGEST_SCAN: Final = 50
FEED_PAGE_SIZE: Final = 30
THREAD_LIMIT: Final = 20


# --- who sees what ----------------------------------------------------------------------------------------


def may_comment(user: Any, case: Case) -> bool:
    """Everyone who may see a case may comment on it: a mention invites the person named to answer."""
    return access.can_view(user, case)


def may_attach(user: Any, case: Case) -> bool:
    """Attachments go into the case's document store, which needs edit rights on the case."""
    return access.can_edit(user, case)


def may_delete(user: Any, comment: Comment) -> bool:
    """The author, or a member of the bank's staff who may edit the case (not a firm's lawyer)."""
    if comment.is_deleted or not may_see_comment(user, comment):
        return False
    if comment.author_id == user.pk:
        return True
    return not access.is_external_lawyer(user) and access.can_edit(user, comment.case)


def may_edit(user: Any, comment: Comment) -> bool:
    return not comment.is_deleted and comment.author_id == user.pk and may_see_comment(user, comment)


def may_see_comment(user: Any, comment: Comment) -> bool:
    return may_see(user, comment.case, internal=comment.internal)


def may_see(user: Any, case: Case, *, internal: bool) -> bool:
    if internal and access.is_external_lawyer(user):
        return False
    return access.can_view(user, case)


def _comment_scope(user: Any) -> Q:
    q = Q(case__in=access.cases_visible_to(user))
    if access.is_external_lawyer(user):
        q &= Q(internal=False)
    return q


def comments_visible_to(user: Any) -> QuerySet[Comment]:
    return Comment.objects.filter(_comment_scope(user))


def comment_get_for_user(*, user: Any, pk: int) -> Comment:
    comment = (
        comments_visible_to(user)
        .filter(pk=pk)
        .select_related("case", "author", "document", "parent", "parent__author", "deleted_by")
        .first()
    )
    if comment is None:
        raise Http404
    return comment


# --- threads ------------------------------------------------------------------------------------------------


@dataclass
class Thread:
    comments: list[Comment]  # top-level comments, newest first, each with ``visible_replies`` (oldest first)
    total: int  # top-level comments in scope (the panel shows the newest THREAD_LIMIT)


def _with_details(qs: QuerySet[Comment]) -> QuerySet[Comment]:
    return qs.select_related("author", "document", "deleted_by")


def thread_for_user(
    *,
    user: Any,
    case: Case,
    document: Document | None = None,
    limit: int | None = THREAD_LIMIT,
    root_pk: int | None = None,
) -> Thread:
    """The case's comments (or one document's), as the user may see them; 404 out of scope."""
    if not access.can_view(user, case):
        raise Http404
    scope = Comment.objects.filter(case=case)
    if access.is_external_lawyer(user):
        scope = scope.filter(internal=False)
    if document is not None:
        scope = scope.filter(document=document)
    top = scope.filter(parent__isnull=True)
    if root_pk is not None:
        top = top.filter(pk=root_pk)
    replies = (
        _with_details(scope.filter(parent__isnull=False))
        .prefetch_related("attachments__document")
        .order_by("created_at", "pk")
    )
    qs = (
        _with_details(top)
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"), "attachments__document")
        .order_by("-created_at", "-pk")
    )
    rows: list[Comment] = list(qs[:limit] if limit else qs)
    return Thread(comments=rows, total=top.count() if limit and len(rows) >= limit else len(rows))


def comment_revisions(*, user: Any, comment: Comment) -> list[CommentRevision]:
    if not may_see_comment(user, comment):
        raise Http404
    return list(comment.revisions.select_related("replaced_by").order_by("-number"))


def is_following(*, user: Any, case: Case) -> bool:
    return CaseFollow.objects.filter(user_id=user.pk, case_id=case.pk).exists()


# --- mentions ----------------------------------------------------------------------------------------------


def case_viewer_candidates(case: Case) -> QuerySet[User]:
    """Users who (by the rules of ``cases.access``) may see ``case``: a superset never trusted alone."""
    viewer_roles = [role.pk for role in Role.objects.only("pk", "permissions") if "cases.view" in role.permissions]
    firms = Placement.objects.filter(case_id=case.pk, recalled_on__isnull=True).values("law_firm_id")
    lawyers = LawFirmMember.objects.filter(law_firm_id__in=firms).values("user_id")
    team = Case.co_handlers.through.objects.filter(case_id=case.pk).values("user_id")
    staff = (
        Q(unit__path__in=access.ancestor_paths(case.unit_path))
        | Q(pk=case.handler_id or 0)
        | Q(pk__in=team)
        | access.shared_with_q(case)
    )
    return (
        User.objects.filter(is_active=True, creditors=case.creditor_id)
        .filter(Q(role_id__in=viewer_roles) | Q(is_superuser=True))
        .filter((access.EXTERNAL_USERS & Q(pk__in=lawyers)) | (access.INTERNAL_USERS & staff))
        .select_related("role", "unit")
    )


def _mentionable_qs(*, actor: Any, case: Case, internal: bool) -> QuerySet[User]:
    qs = case_viewer_candidates(case)
    if internal:
        qs = qs.filter(access.INTERNAL_USERS)
    if access.is_external_lawyer(actor):
        firms = LawFirmMember.objects.filter(user_id=actor.pk).values("law_firm_id")
        own_firm = LawFirmMember.objects.filter(law_firm_id__in=firms).values("user_id")
        team = Case.co_handlers.through.objects.filter(case_id=case.pk).values("user_id")
        qs = qs.filter(Q(pk=case.handler_id or 0) | Q(pk__in=team) | Q(pk__in=own_firm))
    return qs


def _confirmed(users: Iterable[User], case: Case, *, internal: bool) -> list[User]:
    return [user for user in users if may_see(user, case, internal=internal)]


def mentionable_by_username(*, actor: Any, case: Case, internal: bool, usernames: Iterable[str]) -> list[User]:
    """Of ``usernames``, the users that ``actor`` may mention on a comment of ``case`` (never the actor)."""
    names = {name for name in usernames if name}
    if not names:
        return []
    rows = _mentionable_qs(actor=actor, case=case, internal=internal).filter(username__in=names).exclude(pk=actor.pk)
    return _confirmed(rows.order_by("username"), case, internal=internal)


def mention_suggestions(*, user: Any, case: Case, prefix: str, internal: bool = True) -> list[User]:
    """At most SUGGEST_LIMIT users whose username or display name starts with ``prefix``; 404 out of scope."""
    if not may_comment(user, case):
        raise Http404
    if access.is_external_lawyer(user):
        internal = False  # a firm's lawyer writes shared comments only
    prefix = prefix.strip().lstrip("@")[:150]
    qs = _mentionable_qs(actor=user, case=case, internal=internal).exclude(pk=user.pk)
    if prefix:
        qs = qs.filter(Q(username__istartswith=prefix) | Q(display_name__istartswith=prefix))
    found: list[User] = []
    for candidate in qs.order_by("username")[:SUGGEST_SCAN]:
        if may_see(candidate, case, internal=internal):
            found.append(candidate)
            if len(found) == SUGGEST_LIMIT:
                break
    return found


# --- the activity feed ---------------------------------------------------------------------------------------


@dataclass
class FeedItem:
    kind: str  # "event" or "comment"
    created_at: Any
    case: Case
    event: CaseEvent | None = None
    comment: Comment | None = None


def followed_cases(*, user: Any) -> QuerySet[Case]:
    """The cases the user follows and may still see."""
    followed = CaseFollow.objects.filter(user_id=user.pk).values("case_id")
    return access.cases_visible_to(user).filter(pk__in=followed)


def feed_for_user(
    *, user: Any, page: int | str | None = 1, per_page: int = FEED_PAGE_SIZE
) -> tuple[Page, list[FeedItem]]:
    """Events and comments of the followed cases still in scope, newest first, one page of them."""
    cases = followed_cases(user=user).values("pk")
    # Each side unordered (CaseEvent has a default ordering): a compound statement orders only as a whole.
    events = (
        CaseEvent.objects.filter(case_id__in=cases)
        .order_by()
        .values_list(Value("event", output_field=CharField()), "pk", "created_at")
    )
    comments = (
        comments_visible_to(user)
        .filter(case_id__in=cases, is_deleted=False)
        .order_by()
        .values_list(Value("comment", output_field=CharField()), "pk", "created_at")
    )
    union = events.union(comments, all=True).order_by("-created_at", "-pk")
    paginator = Paginator(union, per_page)
    current = paginator.get_page(page)
    rows = list(current.object_list)
    event_rows = CaseEvent.objects.select_related("case", "actor").in_bulk(
        [pk for kind, pk, _ in rows if kind == "event"]
    )
    comment_rows = Comment.objects.select_related("case", "author", "document").in_bulk(
        [pk for kind, pk, _ in rows if kind == "comment"]
    )
    items: list[FeedItem] = []
    for kind, pk, created_at in rows:
        if kind == "event" and pk in event_rows:
            event = event_rows[pk]
            items.append(FeedItem(kind="event", created_at=created_at, case=event.case, event=event))
        elif kind == "comment" and pk in comment_rows:
            comment = comment_rows[pk]
            items.append(FeedItem(kind="comment", created_at=created_at, case=comment.case, comment=comment))
    return current, items
