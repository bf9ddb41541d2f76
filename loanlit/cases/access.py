"""Who may see and edit which case (DESIGN rule 2). Every case read and write goes through here.

* External lawyers see only the cases placed with their firm right now (an active placement), within
  their creditors — never by unit or team.
* Everyone else: the handling unit's subtree within the user's creditors (``scope_q`` on the
  materialised ``unit_path``), or the case team (handler or co-handler), still within the creditors.
  Team membership is an ``Exists`` subquery rather than ``scope_q``'s join on ``co_handlers``, so a
  case with several co-handlers is listed once without ``DISTINCT``; the rows are the same.
* Editing additionally needs the ``cases.edit`` permission code.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from loanlit.accounts.models import Role, User
from loanlit.accounts.selectors import creditor_ids_for, scope_q
from loanlit.cases.models import Case, LawFirmMember, Placement
from loanlit.core.errors import PermissionDeniedError
from loanlit.core.models import Creditor, OrgUnit

EXTERNAL_LAWYER_ROLE = "external_lawyer"


def is_external_lawyer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user.role, "code", None) == EXTERNAL_LAWYER_ROLE


def law_firm_ids_for(user: User) -> list[int]:
    """The firms the user works for (cached on the user object for the request)."""
    cached = getattr(user, "_law_firm_ids", None)
    if cached is None:
        cached = list(LawFirmMember.objects.filter(user=user).values_list("law_firm_id", flat=True))
        user._law_firm_ids = cached  # type: ignore[attr-defined]
    return cached


def visible_q(user: Any) -> Q:
    """The Q selecting the cases ``user`` may see (usable on Case querysets only)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.has_code("cases.view"):
        return Q(pk__in=[])
    creditors = creditor_ids_for(user)
    if not creditors:
        return Q(pk__in=[])
    if is_external_lawyer(user):
        placed = Placement.objects.filter(
            case=OuterRef("pk"), recalled_on__isnull=True, law_firm_id__in=law_firm_ids_for(user)
        )
        return Q(creditor_id__in=creditors) & Q(Exists(placed))
    team = Case.co_handlers.through.objects.filter(case_id=OuterRef("pk"), user_id=user.pk)
    by_unit = scope_q(user, unit_path_field="unit_path", creditor_field="creditor", team_field=None)
    by_team = Q(creditor_id__in=creditors) & (Q(handler_id=user.pk) | Q(Exists(team)))
    return by_unit | by_team


def cases_visible_to(user: Any) -> QuerySet[Case]:
    return Case.objects.filter(visible_q(user))


def cases_editable_by(user: Any) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False) or not user.has_code("cases.edit"):
        return Case.objects.none()
    return cases_visible_to(user)


def can_view(user: Any, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


def can_edit(user: Any, case: Case) -> bool:
    return cases_editable_by(user).filter(pk=case.pk).exists()


def may_open_cases(user: Any) -> bool:
    """Opening a case is for the bank's own staff with ``cases.edit``; a panel firm works on placed cases."""
    return (
        bool(getattr(user, "is_authenticated", False)) and user.has_code("cases.edit") and not is_external_lawyer(user)
    )


def may_manage_law_firms(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_code("admin.manage_reference_data")


def unit_in_scope(user: Any, unit: OrgUnit, creditor: Creditor) -> bool:
    """Whether ``user`` may open a case for ``creditor`` handled by ``unit``."""
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return False
    return creditor.pk in creditor_ids_for(user) and unit.path.startswith(user.unit.path)


def case_staff(case: Case) -> QuerySet[User]:
    """Who may join the case team: active bank staff of the case's creditor who may edit cases, in any unit.

    The team is how a colleague from another unit works on a case (DESIGN rule 2), so the unit is not checked.
    """
    editor_roles = [role.pk for role in Role.objects.only("pk", "permissions") if "cases.edit" in role.permissions]
    return (
        User.objects.filter(is_active=True, creditors=case.creditor_id)
        .filter(Q(role_id__in=editor_roles) | Q(is_superuser=True))
        .exclude(role__code=EXTERNAL_LAWYER_ROLE)
        .select_related("unit")
        .order_by("username")
    )


def case_handlers(case: Case) -> QuerySet[User]:
    """Who may be the case's handler: case staff whose own unit scope holds the case (its unit or one above)."""
    return case_staff(case).filter(unit__isnull=False).filter(unit__path__in=ancestor_paths(case.unit_path))


def ancestor_paths(path: str) -> list[str]:
    """``"1.4.9."`` → ``["1.", "1.4.", "1.4.9."]``: the materialised paths of a unit and every unit above it."""
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


# --- service guards: actor=None is the system (management commands, demo loader), never a request ---------


def require_edit(actor: Any, case: Case) -> None:
    if actor is not None and not can_edit(actor, case):
        raise PermissionDeniedError(_("You may not change this case."), code="permission_denied")


def require_open(actor: Any, *, creditor: Creditor, unit: OrgUnit) -> None:
    if actor is None:
        return
    if not may_open_cases(actor) or not unit_in_scope(actor, unit, creditor):
        raise PermissionDeniedError(_("You may not open cases for this creditor and unit."), code="permission_denied")


def require_manage_law_firms(actor: Any) -> None:
    if actor is not None and not may_manage_law_firms(actor):
        raise PermissionDeniedError(_("You may not manage law firms."), code="permission_denied")
