"""Authorization-matrix rows for this area (issue 10); collected by tests/test_authorization_matrix.py."""

from __future__ import annotations

from tests.support.authz import Route, code

ROUTES: list = [
    Route("audit:archive_list", get=code("audit.view")),
]
