from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield
