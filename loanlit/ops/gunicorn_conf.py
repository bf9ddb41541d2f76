"""gunicorn settings for ``make serve`` (scripts/serve.sh): ``gunicorn -c loanlit/ops/gunicorn_conf.py``.

Read by gunicorn's master before Django is loaded, so only the standard library, prometheus_client and
loanlit.ops.logs (which imports no Django) are used here. Bind address and worker count come from the
command line (serve.sh passes LOANLIT_PORT and LOANLIT_WEB_WORKERS).
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess

# No gunicorn access log: the application writes one line per request itself (logger "loanlit.access")
# with the request id, the user and the route name, and without the query string (a search term may be a
# name or an ID number).
accesslog = None
# A request may take this long before its worker is restarted: room for an upload read from a slow branch
# line when no buffering proxy is in front, and for a large export built in the request.
timeout = 120
graceful_timeout = 30

# gunicorn's own messages (start, worker boot and exit, timeouts) as the same JSON lines as the app's; an
# empty dict keeps gunicorn's plain default.
logconfig_dict: dict[str, Any] = {}
if os.environ.get("LOANLIT_LOG_FORMAT", "plain").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "loanlit.ops.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # Configuring logging turns gunicorn's access log on; the app writes its own (see accesslog).
            "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
        "root": {"handlers": ["console"], "level": "INFO"},
    }


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges leave the merged metrics; its counters and histograms are kept."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
