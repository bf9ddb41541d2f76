"""Group robots against a receiver on localhost: payloads, signatures, routing, and no personal data."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from loanlit.deadlines import channels as ch
from loanlit.deadlines.models import ReminderDelivery, RobotEndpoint
from loanlit.deadlines.services import reminders as svc
from loanlit.deadlines.tests.reminders_support import build_reminder_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_messages(settings):
    settings.LANGUAGE_CODE = "en"  # reminders go out in the site language; the assertions read English


DING_SECRET = "SECdingtalk-test-secret"
FEISHU_SECRET = "feishu-test-secret"


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_with: int | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                parts = urlsplit(self.path)
                receiver.requests.append(
                    {"path": parts.path, "query": parse_qs(parts.query), "raw": body.decode(), "json": json.loads(body)}
                )
                status = receiver.fail_with or 200
                answer = b'{"errcode":0,"code":0}' if status == 200 else b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def world(personas, receiver):
    world = build_reminder_world(personas)
    svc.reminder_policy_save(
        actor=None, deadline_kind="", offsets=[7, 0], day_basis="calendar",
        channels=["wecom", "dingtalk", "feishu"], escalate_overdue=True,
    )  # fmt: skip
    svc.robot_endpoint_create(actor=None, kind="wecom", name="All", url=f"{receiver.base}/wecom?key=abc")
    svc.robot_endpoint_create(
        actor=None, kind="dingtalk", name="BJ", url=f"{receiver.base}/ding?access_token=t", secret=DING_SECRET,
        unit=personas.beijing,
    )  # fmt: skip
    svc.robot_endpoint_create(actor=None, kind="dingtalk", name="All", url=f"{receiver.base}/ding-all?access_token=u")
    svc.robot_endpoint_create(
        actor=None, kind="feishu", name="All", url=f"{receiver.base}/feishu/hook", secret=FEISHU_SECRET
    )
    return world


def test_robots_get_signed_whitelisted_payloads_without_personal_data(world, receiver):
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    outcomes = svc.reminders_run(today=dt.date(2026, 3, 2)).sent
    assert sorted((o.channel, o.status) for o in outcomes) == [
        ("dingtalk", "sent"),
        ("feishu", "sent"),
        ("wecom", "sent"),
    ]
    by_path = {r["path"]: r for r in receiver.requests}
    assert sorted(by_path) == ["/ding", "/feishu/hook", "/wecom"]  # Beijing's DingTalk robot, not the global one
    keys = {d.channel: d.idempotency_key for d in ReminderDelivery.objects.filter(deadline=deadline)}

    wecom = by_path["/wecom"]
    assert wecom["query"] == {"key": ["abc"]}
    assert wecom["json"]["msgtype"] == "text"
    assert wecom["json"]["text"]["content"].splitlines() == [
        f"Due in 7 days: Appeal — {world.case.internal_no}",
        f"Case: {world.case.internal_no}",
        "Deadline: Appeal",
        "Due on: 2026-03-09",
        f"Open: /deadlines/{deadline.pk}/",
        f"Reference: {keys['wecom']}",
    ]

    ding = by_path["/ding"]
    timestamp = ding["query"]["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert ding["query"]["sign"] == [expected]  # parse_qs undoes the URL encoding
    assert ding["query"]["access_token"] == ["t"]
    assert f"Reference: {keys['dingtalk']}" in ding["json"]["text"]["content"]

    feishu = by_path["/feishu/hook"]["json"]
    expected = base64.b64encode(
        hmac.new(f"{feishu['timestamp']}\n{FEISHU_SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert feishu["sign"] == expected
    assert feishu["msg_type"] == "text" and f"Reference: {keys['feishu']}" in feishu["content"]["text"]

    for request in receiver.requests:
        assert [s for s in world.forbidden_strings() if s in request["raw"]] == [], request["path"]


def test_site_url_makes_robot_links_absolute(world, receiver, settings):
    settings.SITE_URL = "https://loanlit.bank.example/"
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_run(today=dt.date(2026, 3, 2))
    content = next(r for r in receiver.requests if r["path"] == "/wecom")["json"]["text"]["content"]
    assert f"Open: https://loanlit.bank.example/deadlines/{deadline.pk}/" in content


def test_a_refusing_robot_is_retried_and_the_error_recorded(world, receiver):
    receiver.fail_with = 500
    world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_run(today=dt.date(2026, 3, 2))
    failed = ReminderDelivery.objects.get(channel="wecom")
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "ChannelSendError: HTTP 500")


def test_a_robot_switched_off_gets_nothing(world, receiver):
    for endpoint in RobotEndpoint.objects.filter(kind="wecom"):
        svc.robot_endpoint_set_active(actor=None, endpoint=endpoint, is_active=False)
    world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_run(today=dt.date(2026, 3, 2))
    assert not ReminderDelivery.objects.filter(channel="wecom").exists()
    assert "/wecom" not in {r["path"] for r in receiver.requests}


def test_robot_urls_and_secrets_are_stored_encrypted(world, receiver):
    endpoint = RobotEndpoint.objects.get(kind="dingtalk", name="BJ")
    assert "access_token" not in endpoint.url_envelope and DING_SECRET not in endpoint.secret_envelope
    assert endpoint.url_hint == "127.0.0.1"
    target = ch.decrypt_target(endpoint.url_envelope, endpoint.secret_envelope)
    assert (target.url, target.secret) == (f"{receiver.base}/ding?access_token=t", DING_SECRET)


def test_only_http_urls_are_accepted_for_robots(world):
    for url in ("file:///etc/passwd", "ftp://host/x", "not a url"):
        with pytest.raises(svc.DomainError):
            svc.robot_endpoint_create(actor=None, kind="wecom", name="Bad", url=url)
