from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _ops_settings(settings: Any, tmp_path: Path) -> Iterator[None]:
    # A media folder of the test's own, the embedded transport, no Redis, no metrics token; English texts.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.JOB_TRANSPORT = "worker"
    settings.REDIS_URL = ""
    settings.METRICS_TOKEN = ""
    settings.WORKER_HEARTBEAT_MAX_SECONDS = 300
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
