"""/api/v1/: the deadlines resources (see loanlit/api/base.py for the rules every resource follows)."""

from __future__ import annotations

from rest_framework import routers


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
