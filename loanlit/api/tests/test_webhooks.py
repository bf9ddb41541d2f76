"""Outgoing webhooks: queued after commit for the subscribers who see the case, signed, retried, replayed.

Deliveries go to a real HTTP server on 127.0.0.1 (http.server in a thread) that records every request and
answers as each test scripts it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loanlit.api.models import WebhookDelivery, WebhookSubscription
from loanlit.api.webhooks import payloads, receivers, services, signing
from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.models import CaseEvent
from loanlit.cases.services.cases import CaseOpenInput, cases_open_batch
from loanlit.cases.tests.views_support import build_case_world
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.jobs.models import Job

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)
DOCS = Path(django_settings.BASE_DIR) / "docs" / "webhooks.md"


# --- a real receiver ----------------------------------------------------------------------------------------


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    answers: list[tuple[int, bytes, dict[str, str]]] = field(default_factory=list)  # then 200 "ok"
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/loanlit"

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, times: int = 1) -> None:
        self.answers.extend([(status, body, headers or {})] * times)


def _handler(box: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with box.lock:
                box.requests.append(Recorded(self.path, dict(self.headers.items()), body))
                status, answer, extra = box.answers.pop(0) if box.answers else (200, b"ok", {})
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def webhook_settings(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    settings.WEBHOOK_RETRY_SECONDS = 60
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_KEEP_DAYS = 90
    return settings


def subscribe(user: Any, url: str, events: list[str], **extra: Any) -> tuple[WebhookSubscription, str]:
    return services.webhook_subscription_create(
        actor=None, name=extra.pop("name", "Finance"), url=url, events=events, user=user, **extra
    )


def verifier() -> Any:
    """The Python snippet of docs/webhooks.md, executed as a receiver would copy it."""
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"<!-- verification snippet[^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert block is not None, "docs/webhooks.md lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), str(DOCS), "exec"), namespace)  # noqa: S102 (our own documentation)
    return namespace["verify_loanlit_webhook"]


# --- queuing ------------------------------------------------------------------------------------------------


def test_a_recovery_is_delivered_with_exact_headers_payload_and_a_signature_the_docs_snippet_verifies(
    personas, receiver, webhook_settings, django_capture_on_commit_callbacks
):
    cw = build_case_world(personas)
    subscription, secret = subscribe(personas.case_handler, receiver.url, ["recovery.recorded"])
    with django_capture_on_commit_callbacks(execute=True):
        recovery = cases.recovery_record(
            actor=personas.case_handler,
            case=cw.case,
            received_on=dt.date(2026, 12, 3),
            amount=Decimal("1234.5"),
            source="borrower_payment",
        )
    delivery = WebhookDelivery.objects.get()
    event = CaseEvent.objects.get(case=cw.case, kind=CaseEvent.Kind.RECOVERY_RECEIVED)
    assert delivery.subscription == subscription
    assert delivery.state == WebhookDelivery.State.PENDING
    assert delivery.event_id == payloads.event_id_for(event)
    assert delivery.payload == {
        "id": str(delivery.event_id),
        "event": "recovery.recorded",
        "occurred_at": payloads.iso(event.created_at),
        "case": {
            "id": cw.case.pk,
            "internal_no": cw.case.internal_no,
            "stage": cw.case.stage_id,
            "creditor": "BANK-A",
            "unit": "BJ",
        },
        "data": {
            "recovery_id": recovery.pk,
            "received_on": "2026-12-03",
            "amount": "1234.50",
            "currency": "CNY",
            "source": "borrower_payment",
            "phase": "pre_judgment",
        },
    }
    assert Job.objects.filter(kind=services.SEND_JOB, state=Job.State.QUEUED).count() == 1

    with time_machine.travel(T0, tick=False):
        results = services.webhook_deliveries_send_due()
    assert [(r.state, r.status, r.error) for r in results] == [("succeeded", 200, "")]
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    timestamp = int(T0.timestamp())
    assert request.path == "/hooks/loanlit"
    assert request.body == signing.encode_body(delivery.payload)
    assert json.loads(request.body) == delivery.payload
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["X-Loanlit-Event"] == "recovery.recorded"
    assert request.headers["X-Loanlit-Delivery"] == str(delivery.event_id)
    assert request.headers["X-Loanlit-Timestamp"] == str(timestamp)
    assert request.headers["X-Loanlit-Signature"] == signing.signature(secret, timestamp, request.body)
    verify = verifier()
    assert verify(secret, request.headers, request.body, now=timestamp + 299) is True
    assert verify(secret, request.headers, request.body, now=timestamp + 301) is False  # outside the window
    assert verify("another-secret-of-enough-length", request.headers, request.body, now=timestamp) is False
    assert verify(secret, request.headers, request.body + b" ", now=timestamp) is False  # body changed
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status, delivery.last_response) == (
        "succeeded",
        1,
        200,
        "ok",
    )
    assert delivery.delivered_at == T0


def test_each_event_carries_its_documented_data_and_no_personal_data(
    personas, receiver, django_capture_on_commit_callbacks
):
    cw = build_case_world(personas)
    subscribe(personas.case_handler, receiver.url, list(payloads.EVENT_NAMES))
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_change_stage(
            actor=personas.case_handler, case=cw.case, to_stage="filed", version=cw.case.version, note="张三 called"
        )
    with django_capture_on_commit_callbacks(execute=True):
        cost = cases.cost_record(
            actor=personas.case_handler,
            case=case,
            kind="acceptance_fee",
            amount=Decimal("50"),
            paid_on=dt.date(2026, 12, 1),
            payer="creditor",
            borne_by_defendant=True,
        )
    stage, paid = WebhookDelivery.objects.order_by("pk")
    assert stage.event == "case.stage_changed"
    assert stage.payload["data"] == {
        "from": "pre_litigation",
        "to": "filed",
        "changed_on": timezone.localdate().isoformat(),
        "closed": False,
    }
    assert stage.payload["case"]["stage"] == "filed"
    assert paid.payload["data"] == {
        "cost_id": cost.pk,
        "paid_on": "2026-12-01",
        "kind": "acceptance_fee",
        "amount": "50.00",
        "currency": "CNY",
        "borne_by_defendant": True,
    }
    for delivery in (stage, paid):
        text = json.dumps(delivery.payload, ensure_ascii=False)
        assert "张三" not in text and "Zhang" not in text and "1380013" not in text
        assert "parties" not in delivery.payload["case"]


def test_judgment_and_document_approval_payloads_read_the_event_details(personas):
    cw = build_case_world(personas)
    facts = services.case_facts([cw.case.pk])[cw.case.pk]
    judgment = CaseEvent(
        pk=901,
        case_id=cw.case.pk,
        kind=CaseEvent.Kind.JUDGMENT_RECORDED,
        happened_on=dt.date(2026, 6, 1),
        params={"proceeding": 5, "kind": "judgment", "adjudicated_amount": "12345.67", "currency": "CNY"},
        target_id="44",
    )
    approved = CaseEvent(
        pk=902,
        case_id=cw.case.pk,
        kind=CaseEvent.Kind.DOCUMENT_APPROVED,
        happened_on=dt.date(2026, 6, 2),
        params={
            "document": 8,
            "category": "complaint",
            "category_label": "起诉状",
            "number": 2,
            "request": 3,
            "step": 1,
        },
    )
    one = payloads.event_payload(event=judgment, name="judgment.recorded", event_id=uuid.uuid4(), case=facts)
    two = payloads.event_payload(event=approved, name="document.approved", event_id=uuid.uuid4(), case=facts)
    assert one["data"] == {
        "judgment_id": 44,
        "proceeding_id": 5,
        "kind": "judgment",
        "judged_on": "2026-06-01",
        "adjudicated_amount": "12345.67",
        "currency": "CNY",
    }
    assert two["data"] == {
        "document_id": 8,
        "category": "complaint",
        "version": 2,
        "approval_request_id": 3,
        "approved_on": "2026-06-02",
    }


def test_a_rolled_back_change_queues_nothing(personas, receiver, django_capture_on_commit_callbacks):
    cw = build_case_world(personas)
    subscribe(personas.case_handler, receiver.url, ["case.stage_changed"])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        cases.case_change_stage(actor=None, case=cw.case, to_stage="filed", version=cw.case.version)
        assert len(receivers.pending_events()) == 1
        raise RuntimeError("abort")
    assert WebhookDelivery.objects.count() == 0
    assert not Job.objects.filter(kind=services.SEND_JOB).exists()


def test_a_subscriber_in_branch_a_gets_no_delivery_for_a_branch_b_case(
    personas, receiver, django_capture_on_commit_callbacks
):
    _beijing, _ = subscribe(personas.case_handler, receiver.url, ["case.created"], name="Beijing CRM")
    guangdong, _ = subscribe(personas.outsider_branch, receiver.url, ["case.created"], name="Guangdong CRM")
    _other, _ = subscribe(personas.outsider_creditor, receiver.url, ["case.created"], name="Other bank")
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(
            actor=None, creditor=personas.creditor, handling_unit=personas.guangdong, cause_of_action="金融借款合同纠纷"
        )
    assert list(WebhookDelivery.objects.values_list("subscription_id", "case_id")) == [(guangdong.pk, case.pk)]
    assert WebhookDelivery.objects.get().payload["case"]["unit"] == "GD"


def test_inactive_or_unsubscribed_webhooks_get_nothing(personas, receiver, django_capture_on_commit_callbacks):
    subscribe(personas.case_handler, receiver.url, ["case.created"], is_active=False)
    subscribe(personas.case_handler, receiver.url, ["cost.paid"], name="Costs only")
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_open(
            actor=None, creditor=personas.creditor, handling_unit=personas.beijing, cause_of_action="金融借款合同纠纷"
        )
    assert WebhookDelivery.objects.count() == 0


def _flush_webhooks(callbacks: list) -> None:
    for callback in callbacks:
        if isinstance(getattr(callback, "__self__", None), receivers._Batch):
            callback()


def _queue_queries(personas: Any, many: int, capture: Any) -> tuple[list[str], list[str]]:
    rows = [
        CaseOpenInput(creditor=personas.creditor, handling_unit=personas.beijing, cause_of_action="金融借款合同纠纷")
        for _ in range(many)
    ]
    with capture(execute=False) as callbacks:
        opened = cases_open_batch(actor=None, rows=rows)
    before = WebhookDelivery.objects.count()
    Job.objects.filter(kind=services.SEND_JOB).delete()  # each run queues its send job
    with CaptureQueriesContext(connection) as queries:
        _flush_webhooks(callbacks)
    assert WebhookDelivery.objects.count() - before == 2 * many
    assert set(WebhookDelivery.objects.filter(pk__gt=0).values_list("case_id", flat=True)) >= {c.pk for c in opened}
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "api_webhookdelivery"')]
    others = [q["sql"] for q in queries if not q["sql"].startswith('INSERT INTO "api_webhookdelivery"')]
    return others, inserts


def test_a_batch_of_cases_is_queued_with_queries_per_subscription_not_per_case(
    personas, receiver, django_capture_on_commit_callbacks
):
    subscribe(personas.case_handler, receiver.url, ["case.created"], name="A")
    subscribe(personas.legal_manager, receiver.url, ["case.created"], name="B")
    small, small_inserts = _queue_queries(personas, 20, django_capture_on_commit_callbacks)
    large, large_inserts = _queue_queries(personas, 600, django_capture_on_commit_callbacks)
    # Subscriptions, events still there, cases, each subscriber's scope and visible cases, the send job.
    assert len(large) == len(small) <= 16, "\n".join(large)
    assert len(small_inserts) == 1
    assert len(large_inserts) <= 3  # 1,200 deliveries in multi-row INSERTs


# --- personal data --------------------------------------------------------------------------------------------


def test_parties_are_sent_only_with_the_opt_in_and_the_unmask_permission(
    personas, receiver, django_capture_on_commit_callbacks
):
    cw = build_case_world(personas)
    opted, _ = subscribe(personas.case_handler, receiver.url, ["cost.paid"], name="Opted", include_personal_data=True)
    plain, _ = subscribe(personas.case_handler, receiver.url, ["cost.paid"], name="Plain")
    masked, _ = subscribe(
        personas.branch_manager, receiver.url, ["cost.paid"], name="No unmask", include_personal_data=True
    )
    before = AccessLog.objects.filter(action=AccessLog.Action.PERSONAL_DATA_READ).count()
    with django_capture_on_commit_callbacks(execute=True):
        cases.cost_record(
            actor=None,
            case=cw.case,
            kind="acceptance_fee",
            amount=Decimal("50.00"),
            paid_on=dt.date(2026, 12, 1),
            payer="creditor",
            borne_by_defendant=False,
        )
    by_sub = {d.subscription_id: d.payload for d in WebhookDelivery.objects.all()}
    assert by_sub[opted.pk]["case"]["parties"] == [
        {
            "party_id": cw.borrower.pk,
            "role": "borrower",
            "kind": "person",
            "name": "Zhang San",
            "id_type": "ric",
            "id_number": cw.borrower.id_number.reveal(),
        }
    ]
    assert "parties" not in by_sub[plain.pk]["case"]
    assert "parties" not in by_sub[masked.pk]["case"]
    assert "1380013" not in json.dumps(by_sub[opted.pk])  # never a mobile
    logs = AccessLog.objects.filter(action=AccessLog.Action.PERSONAL_DATA_READ).order_by("-pk")
    assert logs.count() == before + 1
    assert (logs[0].user_id, logs[0].detail) == (personas.case_handler.pk, {"webhook": opted.pk, "cases": 1})


# --- sending, retries ------------------------------------------------------------------------------------------


def _pending(personas: Any, url: str) -> WebhookDelivery:
    subscription, _ = subscribe(personas.case_handler, url, ["case.created"])
    return services.webhook_test_send(actor=None, subscription=subscription)


def test_failures_retry_with_exponential_backoff_then_give_up(personas, receiver, webhook_settings):
    receiver.answer(500, b"x" * 1000, times=3)
    delivery = _pending(personas, receiver.url)
    with time_machine.travel(T0, tick=False):
        assert [r.state for r in services.webhook_deliveries_send_due()] == ["failed"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 1, 500)
    assert delivery.last_error == "HTTP 500"
    assert delivery.last_response == "x" * 500
    assert delivery.next_attempt_at == T0 + dt.timedelta(seconds=60)
    with time_machine.travel(T0 + dt.timedelta(seconds=59), tick=False):
        assert services.webhook_deliveries_send_due() == []  # not due yet
    with time_machine.travel(T0 + dt.timedelta(seconds=60), tick=False):
        assert [r.state for r in services.webhook_deliveries_send_due()] == ["failed"]
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (2, T0 + dt.timedelta(seconds=180))
    with time_machine.travel(T0 + dt.timedelta(seconds=180), tick=False):
        assert [r.state for r in services.webhook_deliveries_send_due()] == ["gave_up"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("gave_up", 3, 500)
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert services.webhook_deliveries_send_due() == []
    assert len(receiver.requests) == 3
    # Every attempt signs with its own timestamp.
    assert [r.headers["X-Loanlit-Timestamp"] for r in receiver.requests] == [
        str(int((T0 + dt.timedelta(seconds=s)).timestamp())) for s in (0, 60, 180)
    ]


def test_a_500_then_a_200_is_delivered_on_the_second_attempt(personas, receiver, webhook_settings):
    receiver.answer(500, b"busy")
    delivery = _pending(personas, receiver.url)
    with time_machine.travel(T0, tick=False):
        services.webhook_deliveries_send_due()
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        services.webhook_deliveries_send_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status, delivery.last_error) == ("succeeded", 2, 200, "")
    assert delivery.delivered_at == T0 + dt.timedelta(minutes=1)
    assert len({r.headers["X-Loanlit-Delivery"] for r in receiver.requests}) == 1


def test_backoff_doubles_from_the_retry_setting_and_stops_at_six_hours(settings):
    settings.WEBHOOK_RETRY_SECONDS = 60
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 9, 30)] == [
        60,
        120,
        240,
        480,
        7680,
        15360,
        21600,
    ]
    assert services.backoff(10) == dt.timedelta(hours=6)


def test_a_redirect_is_not_followed(personas, receiver, webhook_settings):
    receiver.answer(302, b"", {"Location": "http://127.0.0.1:1/elsewhere"})
    delivery = _pending(personas, receiver.url)
    with time_machine.travel(T0, tick=False):
        services.webhook_deliveries_send_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status) == ("failed", 302)
    assert delivery.last_error == "HTTP 302: redirects are not followed"
    assert len(receiver.requests) == 1


def test_an_unreachable_receiver_is_recorded_and_retried(personas, webhook_settings):
    delivery = _pending(personas, "http://127.0.0.1:9/nothing-listens")
    with time_machine.travel(T0, tick=False):
        services.webhook_deliveries_send_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 1, None)
    assert delivery.last_error.startswith("ConnectionError: ")


def test_two_workers_never_claim_the_same_delivery(personas, receiver, webhook_settings):
    delivery = _pending(personas, receiver.url)
    assert services.delivery_claim(delivery_id=delivery.pk, seen_attempts=0, now=T0) is True
    assert services.delivery_claim(delivery_id=delivery.pk, seen_attempts=0, now=T0) is False
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    lease = T0 + dt.timedelta(seconds=5 + 60)
    assert delivery.next_attempt_at == lease
    with time_machine.travel(T0 + dt.timedelta(seconds=10), tick=False):
        assert services.webhook_deliveries_send_due() == []  # still leased to the first worker
    with time_machine.travel(lease, tick=False):  # that worker died: due again, the lost attempt counted
        assert [(r.state, r.status) for r in services.webhook_deliveries_send_due()] == [("succeeded", 200)]
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_a_switched_off_subscription_sends_nothing_until_switched_on(personas, receiver, webhook_settings):
    delivery = _pending(personas, receiver.url)
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(is_active=False)
    with time_machine.travel(T0, tick=False):
        assert services.webhook_deliveries_send_due() == []
    assert receiver.requests == []


def test_replay_sends_the_same_payload_and_event_id_as_a_new_delivery(personas, receiver, webhook_settings):
    original = _pending(personas, receiver.url)
    with time_machine.travel(T0, tick=False):
        services.webhook_deliveries_send_due()
    copy = services.webhook_delivery_replay(actor=personas.administrator, delivery=original)
    assert (copy.replay_of_id, copy.event_id, copy.payload, copy.state) == (
        original.pk,
        original.event_id,
        original.payload,
        "pending",
    )
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        services.webhook_deliveries_send_due()
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body
    assert {r.headers["X-Loanlit-Delivery"] for r in receiver.requests} == {str(original.event_id)}
    entry = AuditEntry.objects.filter(action=services.AUDIT_REPLAYED).get()
    assert entry.changes["replay"] == copy.pk


def test_deliveries_older_than_the_keep_days_are_pruned(personas, receiver, webhook_settings):
    with time_machine.travel(T0 - dt.timedelta(days=91), tick=False):
        old = _pending(personas, receiver.url)
    with time_machine.travel(T0 - dt.timedelta(days=89), tick=False):
        kept = services.webhook_test_send(actor=None, subscription=old.subscription)
    replay = services.webhook_delivery_replay(actor=None, delivery=old)
    with time_machine.travel(T0, tick=False):
        assert services.webhook_deliveries_prune() == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {kept.pk, replay.pk}
    replay.refresh_from_db()
    assert replay.replay_of_id is None


# --- subscriptions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://finance.example/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
        "finance.example/hook",
        "https://user:pass@finance.example/hook",
        "https://finance.example:99999/hook",
    ],
)
def test_a_non_http_url_is_refused_when_the_subscription_is_created(personas, url):
    with pytest.raises(DomainError) as refused:
        subscribe(personas.case_handler, url, ["case.created"])
    assert refused.value.code == "bad_url"
    assert WebhookSubscription.objects.count() == 0


def test_url_and_secret_are_stored_encrypted_and_never_audited(personas):
    url = "https://finance.example/hooks?token=very-secret-token"
    subscription, secret = subscribe(personas.case_handler, url, ["case.created", "cost.paid"])
    assert len(secret) >= 40
    assert subscription.url_hint == "finance.example"
    assert url not in subscription.url_envelope and secret not in subscription.secret_envelope
    assert services.subscription_url(subscription) == url
    assert services.subscription_secret(subscription) == secret
    entry = AuditEntry.objects.filter(action=services.AUDIT_CREATED).get()
    text = json.dumps(entry.changes)
    assert "very-secret-token" not in text and secret not in text
    assert entry.changes["host"] == {"old": None, "new": "finance.example"}
    assert entry.changes["events"] == {"old": None, "new": ["case.created", "cost.paid"]}


def test_an_update_is_version_checked_and_a_new_secret_is_returned_once(personas):
    subscription, first = subscribe(personas.case_handler, "https://finance.example/hook", ["case.created"])
    updated, second = services.webhook_subscription_update(
        actor=personas.administrator,
        subscription=subscription,
        version=subscription.version,
        name="Finance v2",
        events=["cost.paid"],
        user=personas.case_handler,
        include_personal_data=False,
        is_active=True,
        new_secret=True,
    )
    assert second is not None and second != first
    assert services.subscription_secret(updated) == second
    assert services.subscription_url(updated) == "https://finance.example/hook"  # empty URL keeps it
    entry = AuditEntry.objects.filter(action=services.AUDIT_UPDATED).get()
    assert second not in json.dumps(entry.changes) and first not in json.dumps(entry.changes)
    assert entry.changes["secret"] == {"old": "…", "new": "…"}
    with pytest.raises(DomainError) as stale:
        services.webhook_subscription_update(
            actor=personas.administrator,
            subscription=updated,
            version=subscription.version,
            name="Lost update",
            events=["cost.paid"],
            user=personas.case_handler,
            include_personal_data=False,
            is_active=True,
        )
    assert stale.value.code == "stale_version"
    assert WebhookSubscription.objects.get().name == "Finance v2"


def test_a_manager_cannot_make_a_webhook_act_as_another_creditors_user(personas):
    with pytest.raises(PermissionDeniedError):
        services.webhook_subscription_create(
            actor=personas.administrator,
            name="Sneaky",
            url="https://finance.example/hook",
            events=["case.created"],
            user=personas.outsider_creditor,
        )
    with pytest.raises(PermissionDeniedError):
        services.webhook_subscription_create(
            actor=personas.case_handler,  # no api.manage
            name="Sneaky",
            url="https://finance.example/hook",
            events=["case.created"],
            user=personas.case_handler,
        )
    assert WebhookSubscription.objects.count() == 0


def test_closing_a_case_is_a_stage_change_with_closed_set(personas, receiver, django_capture_on_commit_callbacks):
    cw = build_case_world(personas)
    subscribe(personas.case_handler, receiver.url, ["case.stage_changed"])
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_close(actor=None, case=cw.case, outcome="withdrawn", version=cw.case.version)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "case.stage_changed"
    assert delivery.payload["data"] == {
        "from": "pre_litigation",
        "to": "closed",
        "changed_on": timezone.localdate().isoformat(),
        "closed": True,
    }


def test_the_send_job_queued_after_commit_delivers_and_the_sweep_runs_every_minute(
    personas, receiver, django_capture_on_commit_callbacks
):
    from loanlit.jobs import registry
    from loanlit.jobs.worker import run_pending

    subscribe(personas.case_handler, receiver.url, ["case.created"])
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.case_open(
            actor=None, creditor=personas.creditor, handling_unit=personas.beijing, cause_of_action="金融借款合同纠纷"
        )
    job = Job.objects.get(kind=services.SEND_JOB)
    assert run_pending(worker_id="webhooks-test", limit=1) == [(job.pk, "succeeded")]
    job.refresh_from_db()
    assert job.result == {"attempts": 1, "succeeded": 1}
    assert [json.loads(r.body)["case"]["id"] for r in receiver.requests] == [case.pk]
    assert WebhookDelivery.objects.get().state == "succeeded"
    registry.ensure_discovered()
    assert registry.periodic_tasks["api.webhooks.sweep"].every == dt.timedelta(minutes=1)
    assert registry.periodic_tasks["api.webhooks.prune"].every == dt.timedelta(days=1)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_post_each_due_delivery_once(personas, receiver, webhook_settings):
    from django.db import connections

    subscription, _ = subscribe(personas.case_handler, receiver.url, ["case.created"])
    deliveries = [services.webhook_test_send(actor=None, subscription=subscription) for _ in range(6)]
    start = threading.Barrier(2)
    outcomes: list[list[services.AttemptResult]] = []

    def sender() -> None:
        try:
            start.wait()
            outcomes.append(services.webhook_deliveries_send_due())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = sorted(result.delivery_id for results in outcomes for result in results)
    assert sent == sorted(d.pk for d in deliveries)
    assert len(receiver.requests) == 6
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("succeeded", 1)}
