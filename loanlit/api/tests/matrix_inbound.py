"""API matrix rows for the inbound resources (see api_matrix.py)."""

from __future__ import annotations

from loanlit.api.tests.api_matrix import ApiRoute

ROUTES: list[ApiRoute] = []
