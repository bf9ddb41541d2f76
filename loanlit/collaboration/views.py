"""Pages of collaboration: a case's (or a document's) comments, posting, editing, deleting, the revision
history, the scoped mention autocomplete, follow / unfollow and the activity feed.

Parse → scope → service → render. A case, document or comment the user may not see answers 404 (logged as a
refused access when it exists); one they see but may not change answers 403. Nothing is written on refusal.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.cases.templatetags.case_format import event_summary
from loanlit.cases.views.common import actor, case_for_read, deny, is_htmx, logged_404
from loanlit.collaboration import forms, selectors, services
from loanlit.collaboration.models import Comment
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.documents import selectors as document_selectors
from loanlit.documents.models import Document

T = TypeVar("T")


# --- scope ------------------------------------------------------------------------------------------------


def _case(request: HttpRequest, case_pk: int) -> Case:
    return logged_404(request, Case, case_pk, lambda: case_for_read(request, case_pk))


def _document(request: HttpRequest, pk: int) -> Document:
    return logged_404(request, Document, pk, lambda: document_selectors.document_get_for_user(user=request.user, pk=pk))


def _comment(request: HttpRequest, pk: int) -> Comment:
    return logged_404(request, Comment, pk, lambda: selectors.comment_get_for_user(user=request.user, pk=pk))


def _safe_next(request: HttpRequest, candidate: str, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _anchor(url: str, comment: Comment) -> str:
    return f"{url.split('#', 1)[0]}#comment-{comment.pk}"


# --- shared context ---------------------------------------------------------------------------------------


def thread_context(
    request: HttpRequest,
    case: Case,
    *,
    document: Document | None = None,
    limit: int | None = selectors.THREAD_LIMIT,
    form: forms.CommentForm | None = None,
    back: str = "",
) -> dict[str, Any]:
    """What the comments panel (case page), the document's comments and the comments page render."""
    user = request.user
    lawyer = access.is_external_lawyer(user)
    may_edit_case = selectors.may_attach(user, case)  # attaching needs edit rights on the case
    back = back or (reverse("documents:document", args=[document.pk]) if document else case.get_absolute_url())
    return {
        "case": case,
        "document": document,
        "thread": selectors.thread_for_user(user=user, case=case, document=document, limit=limit),
        "form": form
        or forms.CommentForm(
            initial={"visibility": forms.INTERNAL, "next": back, "document": document.pk if document else None}
        ),
        "may_comment": selectors.may_comment(user, case),
        "may_attach": may_edit_case,
        "may_moderate": not lawyer and may_edit_case,
        "is_lawyer": lawyer,
        "following": selectors.is_following(user=user, case=case),
        "back": back,
        "mention_url": reverse("collaboration:mention_suggest", args=[case.pk]),
        "max_attachments": services.MAX_ATTACHMENTS,
        "max_upload_mb": max(1, settings.MAX_UPLOAD_BYTES // (1024 * 1024)),
        "all_url": reverse("collaboration:case_comments", args=[case.pk]),
        "limited": limit is not None,
    }


# --- reading ----------------------------------------------------------------------------------------------


@require_GET
def case_comments(request: HttpRequest, case_pk: int) -> HttpResponse:
    """All comments of a case (the panel on the case page shows the newest)."""
    case = _case(request, case_pk)
    context = thread_context(request, case, limit=None, back=reverse("collaboration:case_comments", args=[case.pk]))
    return render(request, "collaboration/case_comments.html", context)


@require_GET
def document_comments(request: HttpRequest, document_pk: int) -> HttpResponse:
    """A document's comments: the partial for the document page (htmx), or a page of its own."""
    document = _document(request, document_pk)
    context = thread_context(request, document.case, document=document, limit=None)
    template = "collaboration/partials/panel.html" if is_htmx(request) else "collaboration/document_comments.html"
    return render(request, template, context)


@require_GET
def comment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment's permalink (notifications link here): its thread, the comment highlighted."""
    comment = _comment(request, pk)
    root_pk = comment.parent_id or comment.pk
    context = thread_context(request, comment.case, limit=None)
    context.update(
        {
            "thread": selectors.thread_for_user(user=request.user, case=comment.case, limit=None, root_pk=root_pk),
            "highlight": comment.pk,
        }
    )
    return render(request, "collaboration/comment_detail.html", context)


@require_GET
def comment_history(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    if comment.is_deleted:
        raise Http404
    from loanlit.collaboration.rendering import render as render_markdown

    allowed = set(comment.mentions.values_list("user__username", flat=True))
    revisions = [
        {"revision": r, "html": render_markdown(r.body, allowed_mentions=allowed)}
        for r in selectors.comment_revisions(user=request.user, comment=comment)
    ]
    return render(
        request,
        "collaboration/comment_history.html",
        {"comment": comment, "case": comment.case, "revisions": revisions},
    )


@require_GET
def mention_suggest(request: HttpRequest, case_pk: int) -> HttpResponse:
    """JSON: at most 10 users who may see the case whose username or display name starts with ``q``."""
    case = _case(request, case_pk)
    internal = request.GET.get("internal", "1") != "0"
    users = selectors.mention_suggestions(
        user=request.user, case=case, prefix=request.GET.get("q", ""), internal=internal
    )
    return JsonResponse(
        {"results": [{"username": u.username, "name": u.display_name or u.username} for u in users]},
        headers={"Cache-Control": "no-store"},
    )


@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    page, items = selectors.feed_for_user(user=request.user, page=request.GET.get("page"))
    from loanlit.cases.selectors import stages

    stage_names = {stage.code: stage.name for stage in stages()}
    for item in items:
        if item.event is not None:
            item.summary = event_summary(item.event, stage_names)  # type: ignore[attr-defined]
    followed = selectors.followed_cases(user=request.user).order_by("internal_no")[:100]
    return render(request, "collaboration/feed.html", {"page": page, "items": items, "followed": list(followed)})


# --- writing ----------------------------------------------------------------------------------------------


def _files(request: HttpRequest) -> list[services.Attachment]:
    uploads: list[UploadedFile] = request.FILES.getlist("files")
    return [services.Attachment(filename=f.name or "", content=f) for f in uploads if f is not None]


def _form_error_page(
    request: HttpRequest, case: Case, form: forms.CommentForm, document: Document | None
) -> HttpResponse:
    context = thread_context(request, case, document=document, limit=None, form=form)
    return render(request, "collaboration/case_comments.html", context, status=400)


@require_POST
def comment_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    if not selectors.may_comment(request.user, case):
        raise deny(request, "collaboration.comment", case)
    form = forms.CommentForm(request.POST)
    attachments = _files(request)
    if attachments and not selectors.may_attach(request.user, case):
        raise deny(request, "cases.edit", case)
    if not form.is_valid():
        return _form_error_page(request, case, form, None)
    data = form.cleaned_data
    parent = None
    document = None
    if data["parent"]:
        parent = selectors.comments_visible_to(request.user).filter(case=case, pk=data["parent"]).first()
        if parent is None:
            form.add_error(None, _("The comment you reply to is not there any more."))
    if data["document"]:
        document = (
            document_selectors.documents_visible_to(request.user)
            .filter(case=case, pk=data["document"], deleted_at__isnull=True)
            .first()
        )
        if document is None:
            form.add_error(None, _("The document is not there any more."))
    if form.errors:
        return _form_error_page(request, case, form, document)
    try:
        comment = services.comment_post(
            actor=actor(request),
            case=case,
            body=data["body"],
            internal=form.is_internal(),
            parent=parent,
            document=document,
            attachments=attachments,
        )
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        form.add_error(None, error.message)
        return _form_error_page(request, case, form, document)
    messages.success(request, _("Comment posted."))
    return redirect(_anchor(_safe_next(request, data["next"], case.get_absolute_url()), comment))


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    if not selectors.may_edit(request.user, comment):
        raise deny(request, "collaboration.edit", comment)
    back = reverse("collaboration:comment_detail", args=[comment.pk])
    form = forms.CommentEditForm(request.POST or None, initial={"body": comment.body, "version": comment.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.comment_edit(
                    actor=actor(request),
                    comment=comment,
                    body=form.cleaned_data["body"],
                    version=form.cleaned_data["version"],
                )
            except PermissionDeniedError as error:
                raise PermissionDenied(error.message) from None
            except StaleVersionError as error:
                form.add_error(None, error.message)
                status = 409
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Comment saved."))
                return redirect(_anchor(back, comment))
    context = {
        "comment": comment,
        "case": comment.case,
        "form": form,
        "back": back,
        "mention_url": reverse("collaboration:mention_suggest", args=[comment.case_id]),
    }
    return render(request, "collaboration/comment_edit.html", context, status=status)


@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    if not selectors.may_delete(request.user, comment):
        raise deny(request, "collaboration.delete", comment)
    form = forms.VersionForm(request.POST)
    url = comment.case.get_absolute_url()
    if form.is_valid():
        url = _safe_next(request, form.cleaned_data["next"], url)
    try:
        services.comment_delete(
            actor=actor(request), comment=comment, version=form.cleaned_data.get("version") if form.is_valid() else None
        )
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(url)
    messages.success(request, _("Comment deleted."))
    return redirect(_anchor(url, comment))


def _follow_action(request: HttpRequest, case_pk: int, follow: bool) -> HttpResponse:
    case = _case(request, case_pk)
    form = forms.VersionForm(request.POST)
    url = case.get_absolute_url()
    if form.is_valid():
        url = _safe_next(request, form.cleaned_data["next"], url)
    try:
        if follow:
            services.case_follow(actor=actor(request), case=case)
        else:
            services.case_unfollow(actor=actor(request), case=case)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    messages.success(request, _("You follow this case.") if follow else _("You no longer follow this case."))
    return redirect(url)


@require_POST
def case_follow(request: HttpRequest, case_pk: int) -> HttpResponse:
    return _follow_action(request, case_pk, True)


@require_POST
def case_unfollow(request: HttpRequest, case_pk: int) -> HttpResponse:
    return _follow_action(request, case_pk, False)
