"""Authorization-matrix rows for this area (issue 10); collected by tests/test_authorization_matrix.py.

``/watermark.svg`` is the signed-in user's own watermark tile: every signed-in persona gets it (their own
name only, so there is nothing to scope), a visitor is sent to sign in, and a POST is refused (405).
"""

from __future__ import annotations

from tests.support.authz import LOGIN, Route

ROUTES: list[Route] = [
    Route("watermark", get=LOGIN),
]
