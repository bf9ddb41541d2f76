"""Logging: the request id and user on every record (plain or JSON lines, LOANLIT_LOG_FORMAT)."""

from __future__ import annotations

import json
import logging


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", "-")
        record.user = getattr(record, "user", "-")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
                "request_id": getattr(record, "request_id", "-"),
                "user": getattr(record, "user", "-"),
            },
            ensure_ascii=False,
        )
