"""Registries of job handlers and periodic tasks.

Other apps register in their own ``tasks.py``; :func:`ensure_discovered` imports every installed app's
``tasks`` module once (worker start, Celery start, first enqueue), so no app has to import another.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from loanlit.jobs.context import JobContext

Handler = Callable[["JobContext"], Any]


@dataclass(frozen=True)
class HandlerSpec:
    kind: str
    func: Handler
    label: str | Promise
    max_attempts: int | None = None
    owner_only_result: bool = False


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    func: Callable[[], Any]
    every: timedelta


handlers: dict[str, HandlerSpec] = {}
periodic_tasks: dict[str, PeriodicSpec] = {}

_discovered = False
_discover_lock = threading.Lock()


def job_handler(
    kind: str, *, label: str | Promise, max_attempts: int | None = None, owner_only_result: bool = False
) -> Callable[[Handler], Handler]:
    """Register ``func(job_context)`` as the handler for jobs of ``kind`` (e.g. ``"imports.loans"``).

    The return value, when a dict, becomes the job's result JSON. ``max_attempts`` overrides the default
    number of tries after a worker died mid-run; use 1 for handlers that must never run twice.
    ``owner_only_result``: the result file (an export with personal data, say) is downloaded by the user who
    queued the job only — not by those who may see every job (``jobs.view_all``).
    """

    def register(func: Handler) -> Handler:
        existing = handlers.get(kind)
        if existing is not None and _qualname(existing.func) != _qualname(func):
            raise ValueError(f"Job kind {kind!r} is already registered by {_qualname(existing.func)}.")
        handlers[kind] = HandlerSpec(
            kind=kind, func=func, label=label, max_attempts=max_attempts, owner_only_result=owner_only_result
        )
        return func

    return register


def periodic(name: str, *, every: timedelta) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register ``func()`` to run from :func:`loanlit.jobs.scheduler.scheduler_tick` at most once per ``every``.

    A periodic task runs inside the tick; anything longer than a few seconds should call ``job_enqueue``.
    """
    if every <= timedelta(0):
        raise ValueError("A periodic task needs a positive interval.")

    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        existing = periodic_tasks.get(name)
        if existing is not None and _qualname(existing.func) != _qualname(func):
            raise ValueError(f"Periodic task {name!r} is already registered by {_qualname(existing.func)}.")
        periodic_tasks[name] = PeriodicSpec(name=name, func=func, every=every)
        return func

    return register


def ensure_discovered() -> None:
    """Import every installed app's ``tasks`` module once, so their handlers and periodic tasks register."""
    global _discovered
    if _discovered:
        return
    with _discover_lock:
        if not _discovered:
            autodiscover_modules("tasks")
            _discovered = True


def get_handler(kind: str) -> HandlerSpec | None:
    ensure_discovered()
    return handlers.get(kind)


def handler_label(kind: str) -> str:
    spec = get_handler(kind)
    return str(spec.label) if spec else _("Unknown job (%(kind)s)") % {"kind": kind}


def _qualname(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"
