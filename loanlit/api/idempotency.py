"""Idempotent API writes: the ``Idempotency-Key`` header, the stored first answer, its replays.

A view method decorated with :func:`idempotent` (``create`` of a viewset, ``post`` of an APIView):

* needs the header (``Idempotency-Key: <1–200 visible ASCII characters>``); without it: 428;
* the first request with a key runs the method inside one transaction and stores its answer (status and
  JSON body, any status below 500) in ``IdempotencyRecord`` under (user, key) with the SHA-256 of method,
  path and body; a refused request (4xx) rolls its writes back and still stores the refusal;
* a repeat with the same method, path and body replays the stored answer (same status and body, header
  ``Idempotent-Replayed: true``) and writes nothing; the same key with anything else is 422;
* two requests with one key at the same moment cannot both apply: the record is inserted first, under the
  unique (user, key) constraint, in the same transaction as the writes. On PostgreSQL the second INSERT
  waits for the first transaction and then fails, and the second request replays the first's answer; on
  SQLite writers are serialised anyway (``transaction_mode=IMMEDIATE``).

Records older than ``settings.IDEMPOTENCY_KEEP_DAYS`` are pruned by the periodic task ``api.idempotency_prune``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from loanlit.api.errors import error_response, exception_handler
from loanlit.api.models import IdempotencyRecord
from loanlit.jobs.registry import periodic

HEADER: Final = "Idempotency-Key"
REPLAYED_HEADER: Final = "Idempotent-Replayed"
KEY_PATTERN: Final = re.compile(r"^[\x21-\x7e]{1,200}$")


class _Refused(Exception):
    """Carries a refusal (4xx) out of the savepoint so that the method's writes are rolled back."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def request_hash(request: Request) -> str:
    """SHA-256 of method, path and the parsed body in a canonical form (key order does not matter)."""
    try:
        body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=JSONEncoder, ensure_ascii=False)
    except (TypeError, ValueError):
        body = repr(request.data)
    text = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=JSONEncoder, ensure_ascii=False))


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_hash != digest:
        return error_response(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different request. Use a new key for a new request."),
        )
    response = Response(record.response, status=record.status_code)
    response[REPLAYED_HEADER] = "true"
    return response


def _missing_key() -> Response:
    return error_response(
        428,
        "idempotency_key_required",
        _("Send an Idempotency-Key header (1 to 200 visible ASCII characters) that is new for each new request."),
    )


def run_idempotent(view: Any, request: Request, call: Callable[[], Response]) -> Response:
    """Run ``call`` once per (user, Idempotency-Key); see the module docstring."""
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return _missing_key()
    if not KEY_PATTERN.match(key):
        return error_response(
            400, "idempotency_key_invalid", _("The Idempotency-Key must be 1 to 200 visible ASCII characters.")
        )
    user = request.user
    digest = request_hash(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(  # write-ok: idempotency bookkeeping, same transaction
                    user=user,
                    key=key,
                    method=request.method or "",
                    path=request.path[:500],
                    request_hash=digest,
                    status_code=0,
                    response={},
                )
        except IntegrityError:
            # Another request with this key committed first (on PostgreSQL this INSERT waited for it).
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if existing is None:  # pragma: no cover - pruned in between
                return _missing_key()
            return _replay(existing, digest)
        try:
            with transaction.atomic():
                response = call()
                if response.status_code >= 400:
                    raise _Refused(response)
        except _Refused as refused:
            response = refused.response
        except Exception as exc:
            handled = exception_handler(exc, view.get_exception_handler_context())
            if handled is None or handled.status_code >= 500:
                raise
            response = handled
        if response.status_code >= 500:  # pragma: no cover - a server error is not an answer to keep
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.response = _jsonable(response.data)
        record.save(update_fields=["status_code", "response"])  # write-ok: idempotency bookkeeping
    return response


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF view method (``def create(self, request, *args, **kwargs)``) to make it idempotent."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return run_idempotent(self, request, lambda: method(self, request, *args, **kwargs))

    return wrapper


class IdempotentCreateMixin:
    """Mixin for a viewset whose ``create`` must be idempotent: implement ``perform_idempotent_create``."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return run_idempotent(self, request, lambda: self.perform_idempotent_create(request, *args, **kwargs))

    def perform_idempotent_create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotImplementedError


def idempotency_records_prune(*, now: datetime | None = None) -> int:
    """Delete the records older than ``settings.IDEMPOTENCY_KEEP_DAYS``; returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=int(settings.IDEMPOTENCY_KEEP_DAYS))
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()  # write-ok: pruning
    return int(deleted)


@periodic("api.idempotency_prune", every=timedelta(hours=6))
def prune_idempotency_records() -> None:
    idempotency_records_prune()
