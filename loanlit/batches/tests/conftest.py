from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def media_and_english(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LANGUAGE_CODE = "en"
    settings.JOB_PROGRESS_INTERVAL_SECONDS = 0
    settings.JOB_TRANSPORT = "worker"
    with translation.override("en"):
        yield tmp_path


@pytest.fixture
def world(personas):
    from loanlit.batches.tests.support import build_batch_world

    return build_batch_world(personas)
