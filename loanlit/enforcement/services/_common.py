"""Shared pieces of the enforcement services: scope guards, locks, audit on the case stream, law errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.models import Case, Proceeding
from loanlit.core import money as m
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.models import VersionedModel
from loanlit.law.calendar import Calendar
from loanlit.law.money import LawInputError

M = TypeVar("M", bound=VersionedModel)

WRITE_OFF_CODE = "enforcement.write_off"


def today() -> date:
    return timezone.localdate()


def law_calendar() -> Calendar:
    from loanlit.rules.selectors import law_calendar as rules_calendar

    return rules_calendar()


def law_error(error: LawInputError) -> DomainError:
    """A law/ refusal as a translated domain error (law/ texts are zh-Hans or English per active language)."""
    from loanlit.rules.texts import law_message

    return DomainError(law_message(error), code=error.code, params={k: str(v) for k, v in error.params.items()})


def lock_case(case: Case) -> Case:
    """Scope check for a write, then the case row locked (serialises writes on one case on PostgreSQL)."""
    return Case.objects.select_for_update().select_related("creditor", "handling_unit").get(pk=case.pk)


def require_case_write(actor: Any, case: Case) -> Case:
    """``actor`` may edit ``case`` (None is the system) and the case is open; returns the locked case."""
    access.require_edit(actor, case)
    locked = lock_case(case)
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


def bump(row: VersionedModel, *fields: str) -> None:
    row.version += 1
    row.save(update_fields=[*fields, "version", "updated_at"])


def check_proceeding(case: Case, proceeding: Proceeding | None, *, kinds: frozenset[str] | None = None) -> None:
    if proceeding is None:
        return
    if proceeding.case_id != case.pk:
        raise DomainError(_("The proceeding belongs to another case."), code="proceeding_other_case")
    if kinds is not None and proceeding.kind not in kinds:
        raise DomainError(_("Choose an enforcement proceeding."), code="proceeding_kind")


def require_amount(value: object, *, allow_zero: bool = False) -> Decimal:
    try:
        amount = m.to_money(value)  # type: ignore[arg-type]
    except m.MoneyError as exc:
        raise DomainError(str(exc.message), code="invalid_amount") from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(_("Enter an amount greater than zero."), code="invalid_amount")
    return amount


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


def money_str(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def record(*, actor: Any, case_id: int, action: str, target: models.Model | None, changes: Mapping[str, Any]) -> None:
    """One audit entry on the case stream, in the caller's transaction."""
    audit.record(
        actor=actor, action=action, target=target, stream=audit.stream_key("case", case_id), changes=dict(changes)
    )
