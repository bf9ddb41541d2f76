"""Bulk stage change and bulk reassignment of handler or law firm for a selection of cases.

Each case goes through the one home of the change (``case_change_stage``, ``case_update``,
``case_place_with_firm``) in its own savepoint (its own transaction when called outside one), so a refused
case does not stop the others and nothing half-done is left on it; each case is audited and on its
timeline by those services (a handler change also gets a ``handler_changed`` event). Needs
``workflow.bulk`` plus edit scope on each case: an id outside the scope is reported as not found and
never touched, exactly like a missing id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.cases import access
from loanlit.cases.models import Case, CaseEvent, LawFirm
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.money import BIGINT_MAX

BULK: Final = "workflow.bulk"
MAX_CASES: Final = 500
# Digits read from a text id: more than a bigint holds (reported as not found), far less than int() refuses.
ID_TEXT_MAX: Final = 40

MOVED: Final = "moved"
CHANGED: Final = "changed"
UNCHANGED: Final = "unchanged"
REFUSED: Final = "refused"
NOT_FOUND: Final = "not_found"


@dataclass(frozen=True)
class BulkOutcome:
    case_id: int
    internal_no: str
    status: str
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in (MOVED, CHANGED, UNCHANGED)


def may_bulk(actor: Any) -> bool:
    return actor is None or bool(getattr(actor, "is_authenticated", False) and actor.has_code(BULK))


def _require_bulk(actor: Any) -> None:
    if not may_bulk(actor):
        raise PermissionDeniedError(_("You may not change many cases at once."), code="permission_denied")


def _as_id(raw: Any) -> int | None:
    """A positive int, or plain ASCII digits; anything else (a bool, ``"²"``, ``"٣"``, ``"-1"``, None) is no id."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw > 0 else None
    if isinstance(raw, str):
        text = raw.strip()
        if text and len(text) <= ID_TEXT_MAX and text.isascii() and text.isdigit():
            return int(text) or None
    return None


def _ids(case_ids: Iterable[Any]) -> list[int]:
    ids = list(dict.fromkeys(value for value in map(_as_id, case_ids) if value is not None))
    if not ids:
        raise DomainError(_("Choose at least one case."), code="no_cases")
    if len(ids) > MAX_CASES:
        raise DomainError(_("Choose at most %(max)d cases at once.") % {"max": MAX_CASES}, code="too_many_cases")
    return ids


def _editable(actor: Any, ids: list[int]) -> dict[int, str]:
    """The cases among ``ids`` in the actor's edit scope; an id past the bigint range names no case (and
    would overflow SQLite's integers), so it is never sent to the database: reported as not found."""
    storable = [case_id for case_id in ids if case_id <= BIGINT_MAX]
    if not storable:
        return {}
    qs = access.cases_editable_by(actor) if actor is not None else Case.objects.all()
    return dict(qs.filter(pk__in=storable).values_list("pk", "internal_no"))


def _each(actor: Any, case_ids: Iterable[Any], change: Any) -> list[BulkOutcome]:
    ids = _ids(case_ids)
    editable = _editable(actor, ids)
    outcomes: list[BulkOutcome] = []
    for case_id in ids:
        if case_id not in editable:
            outcomes.append(BulkOutcome(case_id, "", NOT_FOUND, _("Case not found.")))
            continue
        try:
            with transaction.atomic():
                case = Case.objects.select_related("handler", "law_firm").get(pk=case_id)
                status, message = change(case)
        except DomainError as error:
            outcomes.append(BulkOutcome(case_id, editable[case_id], REFUSED, error.message))
        else:
            outcomes.append(BulkOutcome(case_id, editable[case_id], status, message))
    return outcomes


def cases_change_stage_batch(
    *, actor: Any, case_ids: Iterable[Any], to_stage: str, note: str = ""
) -> list[BulkOutcome]:
    """Move each case to ``to_stage`` through ``case_change_stage`` (global rules, template gate, events, tasks)."""
    from loanlit.cases.models import CaseStage
    from loanlit.cases.services import case_change_stage

    _require_bulk(actor)
    stage = CaseStage.objects.filter(code=to_stage).first()
    if stage is None:
        raise DomainError(_("Unknown stage: %(code)s") % {"code": to_stage}, code="unknown_stage")

    def move(case: Case) -> tuple[str, str]:
        if case.stage_id == stage.code:
            return UNCHANGED, _("Already in “%(stage)s”.") % {"stage": stage.label}
        case_change_stage(actor=actor, case=case, to_stage=stage.code, version=case.version, note=note)
        return MOVED, _("Moved to “%(stage)s”.") % {"stage": stage.label}

    return _each(actor, case_ids, move)


def cases_reassign_batch(
    *, actor: Any, case_ids: Iterable[Any], handler: Any = None, law_firm: LawFirm | None = None
) -> list[BulkOutcome]:
    """Give each case ``handler`` (``case_update``) and/or place it with ``law_firm`` (``case_place_with_firm``).

    Both in one savepoint per case: a case whose placement is refused keeps its old handler too.
    """
    from loanlit.cases.events import case_event_record
    from loanlit.cases.services import case_place_with_firm, case_update

    _require_bulk(actor)
    if handler is None and law_firm is None:
        raise DomainError(_("Choose a handler or a law firm."), code="nothing_to_change")

    def reassign(case: Case) -> tuple[str, str]:
        done: list[str] = []
        if handler is not None and case.handler_id != handler.pk:
            previous = case.handler
            case = case_update(actor=actor, case=case, version=case.version, handler=handler)
            case_event_record(
                actor=actor,
                case_id=case.pk,
                kind=CaseEvent.Kind.HANDLER_CHANGED,
                action="case.handler_changed",
                target=case,
                params={
                    "from": previous.pk if previous is not None else None,
                    "to": handler.pk,
                    "from_name": str(previous) if previous is not None else "",
                    "to_name": str(handler),
                    "role": "handler",
                    "reason": "bulk",
                },
            )
            done.append(_("handler: %(user)s") % {"user": handler})
        if law_firm is not None and case.law_firm_id != law_firm.pk:
            case.refresh_from_db()
            case_place_with_firm(actor=actor, case=case, law_firm=law_firm, version=case.version)
            done.append(_("placed with %(firm)s") % {"firm": law_firm})
        if not done:
            return UNCHANGED, _("Nothing to change.")
        return CHANGED, _("Changed: %(what)s.") % {"what": _(", ").join(done)}

    return _each(actor, case_ids, reassign)
