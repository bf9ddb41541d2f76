"""Authorization-matrix rows of this area's routes (collected by tests/test_authorization_matrix.py)."""

from __future__ import annotations

from tests.support.authz import Route

ROUTES: list[Route] = []
