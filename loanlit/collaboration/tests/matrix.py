"""Authorization-matrix rows of this area's routes (collected by tests/test_authorization_matrix.py).

The world's comment is an internal comment of the case handler on the world's case (Beijing; placed with a
firm the external lawyer is not a member of, so the lawyer gets 404 everywhere). Everyone who sees the case
may read, comment, follow and ask for mention suggestions; only the author may edit; the author and the
bank's case editors may delete (the other viewers get 403, everyone else 404). An empty comment POST is
refused on the form (400, nothing written).
"""

from __future__ import annotations

from typing import Any

from tests.support.authz import LOGIN, Access, Route, only

CASE_VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
CASE_EDITORS = ("administrator", "legal_manager", "case_handler")
VIEW_ONLY = ("branch_manager", "auditor", "read_only")


def _comment(world: Any) -> Any:
    from loanlit.collaboration.tests.support import matrix_comment

    return matrix_comment(world)


def _document(world: Any) -> Any:
    from loanlit.documents.tests.support import matrix_document

    return matrix_document(world)


def _author_only(ok: tuple[int, ...]) -> Access:
    return Access(
        "users",
        users=("case_handler",),
        ok=ok,
        denied=404,
        forbidden=("administrator", "legal_manager", "branch_manager", "auditor", "read_only"),
    )


ROUTES: list[Route] = [
    Route("collaboration:feed", get=LOGIN),
    Route("collaboration:case_comments", get=only(*CASE_VIEWERS), kwargs=lambda w: {"case_pk": w.cw.case.pk}),
    Route(
        "collaboration:comment_add",
        get=None,
        post=only(*CASE_VIEWERS, ok=(400,)),
        kwargs=lambda w: {"case_pk": w.cw.case.pk},
    ),
    Route("collaboration:mention_suggest", get=only(*CASE_VIEWERS), kwargs=lambda w: {"case_pk": w.cw.case.pk}),
    *[
        Route(
            f"collaboration:{name}",
            get=None,
            post=only(*CASE_VIEWERS, ok=(302,)),
            kwargs=lambda w: {"case_pk": w.cw.case.pk},
        )
        for name in ("case_follow", "case_unfollow")
    ],
    Route(
        "collaboration:document_comments",
        get=only(*CASE_VIEWERS),
        kwargs=lambda w: {"document_pk": _document(w).pk},
    ),
    *[
        Route(f"collaboration:{name}", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": _comment(w).pk})
        for name in ("comment_detail", "comment_history")
    ],
    Route(
        "collaboration:comment_edit",
        get=_author_only((200,)),
        post=_author_only((400,)),
        kwargs=lambda w: {"pk": _comment(w).pk},
    ),
    Route(
        "collaboration:comment_delete",
        get=None,
        post=Access("users", users=CASE_EDITORS, ok=(302,), denied=404, forbidden=VIEW_ONLY),
        kwargs=lambda w: {"pk": _comment(w).pk},
    ),
]
