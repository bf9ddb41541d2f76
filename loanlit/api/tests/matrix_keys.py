"""Authorization-matrix rows for the integration pages (API keys, webhooks); collected by
tests/test_authorization_matrix.py."""

from __future__ import annotations

ROUTES: list = []
