from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from .support import collab_world


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def world(personas):
    return collab_world(personas)
