"""Authorization-matrix rows for the API key pages (api.manage); collected by tests/test_authorization_matrix.py."""

from __future__ import annotations

from tests.support.authz import Access, Route, code

MANAGE = code("api.manage")


def _key(world):
    """A key acting as the case handler (created once per world, by the system)."""
    if not hasattr(world, "matrix_api_key"):
        from loanlit.api.services.keys import api_key_create

        world.matrix_api_key, _secret = api_key_create(
            actor=None, name="Matrix key", user=world.case_handler, permissions=["cases.view"]
        )
    return world.matrix_api_key


ROUTES: list = [
    Route("integration:key_list", get=MANAGE),
    # An empty POST is the form again with its errors: nothing is created.
    Route("integration:key_create", get=MANAGE, post=MANAGE),
    Route(
        "integration:key_revoke",
        get=None,
        post=Access("code", code="api.manage", ok=(302,)),
        kwargs=lambda w: {"pk": _key(w).pk},
    ),
]
