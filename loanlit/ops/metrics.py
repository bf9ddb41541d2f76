"""Prometheus metrics: request latency (recorded by the middleware) and database gauges read at scrape time.

Under gunicorn every worker process has its own memory, so with ``PROMETHEUS_MULTIPROC_DIR`` set (by
scripts/serve.sh) prometheus_client writes the request histogram to files in that directory and the scrape
merges them (``MultiProcessCollector``); gunicorn's ``child_exit`` hook (loanlit/ops/gunicorn_conf.py)
marks a dead worker's files. The database gauges are not per process: whichever process answers the
scrape counts the rows itself (``DatabaseCollector``), so they need no files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator

from django.db.models import Count
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
STATIC_ROUTE = "static"
UNMATCHED_ROUTE = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
QUEUE_STATES = ("queued", "running")

REQUEST_LATENCY = Histogram(
    "loanlit_http_request_duration_seconds",
    "Time to answer a request, by method, route name and status class.",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    method = method.upper() if method.upper() in KNOWN_METHODS else "other"
    try:
        REQUEST_LATENCY.labels(method=method, route=route, status=status_class(status)).observe(seconds)
    except Exception:  # a metrics hiccup (e.g. an unwritable multiprocess dir) must not fail the request
        logger.exception("Could not record the request latency.")


def _family(name: str, documentation: str, labels: list[str], counts: dict[tuple[str, ...], int]) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for key in sorted(counts):
        family.add_metric(list(key), counts[key])
    return family


class DatabaseCollector:
    """Gauges counted from the database when Prometheus scrapes: one grouped query per family."""

    def collect(self) -> Iterator[Metric]:
        try:
            families = list(self._families())
        except Exception:
            logger.exception("Could not read the database gauges for /metrics.")
            families = []
        up = GaugeMetricFamily("loanlit_database_up", "1 when the database answered the scrape's queries.")
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families

    def _families(self) -> Iterator[Metric]:
        from loanlit.api.models import WebhookDelivery
        from loanlit.imports.kinds.base import RowStatus
        from loanlit.imports.models import ImportBatch, ImportRow
        from loanlit.jobs.models import Job, WorkerHeartbeat

        jobs: dict[tuple[str, ...], int] = {
            (row["state"], row["kind"]): row["n"]
            for row in Job.objects.filter(state__in=QUEUE_STATES)
            .order_by()
            .values("state", "kind")
            .annotate(n=Count("pk"))
        }
        yield _family("loanlit_job_queue_depth", "Jobs waiting or running, by state and kind.", ["state", "kind"], jobs)
        deliveries: dict[tuple[str, ...], int] = {(state,): 0 for state in WebhookDelivery.State.values}
        for row in WebhookDelivery.objects.order_by().values("state").annotate(n=Count("pk")):
            deliveries[(row["state"],)] = row["n"]
        yield _family("loanlit_webhook_deliveries", "Webhook deliveries in the log, by state.", ["state"], deliveries)
        batches: dict[tuple[str, ...], int] = {(status,): 0 for status in ImportBatch.Status.values}
        for row in ImportBatch.objects.order_by().values("status").annotate(n=Count("pk")):
            batches[(row["status"],)] = row["n"]
        yield _family("loanlit_import_batches", "Imports, by status.", ["status"], batches)
        rows: dict[tuple[str, ...], int] = {(str(status),): 0 for status in RowStatus}
        for row in ImportRow.objects.order_by().values("status").annotate(n=Count("pk")):
            rows[(row["status"],)] = row["n"]
        yield _family("loanlit_import_rows", "Rows of imports, by row status.", ["status"], rows)
        committed = GaugeMetricFamily("loanlit_import_rows_committed", "Import rows written to the database.")
        committed.add_metric([], ImportRow.objects.filter(committed=True).count())
        yield committed
        latest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
        if latest is not None:
            age = GaugeMetricFamily(
                "loanlit_worker_heartbeat_age_seconds", "Seconds since the freshest run_worker heartbeat."
            )
            age.add_metric([], max(0.0, (timezone.now() - latest).total_seconds()))
            yield age


class _DefaultRegistry:
    """The process's own registry (one process: no multiprocess files), added to the scrape's registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def multiprocess_dir() -> str:
    return os.environ.get(MULTIPROC_ENV, "")


def exposition() -> bytes:
    """The text the scrape gets: request metrics (merged over processes when multi-process) plus gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())  # type: ignore[arg-type]
    registry.register(DatabaseCollector())  # type: ignore[arg-type]
    return generate_latest(registry)
