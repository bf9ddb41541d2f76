"""Shared pieces of the enforcement services: scope guards, locks, audit on the case stream, law errors.

The case services' helpers (bump, law_error, money_str, require_amount, today) are re-exported from here, so
the enforcement services import one module."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.models import Case, Proceeding
from loanlit.cases.services import _common as case_common
from loanlit.cases.services._common import bump as bump
from loanlit.cases.services._common import law_error as law_error
from loanlit.cases.services._common import money_str as money_str
from loanlit.cases.services._common import require_amount as require_amount
from loanlit.cases.services._common import today as today
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.models import VersionedModel
from loanlit.law.calendar import Calendar

M = TypeVar("M", bound=VersionedModel)

WRITE_OFF_CODE = "enforcement.write_off"


def law_calendar() -> Calendar:
    from loanlit.rules.selectors import law_calendar as rules_calendar

    return rules_calendar()


def require_case_write(actor: Any, case: Case) -> Case:
    """``actor`` may edit ``case`` (None is the system) and the case is open; returns the locked case."""
    access.require_edit(actor, case)
    locked = case_common.lock_case(case.pk)
    if locked.is_closed:
        raise DomainError(_("This case is closed."), code="case_closed")
    return locked


def require_write_off_permission(actor: Any) -> None:
    if actor is not None and not (getattr(actor, "is_authenticated", False) and actor.has_code(WRITE_OFF_CODE)):
        raise PermissionDeniedError(_("You may not record write-offs or debt transfers."), code="permission_denied")


def lock_versioned(model: type[M], pk: int, version: int) -> M:
    row = model._default_manager.select_for_update().get(pk=pk)
    if row.version != version:
        raise StaleVersionError(
            _("This record was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return row


def apply_changes(row: models.Model, wanted: Mapping[str, Any], *, money: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    """Set the fields of ``wanted`` that differ on ``row``; returns ``{name: [old, new]}`` for the audit, the
    ``money`` fields as decimal strings. Saving (``bump(row, *changes)``) is the caller's."""
    changes = case_common.assign_changes(row, wanted)
    for name in money:
        if name in changes:
            changes[name] = [money_str(value) for value in changes[name]]
    return changes


def check_proceeding(case: Case, proceeding: Proceeding | None, *, kinds: frozenset[str] | None = None) -> None:
    if proceeding is None:
        return
    if proceeding.case_id != case.pk:
        raise DomainError(_("The proceeding belongs to another case."), code="proceeding_other_case")
    if kinds is not None and proceeding.kind not in kinds:
        raise DomainError(_("Choose an enforcement proceeding."), code="proceeding_kind")


def optional_amount(value: object) -> Decimal | None:
    return None if value is None or value == "" else require_amount(value, allow_zero=True)


def not_in_future(day: date, label: str) -> date:
    if day > today():
        raise DomainError(_("%(what)s cannot be in the future.") % {"what": label}, code="future_date")
    return day


def clean_text(value: str, max_length: int) -> str:
    text = " ".join((value or "").split())
    if len(text) > max_length:
        raise DomainError(
            _("Enter at most %(max)d characters (you entered %(count)d).") % {"max": max_length, "count": len(text)},
            code="too_long",
        )
    return text


def record(*, actor: Any, case_id: int, action: str, target: models.Model | None, changes: Mapping[str, Any]) -> None:
    """One audit entry on the case stream, in the caller's transaction."""
    audit.record(
        actor=actor, action=action, target=target, stream=audit.stream_key("case", case_id), changes=dict(changes)
    )
