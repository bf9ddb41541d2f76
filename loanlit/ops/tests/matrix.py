"""Authorization-matrix rows for the operations routes; collected by tests/test_authorization_matrix.py."""

from __future__ import annotations

ROUTES: list = []
