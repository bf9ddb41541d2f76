"""The worked examples of ../shared/domain/vectors.json, read where they live (never copied here).

Loaded at import time because pytest parametrization needs the cases at collection. Where ../shared
is absent, every vector test is skipped with a message saying so.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DIR = Path(os.environ.get("LOANLIT_SHARED_DIR", REPO_ROOT.parent / "shared"))
VECTORS_PATH = SHARED_DIR / "domain" / "vectors.json"
MISSING = f"{VECTORS_PATH} not found: the legal-rule vector tests need ../shared beside the repository"


@cache
def _all() -> dict[str, Any]:
    if not VECTORS_PATH.exists():
        return {}
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def available() -> bool:
    return bool(_all())


def section(name: str) -> list[dict[str, Any]]:
    if not available():
        pytest.skip(MISSING)
    return list(_all()[name])


def cases(name: str, *, where: Any = None) -> list[Any]:
    """pytest.param per vector of ``name`` (optionally filtered), with the vector id as test id."""
    if not available():
        return [pytest.param(None, id="vectors-missing", marks=pytest.mark.skip(reason=MISSING))]
    return [pytest.param(v, id=v["id"]) for v in _all()[name] if where is None or where(v)]


def meta() -> dict[str, Any]:
    if not available():
        pytest.skip(MISSING)
    return dict(_all()["meta"])
