"""Authorization-matrix rows for case sharing (issue 10); collected by tests/test_authorization_matrix.py.

Sharing needs ``cases.share`` and editing the world's case: the administrator, the legal manager and the
case handler. Viewers of the case without those rights get 403, everyone else (out of scope) 404. An empty
POST re-renders the form with its errors (200) and writes nothing; withdrawing the world's share (made by
the system the first time a route needs it, with the legal manager, who sees the case anyway) redirects.
"""

from __future__ import annotations

from typing import Any

from tests.support.authz import Access, Route

SHARERS = ("administrator", "legal_manager", "case_handler")
VIEWERS_ONLY = ("branch_manager", "auditor", "read_only")
SHARE = Access("users", users=SHARERS, denied=404, forbidden=VIEWERS_ONLY)
UNSHARE = Access("users", users=SHARERS, ok=(302,), denied=404, forbidden=VIEWERS_ONLY)


def world_share(world: Any) -> Any:
    share = getattr(world, "case_share", None)
    if share is None:
        from loanlit.cases.services.sharing import case_share

        share = case_share(actor=None, case=world.cw.case, user=world.legal_manager)
        world.case_share = share
    return share


ROUTES: list = [
    Route("cases:share_add", get=SHARE, post=SHARE, kwargs=lambda w: {"pk": w.cw.case.pk}),
    Route(
        "cases:share_remove",
        get=None,
        post=UNSHARE,
        kwargs=lambda w: {"pk": w.cw.case.pk, "share_pk": world_share(w).pk},
    ),
]
