"""Who may see and edit which case (DESIGN rule 2). Every case read and write goes through here.

* External lawyers see only the cases placed with their firm right now (an active placement), within
  their creditors — never by unit or team.
* Everyone else: the handling unit's subtree within the user's creditors (``scope_q`` on the
  materialised ``unit_path``), or the case team (handler or co-handler), still within the creditors.
  Team membership is an ``Exists`` subquery rather than ``scope_q``'s join on ``co_handlers``, so a
  case with several co-handlers is listed once without ``DISTINCT``; the rows are the same.
* Explicit shares (``CaseShare``): a live share — no expiry date, or one after today
  (``timezone.localdate()``) — with the user or with a group the user belongs to adds the case, still
  within the user's creditors (a group share reaches only members who serve the case's creditor). A
  share never reaches an external-role user: lawyers see cases only through placements.
* Editing additionally needs the ``cases.edit`` permission code; through a share, also ``can_edit``.
* "External" is the role's ``is_external`` flag, never its code: a custom role an administrator marks
  external behaves like the built-in external lawyer role.
* Nothing here is cached beyond the user object of one request, so a revoked permission or share
  takes effect on the next request in every process.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.accounts.models import Role, User
from loanlit.accounts.selectors import creditor_ids_for, scope_q
from loanlit.cases.models import Case, CaseShare, LawFirmMember, Placement
from loanlit.core.errors import PermissionDeniedError
from loanlit.core.models import Creditor, OrgUnit

# The built-in external role's code. Never compare a role with it: "external" is ``Role.is_external``
# (``is_external_lawyer`` for one user, ``EXTERNAL_USERS`` / ``INTERNAL_USERS`` in User querysets).
EXTERNAL_LAWYER_ROLE = "external_lawyer"
EXTERNAL_USERS = Q(role__is_external=True)
INTERNAL_USERS = Q(role__isnull=True) | Q(role__is_external=False)


def is_external_lawyer(user: Any) -> bool:
    """Whether ``user`` holds an external (panel law firm) role — built in or custom."""
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user.role, "is_external", False))


def law_firm_ids_for(user: User) -> list[int]:
    """The firms the user works for (cached on the user object for the request)."""
    cached = getattr(user, "_law_firm_ids", None)
    if cached is None:
        cached = list(LawFirmMember.objects.filter(user=user).values_list("law_firm_id", flat=True))
        user._law_firm_ids = cached  # type: ignore[attr-defined]
    return cached


def live_shares() -> QuerySet[CaseShare]:
    """Shares in force today: no expiry date, or one still ahead (a share ends when its ``expires_on`` begins)."""
    today = timezone.localdate()
    return CaseShare.objects.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))


def _shared_q(user: Any, *, for_write: bool) -> Q:
    """Cases shared with ``user`` or with one of the user's groups (an ``Exists``: one row per case, no DISTINCT).

    The group memberships are a nested subquery, so the case list stays a single query.
    """
    groups = User.groups.through.objects.filter(user_id=user.pk).values("group_id")
    shared = live_shares().filter(Q(user_id=user.pk) | Q(group_id__in=groups), case_id=OuterRef("pk"))
    if for_write:
        shared = shared.filter(can_edit=True)
    return Q(Exists(shared))


def shared_with_q(case: Case, *, for_write: bool = False) -> Q:
    """Users a live share of ``case`` names, directly or through a group (a superset for candidate lists:
    ``visible_q`` still decides, creditor and role included); ``for_write``: shares with ``can_edit`` only."""
    shares = live_shares().filter(case_id=case.pk)
    if for_write:
        shares = shares.filter(can_edit=True)
    groups = shares.filter(group__isnull=False).values("group_id")
    members = User.groups.through.objects.filter(group_id__in=groups).values("user_id")
    return Q(pk__in=shares.filter(user__isnull=False).values("user_id")) | Q(pk__in=members)


def visible_q(user: Any, *, for_write: bool = False) -> Q:
    """The Q selecting the cases ``user`` may see (usable on Case querysets only).

    ``for_write`` narrows it to the cases the user may change (the caller checks ``cases.edit``): a share
    counts only with ``can_edit``.
    """
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
    by_team_or_share = Q(creditor_id__in=creditors) & (
        Q(handler_id=user.pk) | Q(Exists(team)) | _shared_q(user, for_write=for_write)
    )
    return by_unit | by_team_or_share


def cases_visible_to(user: Any) -> QuerySet[Case]:
    return Case.objects.filter(visible_q(user))


def cases_editable_by(user: Any) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False) or not user.has_code("cases.edit"):
        return Case.objects.none()
    return Case.objects.filter(visible_q(user, for_write=True))


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
        .filter(INTERNAL_USERS)
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
