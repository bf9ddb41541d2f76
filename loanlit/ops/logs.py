"""Logging: the request id and user on every record (plain or JSON lines, LOANLIT_LOG_FORMAT).

The request context lives in context variables set by ``RequestContextMiddleware`` for the duration of one
request (threads and asyncio tasks each see their own). The user is read lazily, when a record is written:
it is known only once authentication has run, which happens after the middleware started. No Django import
at module level, so gunicorn's master process can use the formatter before Django is set up.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

NO_VALUE = "-"

request_id_var: ContextVar[str] = ContextVar("loanlit_request_id", default=NO_VALUE)
# The request itself, so the filter can see who it belongs to once authentication has run.
request_var: ContextVar[Any] = ContextVar("loanlit_request", default=None)


def user_label(request: Any) -> str:
    """``apikey:<prefix>`` for an API key, the user name for a signed-in user, else "-".

    Never forces the lazy user: loading it reads the session and the user row, which a log call must
    not do (it may run inside a broken transaction, or before the session middleware ran).
    """
    if request is None:
        return NO_VALUE
    from django.utils.functional import empty

    user = request.__dict__.get("user")
    if user is None:
        return NO_VALUE
    wrapped: Any = getattr(user, "_wrapped", user)  # a SimpleLazyObject until someone looked at it
    if wrapped is None or wrapped is empty:
        return NO_VALUE
    api_key: Any = getattr(wrapped, "api_key", None)
    prefix = str(getattr(api_key, "prefix", "") or "") if api_key is not None else ""
    if prefix:
        return f"apikey:{prefix}"
    if not getattr(wrapped, "is_authenticated", False):
        return NO_VALUE
    return str(wrapped.get_username()) or NO_VALUE


def current_user_label() -> str:
    try:
        return user_label(request_var.get())
    except Exception:  # a log record must never fail because of its context
        return NO_VALUE


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user`` to every record (a value set explicitly with ``extra=`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        if not hasattr(record, "user"):
            record.user = current_user_label()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601 with offset), level, logger, message, request id, user,
    and ``exception`` (the formatted traceback) when the record carries one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_VALUE),
            "user": getattr(record, "user", NO_VALUE),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
