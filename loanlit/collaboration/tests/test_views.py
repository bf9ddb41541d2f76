"""Pages: the comments panel, posting with attachments, edit and history, delete, the scoped mention
autocomplete, follow / unfollow and the activity feed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from loanlit.accounts import services as accounts
from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.collaboration import services
from loanlit.collaboration.models import CaseFollow, Comment, CommentAttachment
from loanlit.documents import services as documents
from loanlit.documents.models import Document
from loanlit.notifications.models import Notification

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def counts():
    return (
        Comment.objects.count(),
        CaseFollow.objects.count(),
        Document.objects.count(),
        Notification.objects.count(),
        AuditEntry.objects.count(),
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def suggest(client, case, q="", internal="1"):
    response = client.get(reverse("collaboration:mention_suggest", args=[case.pk]), {"q": q, "internal": internal})
    assert response.status_code == 200
    return [row["username"] for row in response.json()["results"]]


# --- the panel on the case page --------------------------------------------------------------------------


def test_the_case_page_shows_the_comments_panel_and_external_lawyers_see_only_shared_comments(client, world, personas):
    services.comment_post(actor=personas.case_handler, case=world.case, body="Internal **strategy**")
    services.comment_post(actor=personas.case_handler, case=world.case, body="Shared *plan*", internal=False)
    client.force_login(personas.branch_manager)
    page = text(client.get(world.case.get_absolute_url()))
    assert 'id="case-comments"' in page
    assert "Internal <strong>strategy</strong>" in page and "Shared <em>plan</em>" in page
    assert 'id="follow-case"' in page
    client.force_login(personas.external_lawyer)
    page = text(client.get(world.case.get_absolute_url()))
    assert "Shared <em>plan</em>" in page
    assert "strategy" not in page
    assert 'name="visibility"' not in page  # the lawyer cannot choose "internal"


def test_a_script_in_a_comment_is_shown_as_text_on_the_page(client, world, personas):
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("collaboration:comment_add", args=[world.case.pk]),
        {"body": '<script>alert("x")</script> [a](javascript:alert(1)) <img src=x onerror=alert(1)>'},
    )
    assert response.status_code == 302
    page = text(client.get(world.case.get_absolute_url()))
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page or '&lt;script&gt;alert("x")&lt;/script&gt;' in page
    )
    assert '<script>alert("x")' not in page
    assert "onerror=alert(1)>" not in page
    assert 'href="javascript' not in page


# --- posting ---------------------------------------------------------------------------------------------


def test_posting_a_comment_redirects_to_it_and_a_missing_visibility_keeps_it_internal(client, world, personas):
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("collaboration:comment_add", args=[world.case.pk]), {"body": "Hearing moved @branch_manager"}
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{world.case.get_absolute_url()}#comment-{comment.pk}"
    assert comment.internal is True
    assert list(comment.mentions.values_list("user__username", flat=True)) == ["branch_manager"]


def test_an_unsafe_next_url_is_not_followed(client, world, personas):
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("collaboration:comment_add", args=[world.case.pk]),
        {"body": "x", "next": "https://evil.example/"},
    )
    assert response["Location"].startswith(world.case.get_absolute_url())


def test_an_empty_comment_is_refused_with_the_form_and_nothing_written(client, world, personas):
    client.force_login(personas.case_handler)
    before = counts()
    response = client.post(reverse("collaboration:comment_add", args=[world.case.pk]), {"body": "  "})
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert counts() == before


@pytest.mark.parametrize("persona", ["outsider_branch", "outsider_creditor"])
def test_outsiders_get_404_everywhere_and_nothing_is_written(client, world, personas, persona):
    comment = services.comment_post(actor=personas.case_handler, case=world.case, body="x", internal=False)
    client.force_login(getattr(personas, persona))
    before = counts()
    for name, args in (
        ("collaboration:case_comments", [world.case.pk]),
        ("collaboration:mention_suggest", [world.case.pk]),
        ("collaboration:comment_detail", [comment.pk]),
        ("collaboration:comment_history", [comment.pk]),
        ("collaboration:comment_edit", [comment.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    for name, args in (
        ("collaboration:comment_add", [world.case.pk]),
        ("collaboration:case_follow", [world.case.pk]),
        ("collaboration:comment_delete", [comment.pk]),
        ("collaboration:comment_edit", [comment.pk]),
    ):
        assert client.post(reverse(name, args=args), {"body": "hi"}).status_code == 404, name
    assert counts() == before


def test_an_internal_comment_is_404_for_the_placed_firms_lawyer(client, world, personas):
    comment = services.comment_post(actor=personas.case_handler, case=world.case, body="Internal")
    client.force_login(personas.external_lawyer)
    before = counts()
    assert client.get(reverse("collaboration:comment_detail", args=[comment.pk])).status_code == 404
    response = client.post(
        reverse("collaboration:comment_add", args=[world.case.pk]), {"body": "Reply", "parent": comment.pk}
    )
    assert response.status_code == 400
    assert counts() == before


def test_an_attachment_goes_into_the_document_store_and_downloads_byte_identical(client, world, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = b"%PDF-1.4\n" + bytes(range(256)) * 40
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("collaboration:comment_add", args=[world.case.pk]),
        {"body": "Receipt attached", "files": [SimpleUploadedFile("receipt 2026.pdf", content, "application/pdf")]},
    )
    assert response.status_code == 302
    link = CommentAttachment.objects.select_related("document__current_version").get()
    assert link.document.case_id == world.case.pk
    assert link.document.current_version.original_name == "receipt 2026.pdf"
    page = text(client.get(world.case.get_absolute_url()))
    assert f'href="{reverse("documents:document", args=[link.document.pk])}"' in page
    client.force_login(personas.read_only)
    download = client.get(reverse("documents:download", args=[link.document.pk, 1]))
    assert download.status_code == 200
    assert body(download) == content


def test_a_viewer_without_edit_rights_cannot_attach_files(client, world, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.branch_manager)
    before = counts()
    response = client.post(
        reverse("collaboration:comment_add", args=[world.case.pk]),
        {"body": "With a file", "files": [SimpleUploadedFile("a.txt", b"abc", "text/plain")]},
    )
    assert response.status_code == 403
    assert counts() == before
    page = text(client.get(world.case.get_absolute_url()))
    assert 'name="files"' not in page.split('id="case-comments"', 1)[1]


# --- edit, history, delete --------------------------------------------------------------------------------


def test_edit_marks_the_comment_edited_and_the_history_shows_every_version(client, world, personas):
    comment = services.comment_post(actor=personas.case_handler, case=world.case, body="First text")
    client.force_login(personas.case_handler)
    url = reverse("collaboration:comment_edit", args=[comment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"body": "Second text", "version": 1})
    assert response.status_code == 302
    stale = client.post(url, {"body": "Third text", "version": 1})
    assert stale.status_code == 409
    page = text(client.get(world.case.get_absolute_url()))
    assert f'href="{reverse("collaboration:comment_history", args=[comment.pk])}"' in page
    assert ">edited</a>" in page
    client.force_login(personas.branch_manager)
    history = text(client.get(reverse("collaboration:comment_history", args=[comment.pk])))
    assert "Second text" in history and "First text" in history and "Version 1" in history
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "Not mine", "version": 2}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Second text"


def test_delete_by_the_author_leaves_a_tombstone_on_the_page(client, world, personas):
    comment = services.comment_post(actor=personas.branch_manager, case=world.case, body="Oops")
    client.force_login(personas.read_only)
    before = counts()
    assert client.post(reverse("collaboration:comment_delete", args=[comment.pk])).status_code == 403
    assert counts() == before
    client.force_login(personas.branch_manager)
    response = client.post(reverse("collaboration:comment_delete", args=[comment.pk]), {"version": 1})
    assert response.status_code == 302
    page = text(client.get(world.case.get_absolute_url()))
    assert "This comment was deleted." in page and "Oops" not in page


# --- mention autocomplete ----------------------------------------------------------------------------------


def test_autocomplete_offers_only_users_who_see_the_case(client, world, personas):
    client.force_login(personas.case_handler)
    internal = suggest(client, world.case)
    assert internal == ["administrator", "auditor", "branch_manager", "legal_manager", "read_only"]
    assert suggest(client, world.case, internal="0") == [
        "administrator",
        "auditor",
        "branch_manager",
        "external_lawyer",
        "legal_manager",
        "read_only",
    ]
    assert suggest(client, world.case, q="out") == []
    assert suggest(client, world.case, q="@bran") == ["branch_manager"]


def test_autocomplete_matches_display_names_and_returns_at_most_ten(client, world, personas):
    for i in range(12):
        accounts.user_create(
            actor=None,
            username=f"clerk{i:02d}",
            password=None,
            role_code="read_only",
            unit=personas.beijing_chaoyang if i % 2 else personas.beijing,
            creditors=[personas.creditor],
        )
    user = accounts.user_create(
        actor=None,
        username="zl",
        password=None,
        role_code="read_only",
        unit=personas.beijing,
        creditors=[personas.creditor],
    )
    user.display_name = "Zhou Li"
    user.save(update_fields=["display_name"])
    client.force_login(personas.case_handler)
    # Chaoyang is below the case's unit (Beijing): its clerks do not see the case.
    assert suggest(client, world.case, q="clerk") == [f"clerk{i:02d}" for i in range(0, 12, 2)]
    assert suggest(client, world.case, q="zhou") == ["zl"]
    assert len(suggest(client, world.case, q="")) == 10


def test_autocomplete_for_the_placed_firms_lawyer_offers_the_case_team_only(client, world, personas):
    client.force_login(personas.external_lawyer)
    assert suggest(client, world.case) == ["case_handler"]


def test_autocomplete_for_an_out_of_scope_case_is_404(client, world, personas):
    client.force_login(personas.outsider_branch)
    assert client.get(reverse("collaboration:mention_suggest", args=[world.case.pk]), {"q": "a"}).status_code == 404


# --- follow and the feed -----------------------------------------------------------------------------------


def test_follow_unfollow_buttons(client, world, personas):
    client.force_login(personas.read_only)
    response = client.post(reverse("collaboration:case_follow", args=[world.case.pk]))
    assert response.status_code == 302
    assert CaseFollow.objects.filter(user=personas.read_only, case=world.case).exists()
    assert 'id="unfollow-case"' in text(client.get(world.case.get_absolute_url()))
    client.post(reverse("collaboration:case_unfollow", args=[world.case.pk]))
    assert not CaseFollow.objects.exists()


def test_the_feed_shows_events_and_comments_of_followed_cases_newest_first(client, world, personas):
    services.case_follow(actor=personas.external_lawyer, case=world.case)
    services.comment_post(actor=personas.case_handler, case=world.case, body="Internal only")
    services.comment_post(actor=personas.case_handler, case=world.case, body="Shared with firm", internal=False)
    client.force_login(personas.external_lawyer)
    page = text(client.get(reverse("collaboration:feed")))
    assert "Shared with firm" in page
    assert "Internal only" not in page
    assert "Placed with a law firm" in page and "Case opened" in page
    assert page.index("Shared with firm") < page.index("Placed with a law firm") < page.index("Case opened")
    # An unfollowed case, and a case no longer placed with the firm, leave the feed.
    world.case.refresh_from_db()
    cases.case_recall(actor=None, case=world.case, version=world.case.version)
    page = text(client.get(reverse("collaboration:feed")))
    assert "Shared with firm" not in page and 'id="feed-empty"' in page


def test_the_feed_is_paginated(client, world, personas):
    services.case_follow(actor=personas.case_handler, case=world.case)
    for i in range(35):
        services.comment_post(actor=personas.legal_manager, case=world.case, body=f"Note number {i:02d}")
    client.force_login(personas.case_handler)
    first = text(client.get(reverse("collaboration:feed")))
    assert "Note number 34" in first and "Note number 05" in first and "Note number 04" not in first
    assert 'id="feed-older"' in first
    second = text(client.get(reverse("collaboration:feed"), {"page": 2}))
    assert "Note number 04" in second and "Note number 00" in second and "Case opened" in second


def test_the_feed_of_someone_who_follows_nothing_is_empty(client, world, personas):
    client.force_login(personas.outsider_creditor)
    assert 'id="feed-empty"' in text(client.get(reverse("collaboration:feed")))


# --- document comments -----------------------------------------------------------------------------------


def test_document_comments_are_listed_with_their_document(client, world, personas):
    document = documents.document_add(
        actor=personas.case_handler,
        case=world.case,
        category="evidence",
        title="Ledger",
        filename="l.pdf",
        content=b"%PDF-1.4 ledger",
    )
    services.comment_post(actor=personas.case_handler, case=world.case, body="On the case")
    client.force_login(personas.legal_manager)
    url = reverse("collaboration:document_comments", args=[document.pk])
    response = client.post(
        reverse("collaboration:comment_add", args=[world.case.pk]),
        {"body": "Page 3 is missing", "document": document.pk, "next": url},
    )
    comment = Comment.objects.get(document=document)
    assert response["Location"] == f"{url}#comment-{comment.pk}"
    partial = text(client.get(url, headers={"HX-Request": "true"}))
    assert "Page 3 is missing" in partial and "On the case" not in partial
    assert "<html" not in partial
    assert "Page 3 is missing" in text(client.get(url))
    case_page = text(client.get(world.case.get_absolute_url()))
    assert "On a document: Ledger" in case_page


def test_the_document_page_panel_renders_the_documents_thread(rf, world, personas):
    from django.template import engines

    document = documents.document_add(
        actor=personas.case_handler,
        case=world.case,
        category="evidence",
        title="Ledger",
        filename="l.pdf",
        content=b"%PDF-1.4 ledger",
    )
    services.comment_post(actor=personas.case_handler, case=world.case, body="Check *page 2*", document=document)
    services.comment_post(actor=personas.case_handler, case=world.case, body="Elsewhere")
    request = rf.get("/")
    request.user = personas.read_only
    html = (
        engines["django"]
        .from_string("{% load case_panels %}{% document_panels document %}")
        .render({"document": document}, request)
    )
    assert 'id="document-comments"' in html
    assert "Check <em>page 2</em>" in html and "Elsewhere" not in html
    assert f'<input type="hidden" name="document" value="{document.pk}">' in html


def test_the_comments_page_costs_the_same_queries_however_many_comments(client, world, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("collaboration:case_comments", args=[world.case.pk])).status_code == 200
        return len(captured)

    def thread(i: int) -> Comment:
        root = services.comment_post(
            actor=personas.case_handler,
            case=world.case,
            body=f"Root {i} @legal_manager",
            attachments=[services.Attachment(filename=f"{i}.txt", content=b"x")],
        )
        services.comment_post(
            actor=personas.case_handler,
            case=world.case,
            body="Reply",
            parent=root,
            attachments=[services.Attachment(filename=f"r{i}.txt", content=b"y")],
        )
        return root

    client.force_login(personas.legal_manager)
    first = thread(0)
    few = queries()
    for i in range(1, 6):
        thread(i)
    services.comment_edit(actor=personas.case_handler, comment=first, body="Root 0, edited", version=1)
    services.comment_delete(actor=personas.case_handler, comment=thread(6))
    assert queries() == few
