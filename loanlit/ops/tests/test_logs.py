from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from loanlit.api.services.keys import api_key_create
from loanlit.ops.logs import JsonFormatter, RequestContextFilter, request_id_var, request_var, user_label


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The access log as the JSON lines LOANLIT_LOG_FORMAT=json writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    access = logging.getLogger("loanlit.access")
    access.addHandler(handler)
    old_level = access.level
    access.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        access.removeHandler(handler)
        access.setLevel(old_level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_echoed(client: Client) -> None:
    response = client.get(reverse("ops:healthz"), HTTP_X_REQUEST_ID="edge-01.abc_DEF-42")
    assert response["X-Request-ID"] == "edge-01.abc_DEF-42"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "incoming", ["", "a" * 65, "has space", "semi;colon", "new\nline", "中文", "<script>"], ids=repr
)
def test_an_insane_request_id_is_replaced_by_a_new_one(client: Client, incoming: str) -> None:
    headers = {"HTTP_X_REQUEST_ID": incoming} if incoming else {}
    response = client.get(reverse("ops:healthz"), **headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_each_request_gets_its_own_generated_id(client: Client) -> None:
    first = client.get(reverse("ops:healthz"))["X-Request-ID"]
    second = client.get(reverse("ops:healthz"))["X-Request-ID"]
    assert first != second


@pytest.mark.django_db
def test_the_json_log_line_carries_the_request_id_and_the_signed_in_user(
    client: Client, personas: Any, json_lines: io.StringIO
) -> None:
    client.force_login(personas.administrator)
    response = client.get(reverse("ops:status") + "?q=Zhang", HTTP_X_REQUEST_ID="req-123")
    assert response.status_code == 200
    [entry] = [line for line in lines(json_lines) if line["request_id"] == "req-123"]
    assert entry["user"] == personas.administrator.username
    assert entry["level"] == "INFO"
    assert entry["logger"] == "loanlit.access"
    assert entry["message"].startswith("GET /system/status/ ops:status 200 ")
    assert "Zhang" not in entry["message"]  # no query string: a search term may be personal data
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", entry["time"])
    assert "exception" not in entry


@pytest.mark.django_db
def test_an_anonymous_request_logs_a_dash_for_the_user(client: Client, json_lines: io.StringIO) -> None:
    client.get("/cases/", HTTP_X_REQUEST_ID="anon-1")
    [entry] = [line for line in lines(json_lines) if line["request_id"] == "anon-1"]
    assert entry["user"] == "-"


@pytest.mark.django_db
def test_an_api_key_request_logs_the_keys_prefix_not_a_user_name(
    client: Client, personas: Any, json_lines: io.StringIO
) -> None:
    key, secret = api_key_create(
        actor=personas.administrator, name="Core banking", user=personas.case_handler, permissions=["cases.view"]
    )
    client.get(reverse("api:case-list"), HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_REQUEST_ID="api-1")
    [entry] = [line for line in lines(json_lines) if line["request_id"] == "api-1"]
    assert entry["user"] == f"apikey:{key.prefix}"
    assert secret not in json_lines.getvalue()


def test_records_outside_a_request_carry_dashes() -> None:
    record = logging.LogRecord("loanlit.test", logging.WARNING, __file__, 1, "plain %s", ("text",), None)
    assert RequestContextFilter().filter(record) is True
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["message"], entry["request_id"], entry["user"], entry["level"]) == ("plain text", "-", "-", "WARNING")


def test_the_json_line_has_the_exception_text() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("loanlit.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    RequestContextFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert entry["exception"].endswith("ValueError: boom")


def test_the_filter_reads_the_context_of_the_current_request() -> None:
    user = SimpleNamespace(is_authenticated=True, get_username=lambda: "zhang.san", api_key=None)
    request = SimpleNamespace(user=user)
    id_token, request_token = request_id_var.set("ctx-1"), request_var.set(request)
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
        RequestContextFilter().filter(record)
    finally:
        request_var.reset(request_token)
        request_id_var.reset(id_token)
    assert (record.request_id, record.user) == ("ctx-1", "zhang.san")  # type: ignore[attr-defined]


def test_the_filter_never_loads_a_lazy_user() -> None:
    loaded: list[bool] = []

    def load() -> Any:
        loaded.append(True)
        return SimpleNamespace(is_authenticated=True, get_username=lambda: "x")

    assert user_label(SimpleNamespace(user=SimpleLazyObject(load))) == "-"
    assert loaded == []
    assert user_label(None) == "-"
    assert user_label(SimpleNamespace()) == "-"
