"""Loanlit's deployment configuration.

The Celery app is loaded on first use (``config.celery_app`` or ``celery -A config``), so web processes
that run with the default ``worker`` transport never import Celery.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "celery_app":
        from config.celery import app

        return app
    raise AttributeError(f"module 'config' has no attribute {name!r}")
