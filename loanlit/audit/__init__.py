"""Append-only audit trail and access log (DESIGN rule 5). Imports no domain app.

Public API (import from here; the names resolve lazily so importing the package never loads models)::

    from loanlit import audit

    audit.record(actor=user, action="case.opened", target=case, stream=audit.stream_key("case", case.pk),
                 changes=audit.diff({}, {"court": "…"}))          # inside transaction.atomic()
    audit.record_many(actor=user, items=[audit.AuditItem(action=…, target=…, stream=…, changes=…), …])
    audit.access_log(user=request.user, action=audit.AccessAction.DOWNLOAD, target=document, request=request)
    audit.verify() / audit.verify(stream="case:123")   # → VerifyResult(ok, first_break, breaks, …)
    audit.checkpoint_create(); audit.access_log_seal(); audit.scheduled_checkpoint()
    audit.archive_create(before=date, prune=True); audit.retention_auto_prune()   # retention (issue 10)

Personal data in ``changes``: only ``audit.personal_value(hmac=…, masked=…)`` or
``audit.personal_value_from_plain(value)`` (see ``loanlit.audit.changes``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real signatures for type checkers; at run time names resolve lazily below
    from loanlit.audit.changes import diff, mask, personal_value, personal_value_from_plain
    from loanlit.audit.models import GLOBAL_STREAM
    from loanlit.audit.models import AccessLog as _AccessLog
    from loanlit.audit.retention import archive_create, retention_auto_prune
    from loanlit.audit.services import (
        AuditItem,
        TargetRef,
        TransactionRequired,
        access_log,
        access_log_seal,
        checkpoint_create,
        flush_pending_access_log,
        record,
        record_many,
        scheduled_checkpoint,
        stream_key,
    )
    from loanlit.audit.verification import Break, VerifyResult, verify

    AccessAction = _AccessLog.Action

_EXPORTS = {
    "record": "loanlit.audit.services",
    "record_many": "loanlit.audit.services",
    "AuditItem": "loanlit.audit.services",
    "TargetRef": "loanlit.audit.services",
    "TransactionRequired": "loanlit.audit.services",
    "stream_key": "loanlit.audit.services",
    "access_log": "loanlit.audit.services",
    "flush_pending_access_log": "loanlit.audit.services",
    "checkpoint_create": "loanlit.audit.services",
    "access_log_seal": "loanlit.audit.services",
    "scheduled_checkpoint": "loanlit.audit.services",
    "verify": "loanlit.audit.verification",
    "archive_create": "loanlit.audit.retention",
    "retention_auto_prune": "loanlit.audit.retention",
    "VerifyResult": "loanlit.audit.verification",
    "Break": "loanlit.audit.verification",
    "diff": "loanlit.audit.changes",
    "mask": "loanlit.audit.changes",
    "personal_value": "loanlit.audit.changes",
    "personal_value_from_plain": "loanlit.audit.changes",
    "GLOBAL_STREAM": "loanlit.audit.models",
}
__all__ = [
    "GLOBAL_STREAM",
    "AccessAction",
    "AuditItem",
    "Break",
    "TargetRef",
    "TransactionRequired",
    "VerifyResult",
    "access_log",
    "access_log_seal",
    "archive_create",
    "checkpoint_create",
    "diff",
    "flush_pending_access_log",
    "mask",
    "personal_value",
    "personal_value_from_plain",
    "record",
    "record_many",
    "retention_auto_prune",
    "scheduled_checkpoint",
    "stream_key",
    "verify",
]


def __getattr__(name: str) -> Any:
    if name == "AccessAction":
        return import_module("loanlit.audit.models").AccessLog.Action
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'loanlit.audit' has no attribute {name!r}")
