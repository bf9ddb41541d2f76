"""Scoped reads (DESIGN rule 2): what a user may see is decided here, once, as a queryset filter.

Scope = the user's unit subtree (a materialised path prefix, indexed) within the user's creditor(s),
or case-team membership where the model has a team. Domain selectors build on ``scope_q``: a case
selector calls ``scope_q(user, unit_path_field="unit_path", creditor_field="creditor",
team_field="team_members")`` and gets exactly the rows the user may see; everything else answers 404
like a missing id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from loanlit.accounts.models import Role, User
from loanlit.audit.models import AccessLog
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


# --- administration (issue 10): users, roles and groups as a security administrator sees them ----------

MANAGE_USERS = "admin.manage_users"


def users_manageable_by(actor: User) -> QuerySet[User]:
    """The accounts ``actor`` may administer: users whose unit is in the actor's unit subtree and whose
    creditors are all among the actor's. Users with no unit are managed from a top-level unit only.

    With the separation of duties off, a superuser sees everyone.
    """
    if not actor.is_authenticated or not actor.is_active:
        return User.objects.none()
    if actor.is_superuser and not getattr(settings, "SEPARATION_OF_DUTIES", True):
        return User.objects.all()
    if actor.unit is None:
        return User.objects.none()
    by_unit = Q(unit__path__startswith=actor.unit.path)
    if actor.unit.parent_id is None:
        by_unit |= Q(unit__isnull=True)
    foreign = Creditor.objects.exclude(pk__in=creditor_ids_for(actor))
    return User.objects.filter(by_unit).exclude(creditors__in=foreign)


def last_activity_expression() -> Greatest:
    """When the account was last used: the last sign-in, else its re-enabling or creation."""
    return Greatest(
        Coalesce("last_login", "date_joined"),
        Coalesce("reactivated_at", "date_joined"),
    )


def dormant_cutoff(*, today: date | None = None) -> datetime | None:
    """Accounts whose last activity is before this moment are dormant (``None``: the check is off).

    Boundary: with DORMANT_AFTER_DAYS = 90, an account last used on 1 January is still active on the 90th
    day after (1 April) and dormant from the 91st (2 April), whatever the time of day — days are counted
    in the local calendar (settings.TIME_ZONE).
    """
    days = int(getattr(settings, "DORMANT_AFTER_DAYS", 90))
    if days <= 0:
        return None
    today = today or timezone.localdate()
    return timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))


def with_activity(qs: QuerySet[User], *, today: date | None = None) -> QuerySet[User]:
    """Annotate ``last_activity`` and ``is_dormant`` (active accounts only are dormant)."""
    qs = qs.annotate(last_activity=last_activity_expression())
    cutoff = dormant_cutoff(today=today)
    if cutoff is None:
        return qs.annotate(is_dormant=Value(False, output_field=BooleanField()))
    return qs.annotate(
        is_dormant=Case(
            When(is_active=True, last_activity__lt=cutoff, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


@dataclass(frozen=True)
class UserFilters:
    q: str = ""  # user name, display name or staff number (part of it)
    role: int | None = None
    unit: int | None = None
    active: str = ""  # "yes", "no" or "" (both)
    dormant: bool = False


def user_list_for_admin(*, user: User, filters: UserFilters, today: date | None = None) -> QuerySet[User]:
    qs = with_activity(users_manageable_by(user), today=today).select_related("role", "unit")
    if filters.q:
        qs = qs.filter(
            Q(username__icontains=filters.q) | Q(display_name__icontains=filters.q) | Q(staff_no__icontains=filters.q)
        )
    if filters.role is not None:
        qs = qs.filter(role_id=filters.role)
    if filters.unit is not None:
        qs = qs.filter(unit_id=filters.unit)
    if filters.active == "yes":
        qs = qs.filter(is_active=True)
    elif filters.active == "no":
        qs = qs.filter(is_active=False)
    if filters.dormant:
        qs = qs.filter(is_dormant=True)  # type: ignore[misc]  # annotated by with_activity
    return qs.order_by("username")


def user_get_for_admin(*, user: User, pk: int, today: date | None = None) -> User:
    """An account the user may administer, or 404 (out of scope looks like a missing id)."""
    return get_object_or_404(
        with_activity(users_manageable_by(user), today=today).select_related("role", "unit"), pk=pk
    )


def role_list_for_admin() -> QuerySet[Role]:
    """Every role with how many users hold it (roles are global: the permission is the scope)."""
    return Role.objects.annotate(holders=Count("users", distinct=True)).order_by("-is_builtin", "code")


def role_get_for_admin(*, pk: int) -> Role:
    return get_object_or_404(Role.objects.annotate(holders=Count("users", distinct=True)), pk=pk)


def groups_manageable_by(actor: User) -> QuerySet[Group]:
    """Groups ``actor`` may administer: those without a member outside the accounts the actor manages
    (an empty group included). A group of another creditor's accounts answers 404 like a missing id."""
    if not actor.is_authenticated or not actor.is_active:
        return Group.objects.none()
    outside = User.objects.filter(groups=OuterRef("pk")).exclude(pk__in=users_manageable_by(actor).values("pk"))
    return Group.objects.filter(~Exists(outside))


def group_list_for_admin(*, user: User) -> QuerySet[Group]:
    return groups_manageable_by(user).annotate(member_count=Count("user", distinct=True)).order_by("name")


def group_get_for_admin(*, user: User, pk: int) -> Group:
    return get_object_or_404(groups_manageable_by(user), pk=pk)


def group_members_for_admin(*, user: User, group: Group) -> tuple[list[User], int]:
    """The group's members the user may administer, and how many others it has (not shown)."""
    members = list(group.user_set.all().order_by("username"))
    manageable = set(users_manageable_by(user).filter(groups=group).values_list("pk", flat=True))
    return [m for m in members if m.pk in manageable], sum(1 for m in members if m.pk not in manageable)


# The access-log actions that make up an account's sign-in history.
SIGN_IN_ACTIONS = (
    AccessLog.Action.LOGIN,
    AccessLog.Action.LOGIN_FAILED,
    AccessLog.Action.LOGIN_LOCKED,
    AccessLog.Action.LOGOUT,
    AccessLog.Action.SESSION_TIMEOUT,
    AccessLog.Action.REAUTH,
    AccessLog.Action.REAUTH_FAILED,
    AccessLog.Action.OTP_FAILED,
    AccessLog.Action.PASSWORD_CHANGED,
)


def sign_in_history(*, target: User) -> QuerySet[AccessLog]:
    """``target``'s sign-in history, newest first (rows without a user id — a failed sign-in, say — match
    on the user name). The caller has checked that the reader may see it: the user themself, or a
    security administrator who read ``target`` through ``user_get_for_admin``."""
    return AccessLog.objects.filter(
        Q(user_id=target.pk) | Q(user_id__isnull=True, username=target.username), action__in=SIGN_IN_ACTIONS
    ).order_by("-at", "-id")
