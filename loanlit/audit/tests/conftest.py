from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture
def clock(time_machine):
    """Time that runs normally from a fixed instant and can be moved on with ``clock.shift(seconds)``."""
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=True)
    return time_machine


@pytest.fixture(autouse=True)
def english():
    """Assertions below compare the English msgids of verification reasons and command output."""
    from django.utils import translation

    with translation.override("en"):
        yield
