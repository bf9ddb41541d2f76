from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LANGUAGE_CODE = "en"
    return tmp_path
