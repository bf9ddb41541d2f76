"""Roles (business data, edited in the app) and the separation of duties (三员分立, MLPS 2.0 level 3).

While ``settings.SEPARATION_OF_DUTIES`` is on, a role holds codes of at most one duty in
``permissions.DUTIES`` (system / security / audit), and nobody changes the permissions of their own role.
Built-in roles keep their code and name and cannot be deleted; their permissions may be edited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from loanlit import audit
from loanlit.accounts.models import Role, User
from loanlit.accounts.permissions import DUTIES, PERMISSIONS
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError

MANAGE_ROLES = "admin.manage_roles"
ROLE_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")

DUTY_LABELS = {
    "system": gettext_lazy("system administration"),
    "security": gettext_lazy("security administration"),
    "audit": gettext_lazy("audit"),
}


def separation_of_duties_on() -> bool:
    return bool(getattr(settings, "SEPARATION_OF_DUTIES", True))


def duties_of(codes: Iterable[str]) -> list[str]:
    """The duties (keys of ``permissions.DUTIES``, in that order) whose codes appear in ``codes``."""
    held = set(codes)
    return [duty for duty, duty_codes in DUTIES.items() if held.intersection(duty_codes)]


def duty_of_code(code: str) -> str:
    return next((duty for duty, duty_codes in DUTIES.items() if code in duty_codes), "")


def require_may_act_as(actor: Any, user: Any) -> None:
    """Refuse an integration (API key, webhook) set up by ``actor`` that would act as another duty's account.

    While the separation of duties is on, the system administrator who manages integrations must not give
    another system the identity of a security administrator, an auditor or a superuser (三员分立): that would
    let them act under the other duties' accounts. Acting as themselves is their own duty.
    """
    if not separation_of_duties_on() or actor is None or actor.pk == user.pk:
        return
    codes = user.role.permissions if user.role_id else []
    if user.is_superuser or any(duty != "system" for duty in duties_of(codes)):
        raise PermissionDeniedError(
            _(
                "%(user)s is a superuser or holds security administration or audit: an integration you set up "
                "may not act as them (separation of duties). Choose a service account."
            )
            % {"user": user},
            code="separation_of_duties",
        )


def separation_check(codes: Iterable[str]) -> None:
    """Refuse a set of codes combining two duties while the separation of duties is on."""
    if not separation_of_duties_on():
        return
    duties = duties_of(codes)
    if len(duties) > 1:
        raise DomainError(
            _(
                "Separation of duties: one role may not combine %(first)s and %(second)s. "
                "Give these permissions to different roles held by different people."
            )
            % {"first": DUTY_LABELS[duties[0]], "second": DUTY_LABELS[duties[1]]},
            code="separation_of_duties",
        )


def may_manage_roles(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_code(MANAGE_ROLES))


def _require_manage(actor: User | None) -> None:
    if actor is not None and not may_manage_roles(actor):
        raise PermissionDeniedError(_("You may not manage roles."), code="manage_roles_denied")


def _clean_codes(permissions: Iterable[str]) -> list[str]:
    wanted = set(permissions)
    unknown = sorted(wanted - set(PERMISSIONS))
    if unknown:
        raise DomainError(_("Unknown permission: %(code)s.") % {"code": ", ".join(unknown)}, code="unknown_permission")
    return [code for code in PERMISSIONS if code in wanted]  # catalogue order, no duplicates


def _values(role: Role) -> dict[str, Any]:
    return {
        "code": role.code,
        "name": role.name,
        "description": role.description,
        "permissions": list(role.permissions),
        "is_external": role.is_external,
    }


@transaction.atomic
def role_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    description: str = "",
    permissions: Iterable[str] = (),
    is_external: bool = False,
) -> Role:
    """A custom role (never built-in)."""
    _require_manage(actor)
    code, name = code.strip(), name.strip()
    if not ROLE_CODE_RE.match(code):
        raise DomainError(
            _("A role code has lower-case letters, digits, hyphens and underscores only (at most 50)."),
            code="role_code_invalid",
        )
    if not name:
        raise DomainError(_("A role needs a name."), code="role_name_missing")
    if Role.objects.filter(code=code).exists():
        raise DomainError(_("A role with code %(code)s already exists.") % {"code": code}, code="role_code_taken")
    codes = _clean_codes(permissions)
    separation_check(codes)
    role = Role.objects.create(
        code=code, name=name, description=description.strip(), permissions=codes, is_external=is_external
    )
    audit.record(actor=actor, action="role.created", target=role, changes=audit.diff({}, _values(role)))
    return role


@transaction.atomic
def role_update(
    *,
    actor: User | None,
    role: Role,
    name: str,
    description: str,
    permissions: Iterable[str],
    is_external: bool,
    updated_at: datetime | None,
) -> Role:
    """Edit a role. ``updated_at`` is the role's ``updated_at`` when the form was loaded: a role changed
    since is refused (optimistic versioning; ``None`` skips the check for internal callers)."""
    _require_manage(actor)
    role = Role.objects.select_for_update().get(pk=role.pk)
    if updated_at is not None and role.updated_at != updated_at:
        raise StaleVersionError(
            _("Somebody else changed this role since you opened it. Reload the page and make your change again."),
            code="role_stale",
        )
    name = name.strip()
    codes = _clean_codes(permissions)
    if role.is_builtin and name != role.name:
        raise DomainError(_("A built-in role keeps its name."), code="builtin_role_name")
    if not name:
        raise DomainError(_("A role needs a name."), code="role_name_missing")
    if (
        actor is not None
        and actor.role_id == role.pk
        and (set(codes) != set(role.permissions) or is_external != role.is_external)
    ):
        raise DomainError(
            _("You may not change the permissions of your own role: ask another administrator."), code="self_grant"
        )
    separation_check(codes)
    before = _values(role)
    role.name, role.description, role.permissions, role.is_external = name, description.strip(), codes, is_external
    role.save()
    changes = audit.diff(before, _values(role))
    if changes:
        audit.record(actor=actor, action="role.updated", target=role, changes=changes)
    return role


@transaction.atomic
def role_delete(*, actor: User | None, role: Role) -> None:
    """Delete a custom role nobody holds."""
    _require_manage(actor)
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.is_builtin:
        raise DomainError(_("A built-in role cannot be deleted."), code="builtin_role_delete")
    holders = User.objects.filter(role=role).count()
    if holders:
        raise DomainError(
            ngettext(
                "The role is held by %(count)d user: give them another role first.",
                "The role is held by %(count)d users: give them another role first.",
                holders,
            )
            % {"count": holders},
            code="role_in_use",
        )
    audit.record(actor=actor, action="role.deleted", target=role, changes=audit.diff(_values(role), {}))
    role.delete()
