"""Scoped reads (DESIGN rule 2): what a user may see is decided here, once, as a queryset filter.

Scope = the user's unit subtree (a materialised path prefix, indexed) within the user's creditor(s),
or case-team membership where the model has a team. Domain selectors build on ``scope_q``: a case
selector calls ``scope_q(user, unit_path_field="unit_path", creditor_field="creditor",
team_field="team_members")`` and gets exactly the rows the user may see; everything else answers 404
like a missing id.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from loanlit.accounts.models import User
from loanlit.core.models import Creditor, OrgUnit

NOTHING = Q(pk__in=[])


def creditor_ids_for(user: User) -> list[int]:
    """The creditors whose data the user works on (cached on the user object for the request)."""
    cached = getattr(user, "_creditor_ids", None)
    if cached is None:
        cached = list(user.creditors.values_list("pk", flat=True)) if user.is_authenticated else []
        user._creditor_ids = cached  # type: ignore[attr-defined]
    return cached


def scope_q(
    user: User,
    *,
    unit_path_field: str | None = "unit_path",
    creditor_field: str | None = "creditor",
    team_field: str | None = None,
) -> Q:
    """A Q object selecting the rows ``user`` may see.

    ``unit_path_field`` names the row's materialised unit path, ``creditor_field`` its creditor FK,
    ``team_field`` an optional M2M to users (case team): team members see the row even outside
    their unit subtree, still only within their creditors.
    """
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    creditors = creditor_ids_for(user)
    within_creditor = Q(**{f"{creditor_field}__in": creditors}) if creditor_field else Q()
    if creditor_field and not creditors:
        return NOTHING
    if unit_path_field is None:
        by_unit = Q()
    elif user.unit is None:
        by_unit = NOTHING
    else:
        by_unit = Q(**{f"{unit_path_field}__startswith": user.unit.path})
    if team_field:
        by_unit |= Q(**{team_field: user})
    return within_creditor & by_unit


def org_units_visible_to(user: User) -> QuerySet[OrgUnit]:
    """Units in the user's subtree (a head-office user sees the whole tree)."""
    if not user.is_authenticated or user.unit is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=user.unit.path)


def creditors_visible_to(user: User) -> QuerySet[Creditor]:
    return Creditor.objects.filter(pk__in=creditor_ids_for(user))
