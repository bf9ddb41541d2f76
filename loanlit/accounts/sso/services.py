"""Writes for bank sign-on: create or re-synchronise a directory user, and log a refused sign-in.

``user_sync_from_directory`` is the one home for accounts that LDAP or OIDC sign-in creates or updates
(DESIGN rule 1): atomic and audited. ``directory_sign_in`` is what both backends call: it applies the
group map (``mapping``), logs a refusal to the access log (LOGIN_FAILED) and raises ``SignOnRefused``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.models import Role, User
from loanlit.accounts.permissions import SECURITY_ADMIN_CODES
from loanlit.accounts.sso import mapping
from loanlit.accounts.usernames import username_checked
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor, OrgUnit

DIRECTORY_SOURCES = (User.AuthSource.LDAP, User.AuthSource.OIDC)
# Roles a directory group may not grant while separation of duties is on (local accounts remain for
# administrators): the built-in administrator roles, and any role that manages users or roles (a
# custom security administrator). System codes some business roles hold (documents.manage) do not count.
ADMIN_ROLE_CODES = ("administrator", "security_admin")
ADMIN_PERMISSION_CODES = frozenset(SECURITY_ADMIN_CODES)


class SignOnRefused(PermissionDenied):
    """A directory sign-in that must not succeed. Django's ``authenticate`` stops at a PermissionDenied,
    so no later backend (local accounts) is tried for the same attempt."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


def mapping_config() -> mapping.MappingConfig:
    return mapping.MappingConfig(
        group_roles=getattr(settings, "SSO_GROUP_ROLES", ()),
        group_units=getattr(settings, "SSO_GROUP_UNITS", ()),
        group_creditors=getattr(settings, "SSO_GROUP_CREDITORS", ()),
        default_unit=getattr(settings, "SSO_DEFAULT_UNIT", ""),
        default_creditors=tuple(getattr(settings, "SSO_DEFAULT_CREDITORS", ())),
    )


def _role_is_admin(role: Role) -> bool:
    return role.code in ADMIN_ROLE_CODES or bool(ADMIN_PERMISSION_CODES & set(role.permissions))


def _admin_roles_refused() -> bool:
    return bool(getattr(settings, "SEPARATION_OF_DUTIES", True)) and not getattr(
        settings, "SSO_ALLOW_ADMIN_ROLES", False
    )


@transaction.atomic
def user_sync_from_directory(
    *,
    username: str,
    display_name: str,
    email: str,
    staff_no: str,
    role_code: str,
    unit_code: str,
    creditor_codes: Iterable[str],
    source: str,
) -> User:
    """Create or update the account of a user the bank's directory has just authenticated.

    Role, unit and creditors follow the directory at every sign-in; the local password stays unusable.
    Never touches a local account: a directory user whose name is a local account's is refused.
    Raises DomainError (translated) for an unknown role, unit or creditor, or a refused admin role.
    """
    if source not in DIRECTORY_SOURCES:
        raise DomainError(_("Unknown sign-on source: %(source)s.") % {"source": source})
    if not (username or "").strip():
        raise DomainError(_("The directory did not give a user name."), code="sso_no_username")
    username = username_checked(username, fold_case=True)
    role = Role.objects.filter(code=role_code).first()
    if role is None:
        raise DomainError(_("Unknown role: %(role)s.") % {"role": role_code}, code="sso_unknown_role")
    if _admin_roles_refused() and _role_is_admin(role):
        raise DomainError(
            _("Directory groups may not grant the administrator role %(role)s; use a local account.")
            % {"role": role.code},
            code="sso_admin_role",
        )
    unit = OrgUnit.objects.filter(code=unit_code).first()
    if unit is None:
        raise DomainError(_("Unknown unit: %(unit)s.") % {"unit": unit_code}, code="sso_unknown_unit")
    codes = sorted(set(creditor_codes))
    creditors = list(Creditor.objects.filter(code__in=codes).order_by("code"))
    unknown = sorted(set(codes) - {creditor.code for creditor in creditors})
    if unknown:
        raise DomainError(
            _("Unknown creditor: %(creditor)s.") % {"creditor": ", ".join(unknown)}, code="sso_unknown_creditor"
        )

    user = User.objects.select_for_update().filter(username__iexact=username).first()
    if user is not None and user.auth_source not in DIRECTORY_SOURCES:
        raise DomainError(
            _("The user name %(username)s belongs to a local account; it cannot sign in through the directory.")
            % {"username": username},
            code="sso_local_account",
        )
    new_values: dict[str, Any] = {
        "display_name": display_name.strip()[:100],
        "email": email.strip()[:254],
        "staff_no": staff_no.strip()[:32],
        "role": role.code,
        "unit": unit.code,
        "creditors": [creditor.code for creditor in creditors],
        "auth_source": source,
    }
    if user is None:
        user = User(username=username)
        old_values: dict[str, Any] = {}
        action = "user.created"
    else:
        old_values = {
            "display_name": user.display_name,
            "email": user.email,
            "staff_no": user.staff_no,
            "role": user.role.code if user.role else None,
            "unit": user.unit.code if user.unit else None,
            "creditors": sorted(user.creditors.values_list("code", flat=True)),
            "auth_source": user.auth_source,
        }
        action = "user.directory_synced"
    changes = audit.diff(old_values, new_values)
    if not changes and not user.has_usable_password() and user.pk:
        return user
    user.display_name = new_values["display_name"]
    user.email = new_values["email"]
    user.staff_no = new_values["staff_no"]
    user.role = role
    user.unit = unit
    user.auth_source = source
    user.must_change_password = False
    user.set_unusable_password()
    user.save()
    user.creditors.set(creditors)
    if action == "user.created":
        changes = audit.diff({}, {"username": username, **new_values, "has_password": False})
    audit.record(actor=None, action=action, target=user, changes=changes)
    return user


def _refusal_message(reason: str) -> str:
    messages = {
        mapping.Refusal.NO_ROLE.value: _(
            "Your directory account is not in a group that gives access to Loanlit. Ask your administrator."
        ),
        mapping.Refusal.NO_UNIT.value: _(
            "Your directory account is not in a group that assigns a unit in Loanlit. Ask your administrator."
        ),
        mapping.Refusal.NO_CREDITOR.value: _(
            "Your directory account is not in a group that assigns a creditor in Loanlit. Ask your administrator."
        ),
    }
    return messages.get(reason, _("Sign-in through the bank's directory was refused. Ask your administrator."))


def sign_on_refused(
    *, request: HttpRequest | None, source: str, username: str, reason: str, message: str = ""
) -> SignOnRefused:
    """Log a refused directory sign-in (LOGIN_FAILED) and return the exception to raise."""
    audit.access_log(
        user=None,
        action=audit.AccessAction.LOGIN_FAILED,
        request=request,
        detail={"source": source, "username": username[:150], "reason": reason},
    )
    return SignOnRefused(message or _refusal_message(reason), reason)


def directory_sign_in(
    *,
    request: HttpRequest | None,
    source: str,
    username: str,
    groups: Iterable[str],
    display_name: str = "",
    email: str = "",
    staff_no: str = "",
) -> User:
    """Map ``groups`` and create or re-synchronise the user; raises SignOnRefused (logged) otherwise."""
    result = mapping.resolve(groups, mapping_config())
    if result.refusal is not None:
        raise sign_on_refused(request=request, source=source, username=username, reason=result.refusal.value)
    assert result.role_code is not None and result.unit_code is not None
    try:
        return user_sync_from_directory(
            username=username,
            display_name=display_name,
            email=email,
            staff_no=staff_no,
            role_code=result.role_code,
            unit_code=result.unit_code,
            creditor_codes=result.creditor_codes,
            source=source,
        )
    except DomainError as exc:
        reason = getattr(exc, "code", None) or "sso_refused"
        raise sign_on_refused(
            request=request, source=source, username=username, reason=str(reason), message=str(exc.message)
        ) from None
