"""User administration by a security administrator (``admin.manage_users``): create, edit, disable and
enable, reset a password, unlock a locked-out account, and disable dormant accounts (daily task).

Scope: the accounts ``selectors.users_manageable_by(actor)`` returns (unit subtree, own creditors).
No self-grant: nobody changes their own role, unit, creditors or active flag here. ``actor=None`` is the
system (seeding, the daily task) and skips the permission and scope checks.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts import selectors
from loanlit.accounts.models import Role, User
from loanlit.accounts.permissions import AUDIT_CODES, SECURITY_ADMIN_CODES
from loanlit.accounts.services._base import user_create, user_password_set
from loanlit.accounts.services.roles import separation_of_duties_on
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.models import Creditor, OrgUnit

logger = logging.getLogger(__name__)

MANAGE_USERS = "admin.manage_users"


def may_manage_users(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_code(MANAGE_USERS))


def _require_manage(actor: User | None, target: User | None = None) -> None:
    if actor is None:
        return
    if not may_manage_users(actor):
        raise PermissionDeniedError(_("You may not manage user accounts."), code="manage_users_denied")
    if target is not None and not selectors.users_manageable_by(actor).filter(pk=target.pk).exists():
        raise PermissionDeniedError(_("This account is outside your scope."), code="user_out_of_scope")


def _require_not_self(actor: User | None, user: User, message: str) -> None:
    if actor is not None and actor.pk == user.pk:
        raise DomainError(message, code="self_grant")


def _require_superuser_for_superuser(actor: User | None, user: User) -> None:
    """A superuser's account (the system administrator) is changed by a superuser or the system only."""
    if actor is not None and user.is_superuser and not actor.is_superuser:
        raise DomainError(_("Only a superuser may change a superuser's account."), code="superuser_target")


def _check_assignable(actor: User | None, unit: OrgUnit | None, creditors: Iterable[Creditor]) -> None:
    if actor is None or (actor.is_superuser and not separation_of_duties_on()):
        return
    if unit is not None and not selectors.org_units_visible_to(actor).filter(pk=unit.pk).exists():
        raise DomainError(_("You may only assign units in your own subtree."), code="unit_out_of_scope")
    if unit is None and (actor.unit is None or actor.unit.parent_id is not None):
        raise DomainError(_("Choose a unit."), code="unit_missing")
    own = set(selectors.creditor_ids_for(actor))
    if any(creditor.pk not in own for creditor in creditors):
        raise DomainError(_("You may only assign your own creditors."), code="creditor_out_of_scope")


def _check_superuser_role(user_is_superuser: bool, role: Role) -> None:
    """While the separation of duties is on, a superuser is the system administrator: their role may
    not add the security administrator's or auditor's codes."""
    if not user_is_superuser or not separation_of_duties_on():
        return
    if set(role.permissions).intersection((*SECURITY_ADMIN_CODES, *AUDIT_CODES)):
        raise DomainError(
            _("Separation of duties: a superuser may not hold a role with security administration or audit codes."),
            code="separation_of_duties",
        )


def _values(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "staff_no": user.staff_no,
        "email": user.email,
        "role": user.role.code if user.role else None,
        "unit": user.unit.code if user.unit else None,
        "creditors": sorted(user.creditors.values_list("code", flat=True)),
    }


@transaction.atomic
def user_admin_create(
    *,
    actor: User | None,
    username: str,
    role: Role,
    unit: OrgUnit | None,
    creditors: Iterable[Creditor] = (),
    display_name: str = "",
    staff_no: str = "",
    email: str = "",
    password: str | None = None,
    auth_source: str = User.AuthSource.LOCAL,
) -> User:
    """Create an account. A local account gets a temporary ``password`` (validated, to be changed at the
    first sign-in); an SSO account (or one created without a password) has no usable password."""
    _require_manage(actor)
    creditors = list(creditors)
    _check_assignable(actor, unit, creditors)
    username = username.strip()
    if not username:
        raise DomainError(_("A user needs a user name."), code="username_missing")
    if password and auth_source != User.AuthSource.LOCAL:
        raise DomainError(_("An account that signs in through single sign-on has no password here."))
    user = user_create(
        actor=actor,
        username=username,
        password=None,
        role_code=role.code,
        unit=unit,
        creditors=creditors,
        display_name=display_name.strip(),
        email=email.strip(),
        staff_no=staff_no.strip(),
        auth_source=auth_source,
    )
    if password:
        user_password_set(actor=actor, user=user, password=password, temporary=True)
    return user


@transaction.atomic
def user_update(
    *,
    actor: User | None,
    user: User,
    role: Role,
    unit: OrgUnit | None,
    creditors: Iterable[Creditor],
    display_name: str,
    staff_no: str,
    email: str,
) -> User:
    """Edit an account's role, unit, creditors and particulars (audited as a diff)."""
    _require_manage(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)  # no joins: nullable FKs cannot be locked
    creditors = list(creditors)
    before = _values(user)
    scope_changed = (
        role.pk != user.role_id
        or (unit.pk if unit else None) != user.unit_id
        or sorted(c.pk for c in creditors) != sorted(user.creditors.values_list("pk", flat=True))
    )
    if scope_changed:
        _require_not_self(
            actor, user, _("You may not change your own role, unit or creditors: ask another administrator.")
        )
        _require_superuser_for_superuser(actor, user)
        _check_assignable(actor, unit, creditors)
        _check_superuser_role(user.is_superuser, role)
    user.role, user.unit = role, unit
    user.display_name, user.staff_no, user.email = display_name.strip(), staff_no.strip(), email.strip()
    user.save(update_fields=["role", "unit", "display_name", "staff_no", "email"])
    user.creditors.set(creditors)
    changes = audit.diff(before, _values(user))
    if changes:
        audit.record(actor=actor, action="user.updated", target=user, changes=changes)
    return user


def _sessions_end(user: User) -> int:
    """End every session of ``user`` (database sessions; other engines end at the next request, where
    Django's ModelBackend refuses an inactive user)."""
    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        return 0
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


def _is_last_user_manager(user: User) -> bool:
    """Whether ``user`` is the only active account whose role may manage users."""
    managing = [role.pk for role in Role.objects.all() if MANAGE_USERS in role.permissions]
    if user.role_id not in managing:
        return False
    return not User.objects.filter(is_active=True, role_id__in=managing).exclude(pk=user.pk).exists()


def _disable(*, actor: User | None, user: User, reason: str, now: Any) -> User:
    user.is_active = False
    user.deactivated_at = now
    user.deactivated_reason = reason
    user.save(update_fields=["is_active", "deactivated_at", "deactivated_reason"])
    audit.record(
        actor=actor,
        action="user.disabled",
        target=user,
        changes=audit.diff({"is_active": True}, {"is_active": False, "reason": reason}),
    )
    _sessions_end(user)  # in the same transaction: a refused change keeps them
    return user


@transaction.atomic
def user_disable(*, actor: User | None, user: User, reason: str = User.DeactivatedReason.MANUAL) -> User:
    """Disable an account (its sessions end); the last active account that may manage users stays."""
    _require_manage(actor, user)
    if reason not in User.DeactivatedReason.values:
        raise DomainError(_("Choose why the account is disabled."), code="reason_invalid")
    user = User.objects.select_for_update().get(pk=user.pk)
    _require_not_self(actor, user, _("You may not disable your own account."))
    _require_superuser_for_superuser(actor, user)
    if not user.is_active:
        raise DomainError(_("The account is already disabled."), code="already_disabled")
    if _is_last_user_manager(user):
        raise DomainError(
            _("This is the last active account that may manage users; it cannot be disabled."), code="last_manager"
        )
    return _disable(actor=actor, user=user, reason=reason, now=timezone.now())


@transaction.atomic
def user_enable(*, actor: User | None, user: User) -> User:
    """Enable a disabled account again; the dormancy clock restarts now."""
    _require_manage(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    _require_not_self(actor, user, _("You may not enable your own account."))
    _require_superuser_for_superuser(actor, user)
    if user.is_active:
        raise DomainError(_("The account is already enabled."), code="already_enabled")
    reason = user.deactivated_reason
    user.is_active = True
    user.deactivated_at = None
    user.deactivated_reason = ""
    user.reactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at", "deactivated_reason", "reactivated_at"])
    audit.record(
        actor=actor,
        action="user.enabled",
        target=user,
        changes=audit.diff({"is_active": False, "reason": reason}, {"is_active": True}),
    )
    return user


@transaction.atomic
def user_password_reset(*, actor: User | None, user: User, password: str) -> User:
    """Give a local account a temporary password (changed at the next sign-in; its sessions end because
    the password changes)."""
    _require_manage(actor, user)
    _require_not_self(actor, user, _("Change your own password from your account menu, not here."))
    _require_superuser_for_superuser(actor, user)
    if user.auth_source != User.AuthSource.LOCAL:
        raise DomainError(
            _("This account signs in through %(source)s; it has no password here.")
            % {"source": user.get_auth_source_display()},
            code="sso_account",
        )
    return user_password_set(actor=actor, user=user, password=password, temporary=True)


def user_unlock(*, actor: User | None, user: User) -> int:
    """Clear the failed sign-ins that locked ``user`` out (audited by the lockout module)."""
    from loanlit.accounts import lockout

    _require_manage(actor, user)
    return lockout.lockout_reset(actor=actor, username=user.username)


@transaction.atomic
def user_two_factor_reset(*, actor: User | None, user: User) -> int:
    """Remove ``user``'s authenticators and backup codes (a lost phone): they enrol again at the next
    sign-in if two-factor is required. Audited by the two-factor module; returns the devices removed."""
    from loanlit.accounts import two_factor

    _require_manage(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise DomainError(_("Turn off your own two-factor sign-in on your two-factor page."), code="self_reset")
    return two_factor.two_factor_disable(actor=actor, user=user)


@transaction.atomic
def dormant_accounts_disable(*, today: date | None = None) -> list[User]:
    """Disable the dormant accounts (settings.DORMANT_AUTO_DISABLE; the daily task calls this).

    Never disabled: superusers, and the last active account that may manage users (if every such account
    is dormant, the one used most recently stays enabled so somebody can still administer accounts).
    """
    if not getattr(settings, "DORMANT_AUTO_DISABLE", False):
        return []
    cutoff = selectors.dormant_cutoff(today=today)
    if cutoff is None:
        return []
    dormant = list(
        selectors.with_activity(User.objects.filter(is_active=True, is_superuser=False), today=today)
        .filter(is_dormant=True)  # type: ignore[misc]  # annotated by with_activity
        .select_for_update()
        .order_by("-last_activity", "pk")
    )
    managing = {role.pk for role in Role.objects.all() if MANAGE_USERS in role.permissions}
    dormant_ids = {user.pk for user in dormant}
    others_managing = User.objects.filter(is_active=True, role_id__in=managing).exclude(pk__in=dormant_ids).exists()
    if not others_managing:
        keep = next((user for user in dormant if user.role_id in managing), None)
        if keep is not None:
            dormant.remove(keep)
    now = timezone.now()
    for user in dormant:
        _disable(actor=None, user=user, reason=User.DeactivatedReason.DORMANT, now=now)
    if dormant:
        logger.info("Disabled %d dormant account(s).", len(dormant))
    return dormant
