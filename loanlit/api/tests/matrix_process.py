"""API matrix rows for the process resources (see api_matrix.py)."""

from __future__ import annotations

from loanlit.api.tests.api_matrix import ApiRoute

ROUTES: list[ApiRoute] = []
