"""(skeleton: see services/__init__.py)"""

from __future__ import annotations


def connect() -> None:
    """Register this area's hooks on the cases layer (called once from apps.ready)."""
