from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from loanlit.api.models import WebhookDelivery, WebhookSubscription
from loanlit.imports.models import ImportBatch, ImportRow
from loanlit.jobs import services as jobs
from loanlit.ops import metrics

LATENCY = "loanlit_http_request_duration_seconds"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, frozenset(labels.items())))


def scrape(client: Client, **headers: str) -> str:
    response = client.get(reverse("ops:metrics"), **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


@pytest.mark.django_db
def test_a_request_is_counted_in_the_latency_histogram_under_its_route_name(client: Client) -> None:
    before = value(scrape(client), f"{LATENCY}_count", method="GET", route="ops:healthz", status="2xx") or 0
    assert client.get(reverse("ops:healthz")).status_code == 200
    text = scrape(client)
    assert value(text, f"{LATENCY}_count", method="GET", route="ops:healthz", status="2xx") == before + 1
    assert value(text, f"{LATENCY}_bucket", method="GET", route="ops:healthz", status="2xx", le="+Inf") == before + 1
    assert "/healthz" not in text  # the route name, never the raw path


@pytest.mark.django_db
def test_an_unknown_path_is_counted_as_unmatched_not_by_its_path(client: Client) -> None:
    path = "/no-such-page-0123456789/"
    client.get(path)
    text = scrape(client)
    assert path not in text
    assert (value(text, f"{LATENCY}_count", method="GET", route="unmatched", status="3xx") or 0) + (
        value(text, f"{LATENCY}_count", method="GET", route="unmatched", status="4xx") or 0
    ) >= 1


def test_odd_methods_and_statuses_share_one_label() -> None:
    assert metrics.status_class(204) == "2xx"
    assert metrics.status_class(503) == "5xx"
    assert metrics.status_class(42) == "other"


@pytest.mark.django_db
def test_job_delivery_and_import_gauges_count_the_rows_exactly(client: Client, personas: Any) -> None:
    for _ in range(3):
        jobs.job_enqueue(kind="jobs.demo_count", params={"n": 1})
    running = jobs.job_enqueue(kind="imports.analyse", params={})
    assert jobs.job_claim(job_id=running.pk, worker_id="w1")
    subscription = WebhookSubscription.objects.create(
        name="Finance", url_envelope="x", url_hint="finance.example", secret_envelope="x", user=personas.administrator
    )
    for state in ("pending", "pending", "failed", "gave_up"):
        WebhookDelivery.objects.create(subscription=subscription, event="case.created", state=state)
    batch = ImportBatch.objects.create(
        creditor=personas.creditor,
        unit=personas.beijing,
        kind="loans",
        file_name="loans.xlsx",
        status="done",
        created_by=personas.administrator,
    )
    for number, (status, committed) in enumerate(
        [("new", True), ("new", True), ("update", True), ("error", False)], start=1
    ):
        ImportRow.objects.create(batch=batch, number=number, status=status, committed=committed)

    text = scrape(client)

    assert value(text, "loanlit_database_up") == 1
    assert value(text, "loanlit_job_queue_depth", state="queued", kind="jobs.demo_count") == 3
    assert value(text, "loanlit_job_queue_depth", state="running", kind="imports.analyse") == 1
    assert value(text, "loanlit_webhook_deliveries", state="pending") == 2
    assert value(text, "loanlit_webhook_deliveries", state="failed") == 1
    assert value(text, "loanlit_webhook_deliveries", state="gave_up") == 1
    assert value(text, "loanlit_webhook_deliveries", state="succeeded") == 0
    assert value(text, "loanlit_import_batches", status="done") == 1
    assert value(text, "loanlit_import_batches", status="failed") == 0
    assert value(text, "loanlit_import_rows", status="new") == 2
    assert value(text, "loanlit_import_rows", status="update") == 1
    assert value(text, "loanlit_import_rows", status="error") == 1
    assert value(text, "loanlit_import_rows", status="skipped") == 0
    assert value(text, "loanlit_import_rows_committed") == 3


@pytest.mark.django_db
def test_metrics_need_the_bearer_token_when_one_is_set(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = "s3cret-token"
    url = reverse("ops:metrics")
    assert client.get(url).status_code == 403
    assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get(url, HTTP_AUTHORIZATION="Basic s3cret-token").status_code == 403
    response = client.get(url, HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert b"loanlit_database_up 1.0" in response.content
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_metrics_are_public_without_a_token(client: Client) -> None:
    assert client.get(reverse("ops:metrics")).status_code == 200


@pytest.mark.django_db
def test_multiprocess_mode_merges_the_files_and_still_adds_the_gauges(
    client: Client, monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))
    jobs.job_enqueue(kind="jobs.demo_count", params={"n": 1})
    text = scrape(client)
    assert value(text, "loanlit_job_queue_depth", state="queued", kind="jobs.demo_count") == 1
    # The in-memory histogram of this (single) test process is not read in multi-process mode.
    assert value(text, f"{LATENCY}_count", method="GET", route="ops:healthz", status="2xx") is None


@pytest.mark.django_db
def test_the_gauges_report_the_database_down_instead_of_failing(client: Client, monkeypatch: Any) -> None:
    def broken(self: Any) -> Any:
        raise RuntimeError("database is down")

    monkeypatch.setattr(metrics.DatabaseCollector, "_families", broken)
    assert value(scrape(client), "loanlit_database_up") == 0
