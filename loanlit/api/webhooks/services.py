"""Outgoing webhooks: subscriptions (audited writes), queuing deliveries after commit, sending, retries, replay.

* Queuing (``webhook_deliveries_queue``) runs after the commit of the transaction that wrote the case events
  (``receivers``): one delivery per (event, active subscription to that event whose acting user may see the
  case), written with a bulk insert; the queries are per subscription and per chunk of 1,000 cases, never
  per case, so an import of 10,000 cases costs a few dozen queries. Then one send job is queued.
* Sending (``webhook_deliveries_send_due``) claims each due delivery with a conditional UPDATE (attempts and
  due time unchanged since it was read), which moves its due time a lease ahead: two workers never send the
  same delivery at once, and a worker that died mid-send leaves the row due again after the lease.
* A 2xx answer is delivered; anything else (another status, a redirect, a timeout, a refused connection) is
  retried after ``WEBHOOK_RETRY_SECONDS × 2^(attempt-1)`` (at most 6 hours) until ``WEBHOOK_MAX_ATTEMPTS``,
  then given up. Every attempt records its status, error and the first 500 characters of the answer.
* The secret and the URL never reach the audit or a log; the audit names the host.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.accounts.services.roles import require_may_act_as
from loanlit.api.models import WebhookDelivery, WebhookSubscription
from loanlit.api.webhooks import payloads, signing
from loanlit.api.webhooks.selectors import UNMASK_CODE, require_manage, users_within_creditors_q
from loanlit.cases.access import cases_visible_to
from loanlit.cases.models import Case, CaseEvent, CaseLoan
from loanlit.core import crypto
from loanlit.core.bulk import bulk_insert
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.deadlines.channels import ALLOWED_SCHEMES
from loanlit.loans.models import LoanParty

logger = logging.getLogger(__name__)

URL_CONTEXT: Final = "api:webhook_url"
SECRET_CONTEXT: Final = "api:webhook_secret"  # noqa: S105 (an encryption context name, not a secret)
SEND_JOB: Final = "api.webhooks.send"
CHUNK: Final = 1000
MAX_BACKOFF: Final = timedelta(hours=6)
RESPONSE_KEEP: Final = 500
ERROR_KEEP: Final = 500
# A claimed delivery is due again after the timeout plus this margin (its worker died mid-send).
LEASE_MARGIN: Final = timedelta(seconds=60)
MIN_SECRET_LENGTH: Final = 16

AUDIT_CREATED: Final = "webhook.created"
AUDIT_UPDATED: Final = "webhook.updated"
AUDIT_TEST: Final = "webhook.test_sent"
AUDIT_REPLAYED: Final = "webhook.replayed"

DUE_STATES: Final = (WebhookDelivery.State.PENDING, WebhookDelivery.State.FAILED)


# --- subscriptions ---------------------------------------------------------------------------------------


def check_url(url: str, *, resolve: bool = False) -> str:
    """An http(s) URL with a host (the robots' rule, loanlit.deadlines.channels); returns the host.

    Redirects are never followed when sending, so only this host is ever contacted. ``resolve``: also look
    the host name up and refuse it if any of its addresses is forbidden (checked again at every send, so a
    name later pointed at a loopback address is refused then).
    """
    try:
        parsed = urlsplit(url)
        host = parsed.hostname or ""
        parsed.port  # noqa: B018 (a malformed port raises ValueError)
    except ValueError:
        host = ""
        parsed = urlsplit("")
    if parsed.scheme not in ALLOWED_SCHEMES or not host or parsed.username or parsed.password:
        raise DomainError(
            _("Enter the receiver's URL: http:// or https:// with a host name, without a user name or password."),
            code="bad_url",
        )
    _check_addresses(host, resolve=resolve)
    return host


def _forbidden_address(address: str) -> bool:
    """Loopback, link-local (cloud metadata at 169.254.169.254), unspecified, multicast and reserved addresses
    are never receivers. Private ranges are allowed: finance, CRM and OA systems live on the bank's intranet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if getattr(settings, "WEBHOOK_ALLOW_LOOPBACK", False) and ip.is_loopback:
        return False
    return ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast or ip.is_reserved


def _check_addresses(host: str, *, resolve: bool) -> None:
    refused = DomainError(
        _("This address cannot receive webhooks: loopback, link-local and reserved addresses are refused."),
        code="bad_url",
    )
    if host.lower() in {"localhost", "localhost.localdomain"} and not getattr(
        settings, "WEBHOOK_ALLOW_LOOPBACK", False
    ):
        raise refused
    if _forbidden_address(host):
        raise refused
    if resolve:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except OSError:
            return  # the send itself reports the unknown host
        if any(_forbidden_address(str(info[4][0])) for info in infos):
            raise refused


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = [name for name in payloads.EVENT_NAMES if name in set(events)]
    if not chosen:
        raise DomainError(_("Choose at least one event."), code="no_events")
    return chosen


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Enter a name for the webhook."), code="name_missing")
    return name[:100]


def _clean_secret(secret: str) -> str:
    secret = (secret or "").strip()
    if not secret:
        return secrets.token_urlsafe(32)
    if len(secret) < MIN_SECRET_LENGTH:
        raise DomainError(
            _("The signing secret needs at least %(n)d characters (leave it empty to generate one).")
            % {"n": MIN_SECRET_LENGTH},
            code="short_secret",
        )
    return secret


def _require_acting_user(actor: Any, user: User) -> None:
    if actor is None:
        return
    require_may_act_as(actor, user)
    allowed = User.objects.filter(pk=user.pk, is_active=True).filter(users_within_creditors_q(actor)).exists()
    if not allowed:
        raise PermissionDeniedError(
            _("The webhook may only act as an active user of your own creditors."), code="user_out_of_scope"
        )


def _require_manage(actor: Any) -> None:
    if actor is not None:
        require_manage(actor)


def _snapshot(subscription: WebhookSubscription) -> dict[str, Any]:
    # What the audit says about a subscription: never the secret, never the full URL (it may carry a token).
    return {
        "name": subscription.name,
        "host": subscription.url_hint,
        "events": list(subscription.events),
        "user": subscription.user_id,
        "include_personal_data": subscription.include_personal_data,
        "is_active": subscription.is_active,
    }


def subscription_url(subscription: WebhookSubscription) -> str:
    return crypto.decrypt(subscription.url_envelope, context=URL_CONTEXT)


def subscription_secret(subscription: WebhookSubscription) -> str:
    return crypto.decrypt(subscription.secret_envelope, context=SECRET_CONTEXT)


@transaction.atomic
def webhook_subscription_create(
    *,
    actor: Any,
    name: str,
    url: str,
    events: Sequence[str],
    user: User,
    secret: str = "",
    include_personal_data: bool = False,
    is_active: bool = True,
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to ``events`` of the cases ``user`` sees; returns the row and the secret (shown once)."""
    _require_manage(actor)
    name = _clean_name(name)
    url = (url or "").strip()
    host = check_url(url)
    chosen = _clean_events(events)
    _require_acting_user(actor, user)
    secret = _clean_secret(secret)
    subscription = WebhookSubscription.objects.create(
        name=name,
        url_envelope=crypto.encrypt(url, context=URL_CONTEXT),
        url_hint=host[:200],
        secret_envelope=crypto.encrypt(secret, context=SECRET_CONTEXT),
        events=chosen,
        user=user,
        include_personal_data=include_personal_data,
        is_active=is_active,
        created_by=actor,
    )
    audit.record(
        actor=actor, action=AUDIT_CREATED, target=subscription, changes=audit.diff({}, _snapshot(subscription))
    )
    return subscription, secret


@transaction.atomic
def webhook_subscription_update(
    *,
    actor: Any,
    subscription: WebhookSubscription,
    version: int,
    name: str,
    events: Sequence[str],
    user: User,
    include_personal_data: bool,
    is_active: bool,
    url: str = "",
    new_secret: bool = False,
    secret: str = "",
) -> tuple[WebhookSubscription, str | None]:
    """Change a subscription (version-checked). An empty ``url`` keeps the URL; ``new_secret`` replaces the
    secret (``secret`` or a generated one), returned once; otherwise the second value is None."""
    _require_manage(actor)
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if locked.version != version:
        raise StaleVersionError(
            _("This webhook was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    before = _snapshot(locked)
    fields = ["name", "events", "user", "include_personal_data", "is_active"]
    locked.name = _clean_name(name)
    locked.events = _clean_events(events)
    if user.pk != locked.user_id:
        _require_acting_user(actor, user)
    locked.user = user
    locked.include_personal_data = include_personal_data
    locked.is_active = is_active
    url = (url or "").strip()
    url_changed = False
    if url:
        host = check_url(url)
        if url != subscription_url(locked):
            locked.url_envelope = crypto.encrypt(url, context=URL_CONTEXT)
            locked.url_hint = host[:200]
            fields += ["url_envelope", "url_hint"]
            url_changed = True
    issued: str | None = None
    if new_secret or secret.strip():
        issued = _clean_secret(secret)
        locked.secret_envelope = crypto.encrypt(issued, context=SECRET_CONTEXT)
        fields.append("secret_envelope")
    changes = audit.diff(before, _snapshot(locked))
    if url_changed:
        changes["url"] = {"old": "…", "new": "…"}  # changed (the host is in "host"); never the URL itself
    if issued is not None:
        changes["secret"] = {"old": "…", "new": "…"}  # replaced; never the secret itself
    if changes:
        locked.version += 1
        locked.save(update_fields=[*fields, "version", "updated_at"])
        audit.record(actor=actor, action=AUDIT_UPDATED, target=locked, changes=changes)
    return locked, issued


# --- queuing deliveries ---------------------------------------------------------------------------------


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def case_facts(case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The payload's case block per case id (one query per 1,000 cases)."""
    facts: dict[int, dict[str, Any]] = {}
    ids = sorted(set(case_ids))
    for chunk in _chunks(ids):
        rows = (
            Case.objects.filter(pk__in=chunk)
            .order_by()
            .values("pk", "internal_no", "stage_id", "creditor__code", "handling_unit__code", "cause_of_action")
        )
        for row in rows:
            facts[row["pk"]] = {
                "id": row["pk"],
                "internal_no": row["internal_no"],
                "stage": row["stage_id"],
                "creditor": row["creditor__code"],
                "unit": row["handling_unit__code"],
                "cause_of_action": row["cause_of_action"],
            }
    return facts


def case_parties(case_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Borrowers and co-borrowers of each case's active loans: role, kind, name, ID type and number (decrypted).

    Only for subscriptions that opted in and whose acting user has ``personal_data.unmask``; the read is
    access-logged by the caller. No mobiles, no addresses.
    """
    from loanlit.core.fields.personal import reveal

    ids = sorted(set(case_ids))
    loans_of: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(ids):
        for case_id, loan_id in CaseLoan.objects.filter(case_id__in=chunk, active=True).values_list(
            "case_id", "loan_id"
        ):
            loans_of[case_id].append(loan_id)
    loan_ids = sorted({loan for loans in loans_of.values() for loan in loans})
    parties_of_loan: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(loan_ids):
        links = (
            LoanParty.objects.filter(loan_id__in=chunk).select_related("party").order_by("loan_id", "position", "pk")
        )
        for link in links:
            party = link.party
            entry: dict[str, Any] = {
                "party_id": party.pk,
                "role": link.role,
                "kind": party.kind,
                "name": party.name,
                "id_type": party.id_type,
                "id_number": reveal(party, "id_number") or "",
            }
            if party.uscc:
                entry["uscc"] = party.uscc
            parties_of_loan[link.loan_id].append(entry)
    result: dict[int, list[dict[str, Any]]] = {}
    for case_id in ids:
        seen: set[tuple[int, str]] = set()
        entries: list[dict[str, Any]] = []
        for loan_id in loans_of.get(case_id, []):
            for entry in parties_of_loan.get(loan_id, []):
                key = (entry["party_id"], entry["role"])
                if key not in seen:
                    seen.add(key)
                    entries.append(entry)
        result[case_id] = entries
    return result


def _may_include_personal_data(subscription: WebhookSubscription) -> bool:
    return subscription.include_personal_data and subscription.user.has_code(UNMASK_CODE)


@dataclass(frozen=True)
class QueueResult:
    deliveries: int
    job_id: int | None


def webhook_deliveries_queue(*, events: Sequence[CaseEvent], now: datetime | None = None) -> QueueResult:
    """Create the deliveries of committed case events (the receivers' after-commit flush) and queue sending.

    Events of kinds no webhook carries are ignored; an event whose row is gone (a rolled-back savepoint) is
    skipped. One query lists the active subscriptions; nothing else happens when none wants these events.
    """
    named = [(event, payloads.KIND_TO_EVENT[event.kind]) for event in events if event.kind in payloads.KIND_TO_EVENT]
    if not named:
        return QueueResult(0, None)
    wanted = {name for _event, name in named}
    subscriptions = [
        sub
        for sub in WebhookSubscription.objects.filter(is_active=True).select_related("user", "user__role")
        if wanted & set(sub.events)
    ]
    if not subscriptions:
        return QueueResult(0, None)
    now = now or timezone.now()
    with transaction.atomic():
        event_ids = sorted({event.pk for event, _name in named if event.pk is not None})
        existing: set[int] = set()
        for chunk in _chunks(event_ids):
            existing.update(CaseEvent.objects.filter(pk__in=chunk).order_by().values_list("pk", flat=True))
        named = [(event, name) for event, name in named if event.pk is None or event.pk in existing]
        case_ids = sorted({event.case_id for event, _name in named})
        facts = case_facts(case_ids)
        visible_by_sub: dict[int, set[int]] = {}
        for sub in subscriptions:
            visible: set[int] = set()
            for chunk in _chunks(case_ids):
                visible.update(cases_visible_to(sub.user).filter(pk__in=chunk).order_by().values_list("pk", flat=True))
            visible_by_sub[sub.pk] = visible
        personal_subs = [sub for sub in subscriptions if _may_include_personal_data(sub)]
        personal_pks = {sub.pk for sub in personal_subs}
        personal_cases = sorted(set().union(*(visible_by_sub[sub.pk] for sub in personal_subs)) & set(facts))
        parties = case_parties(personal_cases) if personal_cases else {}
        deliveries: list[WebhookDelivery] = []
        revealed: dict[int, set[int]] = defaultdict(set)
        for event, name in named:
            case = facts.get(event.case_id)
            if case is None:
                continue
            event_id = payloads.event_id_for(event)
            plain: dict[str, Any] | None = None
            for sub in subscriptions:
                if name not in sub.events or event.case_id not in visible_by_sub[sub.pk]:
                    continue
                if sub.pk in personal_pks:
                    payload = payloads.event_payload(
                        event=event, name=name, event_id=event_id, case=case, parties=parties.get(event.case_id, [])
                    )
                    revealed[sub.pk].add(event.case_id)
                else:
                    if plain is None:
                        plain = payloads.event_payload(event=event, name=name, event_id=event_id, case=case)
                    payload = plain
                deliveries.append(
                    WebhookDelivery(
                        subscription=sub,
                        event_id=event_id,
                        event=name,
                        case_id=event.case_id,
                        payload=payload,
                        state=WebhookDelivery.State.PENDING,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        bulk_insert(WebhookDelivery, deliveries)
        for sub in personal_subs:
            if revealed.get(sub.pk):
                audit.access_log(
                    user=sub.user,
                    action=audit.AccessAction.PERSONAL_DATA_READ,
                    target=sub,
                    detail={"webhook": sub.pk, "cases": len(revealed[sub.pk])},
                )
        job_id = _queue_send_job() if deliveries else None
    return QueueResult(len(deliveries), job_id)


def _queue_send_job() -> int | None:
    """One queued send job at a time: it sends everything due, so a second would find nothing."""
    from loanlit.jobs.models import Job
    from loanlit.jobs.services import job_enqueue

    if Job.objects.filter(kind=SEND_JOB, state=Job.State.QUEUED).exists():
        return None
    return job_enqueue(kind=SEND_JOB, params={}).pk


# --- test events and replays ------------------------------------------------------------------------------


@transaction.atomic
def webhook_test_send(*, actor: Any, subscription: WebhookSubscription) -> WebhookDelivery:
    """Queue a ``webhook.test`` event (no case, no personal data) to check the receiver and its signature check."""
    _require_manage(actor)
    event_id = uuid.uuid4()
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=event_id,
        event=payloads.TEST_EVENT,
        payload=payloads.test_payload(event_id=event_id, subscription_name=subscription.name),
        next_attempt_at=now,
        created_at=now,
    )
    audit.record(actor=actor, action=AUDIT_TEST, target=subscription, changes={"delivery": delivery.pk})
    _queue_send_job()
    return delivery


@transaction.atomic
def webhook_delivery_replay(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again as a new delivery: the same payload and event id (receivers dedupe by it)."""
    _require_manage(actor)
    now = timezone.now()
    copy = WebhookDelivery.objects.create(
        subscription_id=delivery.subscription_id,
        event_id=delivery.event_id,
        event=delivery.event,
        case_id=delivery.case_id,
        payload=delivery.payload,
        replay_of=delivery,
        next_attempt_at=now,
        created_at=now,
    )
    audit.record(
        actor=actor,
        action=AUDIT_REPLAYED,
        target=delivery.subscription,
        changes={"delivery": delivery.pk, "replay": copy.pk, "event_id": str(delivery.event_id)},
    )
    _queue_send_job()
    return copy


# --- sending ----------------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: RETRY × 2^(attempts-1), at most 6 hours."""
    base = int(settings.WEBHOOK_RETRY_SECONDS)
    exponent = max(0, attempts - 1)
    if exponent > 40:  # 2^40 seconds is far past the cap anyway
        return MAX_BACKOFF
    return min(timedelta(seconds=base * 2**exponent), MAX_BACKOFF)


def _due_row_q(now: datetime) -> Q:
    # Conditions on the delivery row only: PostgreSQL re-checks them on a row another transaction has just
    # updated (READ COMMITTED); a join turns the UPDATE into "pk IN (subquery)", evaluated on the old snapshot.
    return Q(state__in=DUE_STATES, next_attempt_at__lte=now, attempts__lt=int(settings.WEBHOOK_MAX_ATTEMPTS))


def _due_q(now: datetime) -> Q:
    return _due_row_q(now) & Q(subscription__is_active=True)


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=int(settings.WEBHOOK_TIMEOUT_SECONDS)) + LEASE_MARGIN


def delivery_claim(*, delivery_id: int, seen_attempts: int, now: datetime) -> bool:
    """Take one due delivery for this worker (conditional UPDATE); exactly one of concurrent claimers wins."""
    claimed = WebhookDelivery.objects.filter(_due_row_q(now), pk=delivery_id, attempts=seen_attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=_lease(now)
    )
    return claimed == 1


@dataclass(frozen=True)
class AttemptResult:
    delivery_id: int
    state: str
    status: int | None
    error: str


def _session() -> requests.Session:
    session = requests.Session()
    # No proxies, .netrc credentials or CA bundles from the environment: only the configured URL is contacted.
    session.trust_env = False
    return session


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    with _session() as session:
        response = session.post(
            url,
            data=body,
            headers=headers,
            timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS),
            allow_redirects=False,
            stream=True,
        )
        try:
            raw = response.raw.read(RESPONSE_KEEP * 4, decode_content=True) or b""
        finally:
            response.close()
    return response.status_code, raw.decode(response.encoding or "utf-8", errors="replace")[:RESPONSE_KEEP]


def _send(delivery: WebhookDelivery, now: datetime) -> tuple[int | None, str, str]:
    """POST the stored payload, signed; returns (status, error, start of the answer)."""
    subscription = delivery.subscription
    try:
        url = subscription_url(subscription)
        check_url(url, resolve=True)
        secret = subscription_secret(subscription)
    except DomainError as exc:
        return None, str(exc.message)[:ERROR_KEEP], ""
    except crypto.DecryptionError:
        return None, "the URL or secret cannot be decrypted (encryption key missing?)", ""
    body = signing.encode_body(delivery.payload)
    headers = signing.headers(
        secret=secret, event=delivery.event, event_id=str(delivery.event_id), timestamp=int(now.timestamp()), body=body
    )
    try:
        status, text = _post(url, body, headers)
    except requests.RequestException as exc:
        return None, f"{type(exc).__name__}: {exc}"[:ERROR_KEEP], ""
    if 200 <= status < 300:
        return status, "", text
    if 300 <= status < 400:
        return status, f"HTTP {status}: redirects are not followed", text
    return status, f"HTTP {status}", text


def _attempt(delivery_id: int, attempts: int, now: datetime) -> AttemptResult:
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    status, error, text = _send(delivery, now)
    finished = WebhookDelivery.objects.filter(pk=delivery_id, attempts=attempts)
    common = {"last_status": status, "last_error": error[:ERROR_KEEP], "last_response": text[:RESPONSE_KEEP]}
    if not error:
        state = WebhookDelivery.State.SUCCEEDED
        finished.update(state=state, delivered_at=now, **common)
    elif attempts >= int(settings.WEBHOOK_MAX_ATTEMPTS):
        state = WebhookDelivery.State.GAVE_UP
        finished.update(state=state, **common)
    else:
        state = WebhookDelivery.State.FAILED
        finished.update(state=state, next_attempt_at=now + backoff(attempts), **common)
    if error:
        logger.info("webhook delivery %s attempt %s failed: %s", delivery_id, attempts, error)
    return AttemptResult(delivery_id=delivery_id, state=state, status=status, error=error)


def webhook_deliveries_send_due(
    *, limit: int = 200, budget_seconds: float | None = None, now: datetime | None = None
) -> list[AttemptResult]:
    """Send due deliveries one by one, claiming each first; stops after ``limit`` or ``budget_seconds``."""
    started = time.monotonic()
    moment = now or timezone.now()
    _give_up_exhausted(moment)
    candidates = list(
        WebhookDelivery.objects.filter(_due_q(moment))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "attempts")[:limit]
    )
    results: list[AttemptResult] = []
    for delivery_id, attempts in candidates:
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            break
        attempt_at = now or timezone.now()
        if not delivery_claim(delivery_id=delivery_id, seen_attempts=attempts, now=attempt_at):
            continue  # another worker took it
        results.append(_attempt(delivery_id, attempts + 1, attempt_at))
    return results


def _give_up_exhausted(now: datetime) -> int:
    """Rows whose last allowed attempt was claimed but never finished (the worker died): given up."""
    return WebhookDelivery.objects.filter(
        state__in=DUE_STATES, attempts__gte=int(settings.WEBHOOK_MAX_ATTEMPTS), next_attempt_at__lte=now
    ).update(state=WebhookDelivery.State.GAVE_UP, last_error="the worker stopped during the last attempt")


def webhook_deliveries_due_count(*, now: datetime | None = None) -> int:
    return WebhookDelivery.objects.filter(_due_q(now or timezone.now())).count()


def webhook_deliveries_prune(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Delete deliveries older than ``WEBHOOK_KEEP_DAYS`` (in batches); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=int(settings.WEBHOOK_KEEP_DAYS))
    removed = 0
    while True:
        ids = list(WebhookDelivery.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch])
        if not ids:
            return removed
        removed += WebhookDelivery.objects.filter(pk__in=ids).delete()[0]
