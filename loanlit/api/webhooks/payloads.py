"""What each webhook event carries (documented field by field in docs/webhooks.md).

A payload is built once, when the delivery is queued, and stored on the delivery row: the delivery log shows
exactly what was sent, and a retry or a replay sends the same bytes. Shape::

    {"id": "<event id, uuid>", "event": "recovery.recorded", "occurred_at": "2026-12-04T09:30:00+08:00",
     "case": {"id": 12, "internal_no": "BJ-2026-00012", "stage": "enforcement", "creditor": "BANK-A",
              "unit": "BJ"},
     "data": {"recovery_id": 7, "amount": "1234.50", "currency": "CNY", ...}}

Amounts are decimal strings with two places. No personal data: ``data`` is built from the case event's own
details (internal numbers, codes, dates, amounts), never from free text (notes, comments). Only a subscription
that opts in and whose acting user has ``personal_data.unmask`` gets ``case.parties`` (borrowers' names and ID
numbers, nothing else: no mobiles, no addresses).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.cases.models import CaseEvent

CASE_CREATED: Final = "case.created"
CASE_STAGE_CHANGED: Final = "case.stage_changed"
JUDGMENT_RECORDED: Final = "judgment.recorded"
RECOVERY_RECORDED: Final = "recovery.recorded"
COST_PAID: Final = "cost.paid"
DOCUMENT_APPROVED: Final = "document.approved"
TEST_EVENT: Final = "webhook.test"

EVENT_LABELS: Final = {
    CASE_CREATED: _("Case opened"),
    CASE_STAGE_CHANGED: _("Case stage changed (closing included)"),
    JUDGMENT_RECORDED: _("Judgment recorded"),
    RECOVERY_RECORDED: _("Recovery recorded"),
    COST_PAID: _("Cost paid"),
    DOCUMENT_APPROVED: _("Document approved"),
}
EVENT_NAMES: Final = tuple(EVENT_LABELS)

# Case-event kinds → webhook events. Closing a case is a stage move to "closed" (its own timeline kind).
KIND_TO_EVENT: Final[dict[str, str]] = {
    CaseEvent.Kind.CREATED: CASE_CREATED,
    CaseEvent.Kind.STAGE_CHANGED: CASE_STAGE_CHANGED,
    CaseEvent.Kind.CLOSED: CASE_STAGE_CHANGED,
    CaseEvent.Kind.JUDGMENT_RECORDED: JUDGMENT_RECORDED,
    CaseEvent.Kind.RECOVERY_RECEIVED: RECOVERY_RECORDED,
    CaseEvent.Kind.COST_PAID: COST_PAID,
    CaseEvent.Kind.DOCUMENT_APPROVED: DOCUMENT_APPROVED,
}

# Event ids derive from the case event's row, so every subscription (and every replay) sees the same id.
_EVENT_NAMESPACE: Final = uuid.UUID("5b1f0c8e-8a52-4d0e-9a55-6c3c2b7e4f10")


def event_id_for(case_event: CaseEvent) -> uuid.UUID:
    if case_event.pk is None:
        return uuid.uuid4()
    return uuid.uuid5(_EVENT_NAMESPACE, f"case-event:{case_event.pk}")


def amount(value: Any) -> str | None:
    """A decimal string with two places ("1234.50"), or None; never a float."""
    if value is None or value == "":
        return None
    try:
        return f"{Decimal(str(value)):.2f}"
    except InvalidOperation:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _case_created(event: CaseEvent, params: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "opened_on": event.happened_on.isoformat(),
        "cause_of_action": case.get("cause_of_action", ""),
        "loans": _int(params.get("loans")) or 0,
    }


def _stage_changed(event: CaseEvent, params: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "from": params.get("from"),
        "to": params.get("to"),
        "changed_on": event.happened_on.isoformat(),
        "closed": event.kind == CaseEvent.Kind.CLOSED,
    }


def _judgment(event: CaseEvent, params: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "judgment_id": _int(event.target_id),
        "proceeding_id": _int(params.get("proceeding")),
        "kind": params.get("kind"),
        "judged_on": event.happened_on.isoformat(),
        "adjudicated_amount": amount(params.get("adjudicated_amount")),
        "currency": params.get("currency"),
    }


def _recovery(event: CaseEvent, params: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "recovery_id": _int(event.target_id),
        "received_on": event.happened_on.isoformat(),
        "amount": amount(params.get("amount")),
        "currency": params.get("currency"),
        "source": params.get("source"),
        "phase": params.get("phase"),
    }


def _cost(event: CaseEvent, params: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "cost_id": _int(event.target_id),
        "paid_on": event.happened_on.isoformat(),
        "kind": params.get("kind"),
        "amount": amount(params.get("amount")),
        "currency": params.get("currency"),
        "borne_by_defendant": bool(params.get("borne_by_defendant")),
    }


def _document(event: CaseEvent, params: Mapping[str, Any], case: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "document_id": _int(params.get("document")),
        "category": params.get("category"),
        "version": _int(params.get("number")),
        "approval_request_id": _int(params.get("request")),
        "approved_on": event.happened_on.isoformat(),
    }


DataBuilder = Callable[[CaseEvent, Mapping[str, Any], Mapping[str, Any]], dict[str, Any]]

DATA_BUILDERS: Final[dict[str, DataBuilder]] = {
    CASE_CREATED: _case_created,
    CASE_STAGE_CHANGED: _stage_changed,
    JUDGMENT_RECORDED: _judgment,
    RECOVERY_RECORDED: _recovery,
    COST_PAID: _cost,
    DOCUMENT_APPROVED: _document,
}


def iso(moment: datetime | None) -> str:
    return timezone.localtime(moment or timezone.now()).isoformat()


def case_block(case: Mapping[str, Any], parties: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {
        "id": case["id"],
        "internal_no": case["internal_no"],
        "stage": case["stage"],
        "creditor": case["creditor"],
        "unit": case["unit"],
    }
    if parties is not None:
        block["parties"] = parties
    return block


def event_payload(
    *,
    event: CaseEvent,
    name: str,
    event_id: uuid.UUID,
    case: Mapping[str, Any],
    parties: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The payload of one case event (``case``: the row facts ``services.case_facts`` loads)."""
    params = event.params or {}
    return {
        "id": str(event_id),
        "event": name,
        "occurred_at": iso(getattr(event, "created_at", None)),
        "case": case_block(case, parties),
        "data": DATA_BUILDERS[name](event, params, case),
    }


def test_payload(*, event_id: uuid.UUID, subscription_name: str) -> dict[str, Any]:
    return {
        "id": str(event_id),
        "event": TEST_EVENT,
        "occurred_at": iso(None),
        "case": None,
        "data": {"subscription": subscription_name, "message": "Test event from Loanlit"},
    }


def carries_personal_data(payload: Mapping[str, Any]) -> bool:
    case = payload.get("case")
    return isinstance(case, Mapping) and "parties" in case
