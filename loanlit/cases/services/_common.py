"""Shared pieces of the case services: locking, versions, events + audit in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases.events import notify_listeners
from loanlit.cases.models import Case, CaseEvent, Proceeding
from loanlit.core import money as m
from loanlit.core.bulk import bulk_insert
from loanlit.core.errors import DomainError, StaleVersionError
from loanlit.law.money import LawInputError


def case_stream(case_id: int) -> str:
    return audit.stream_key("case", case_id)


def lock_case(case_id: int, *, expected_version: int | None = None) -> Case:
    """The case row under ``SELECT … FOR UPDATE`` (a no-op on SQLite, whose IMMEDIATE transaction serialises)."""
    case = Case.objects.select_for_update().select_related("handling_unit", "creditor").get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        raise StaleVersionError(
            _("This case was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return case


def lock_proceeding(proceeding_id: int, *, expected_version: int | None = None) -> Proceeding:
    proceeding = Proceeding.objects.select_for_update().select_related("case").get(pk=proceeding_id)
    if expected_version is not None and proceeding.version != expected_version:
        raise StaleVersionError(
            _("This proceeding was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return proceeding


def bump(obj: models.Model, *fields: str) -> None:
    """Save ``fields`` and the next version of a versioned row."""
    obj.version += 1  # type: ignore[attr-defined]
    obj.save(update_fields=[*fields, "version", "updated_at"])


def assign_changes(obj: models.Model, wanted: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set each attribute in ``wanted`` that differs on ``obj``; returns ``{name: [old, new]}`` for the audit.

    Related rows appear in the changes by primary key. Saving (``bump(obj, *changes)``) is the caller's.
    """
    changes: dict[str, list[Any]] = {}
    for name, value in wanted.items():
        before = getattr(obj, name)
        if value != before:
            changes[name] = [_by_pk(before), _by_pk(value)]
            setattr(obj, name, value)
    return changes


def _by_pk(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def today() -> date:
    return timezone.localdate()


def law_error(error: LawInputError) -> DomainError:
    """A law/ refusal as a translated domain error (law/ texts are zh-Hans / English per active language)."""
    from loanlit.rules.texts import law_message

    return DomainError(law_message(error), code=error.code, params={k: str(v) for k, v in error.params.items()})


def require_amount(value: object, *, allow_zero: bool = False) -> Decimal:
    try:
        amount = m.to_money(value)  # type: ignore[arg-type]  # anything else is refused as MoneyError
    except m.MoneyError as exc:
        raise DomainError(str(exc.message), code="invalid_amount") from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(_("Enter an amount greater than zero."), code="invalid_amount")
    return amount


def money_str(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass
class Recorded:
    """Events and audit items collected by a service and written together (bulk on the batch paths)."""

    actor: Any
    events: list[CaseEvent] = field(default_factory=list)
    audit_items: list[audit.AuditItem] = field(default_factory=list)

    def add(
        self,
        *,
        case_id: int,
        kind: str,
        action: str,
        target: models.Model | None = None,
        happened_on: date | None = None,
        params: Mapping[str, Any] | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> None:
        safe_params = {k: _plain(v) for k, v in (params or {}).items()}
        self.events.append(
            CaseEvent(
                case_id=case_id,
                kind=kind,
                happened_on=happened_on or today(),
                actor=self.actor,
                params=safe_params,
                target_type=target._meta.label_lower if target is not None else "",
                target_id=str(target.pk) if target is not None else "",
            )
        )
        self.audit_items.append(
            audit.AuditItem(
                action=action,
                target=target,
                stream=case_stream(case_id),
                changes=dict(changes) if changes is not None else safe_params,
            )
        )

    def write(self) -> None:
        bulk_insert(CaseEvent, self.events)
        audit.record_many(actor=self.actor, items=self.audit_items)
        # Same transaction: deadlines that hang off these events commit or roll back with them.
        notify_listeners(self.events)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def record_one(
    *,
    actor: Any,
    case_id: int,
    kind: str,
    action: str,
    target: models.Model | None = None,
    happened_on: date | None = None,
    params: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    rec = Recorded(actor)
    rec.add(
        case_id=case_id,
        kind=kind,
        action=action,
        target=target,
        happened_on=happened_on,
        params=params,
        changes=changes,
    )
    rec.write()
