from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation

from loanlit.jobs import registry
from loanlit.jobs.context import JobContext


@pytest.fixture(autouse=True)
def _fast_progress_in_english(settings: Any) -> Iterator[None]:
    # Every progress call writes and every cancel check reads, so tests see each step; English so the
    # assertions read as the msgids (the zh-Hans run is tested on its own).
    settings.JOB_PROGRESS_INTERVAL_SECONDS = 0
    settings.JOB_TRANSPORT = "worker"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def register_handler(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Register a handler for this test only."""
    registry.ensure_discovered()

    def register(kind: str, func: Callable[[JobContext], Any], **kwargs: Any) -> None:
        monkeypatch.setitem(registry.handlers, kind, registry.HandlerSpec(kind=kind, func=func, label=kind, **kwargs))

    return register


@pytest.fixture
def only_periodic(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, registry.PeriodicSpec]]:
    """Replace the periodic registry with an empty one the test fills."""
    registry.ensure_discovered()
    tasks: dict[str, registry.PeriodicSpec] = {}
    monkeypatch.setattr(registry, "periodic_tasks", tasks)
    yield tasks
