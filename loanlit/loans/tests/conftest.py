from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    """Messages are asserted in English; the zh-Hans catalogue is checked by its own tests."""
    with translation.override("en"):
        yield
