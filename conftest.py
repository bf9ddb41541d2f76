"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest

from tests.support.personas import Personas, build_personas


@pytest.fixture
def personas(db) -> Personas:
    return build_personas()


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL stage)")
    for item in items:
        if "postgres_only" in item.keywords and vendor != "postgresql":
            item.add_marker(skip_pg)
