"""Writes for organisation units, creditors and creating users (one home each; DESIGN rule 1).

Org units and creditors are core models, but their writes live here, above `audit`, so every change
is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.models import Role, User
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor, OrgUnit

PATH_SEGMENT_WIDTH = 4


def _next_path(parent: OrgUnit | None) -> str:
    siblings = OrgUnit.objects.filter(parent=parent) if parent else OrgUnit.objects.filter(parent__isnull=True)
    used = siblings.count() + 1
    prefix = parent.path if parent else ""
    while True:
        candidate = f"{prefix}{used:0{PATH_SEGMENT_WIDTH}d}."
        if not OrgUnit.objects.filter(path=candidate).exists():
            return candidate
        used += 1


@transaction.atomic
def org_unit_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    legal_name: str = "",
    uscc: str = "",
    responsible_person: str = "",
    responsible_title: str = "",
    address: str = "",
    region_code: str = "",
) -> OrgUnit:
    """Create a unit under ``parent`` with its materialised path."""
    if kind not in OrgUnit.Kind.values:
        raise DomainError(_("Unknown unit kind: %(kind)s.") % {"kind": kind})
    if OrgUnit.objects.filter(code=code).exists():
        raise DomainError(_("A unit with code %(code)s already exists.") % {"code": code})
    path = _next_path(parent)
    unit = OrgUnit.objects.create(
        parent=parent,
        code=code,
        name=name,
        kind=kind,
        legal_name=legal_name,
        uscc=uscc,
        responsible_person=responsible_person,
        responsible_title=responsible_title,
        address=address,
        region_code=region_code,
        path=path,
        depth=path.count(".") - 1,
    )
    audit.record(
        actor=actor,
        action="org_unit.created",
        target=unit,
        changes=audit.diff(
            {},
            {
                "code": code,
                "name": name,
                "kind": kind,
                "parent": parent.code if parent else None,
                "path": path,
                "legal_name": legal_name,
                "uscc": uscc,
                "responsible_person": responsible_person,
                "responsible_title": responsible_title,
                "address": address,
                "region_code": region_code,
            },
        ),
    )
    return unit


@transaction.atomic
def creditor_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    kind: str,
    legal_name: str,
    uscc: str = "",
    legal_representative: str = "",
    address: str = "",
    is_licensed_lender: bool = True,
) -> Creditor:
    if kind not in Creditor.Kind.values:
        raise DomainError(_("Unknown creditor kind: %(kind)s.") % {"kind": kind})
    if Creditor.objects.filter(code=code).exists():
        raise DomainError(_("A creditor with code %(code)s already exists.") % {"code": code})
    values = {
        "code": code,
        "name": name,
        "kind": kind,
        "legal_name": legal_name,
        "uscc": uscc,
        "legal_representative": legal_representative,
        "address": address,
        "is_licensed_lender": is_licensed_lender,
    }
    creditor = Creditor.objects.create(**values)
    audit.record(actor=actor, action="creditor.created", target=creditor, changes=audit.diff({}, values))
    return creditor


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    role_code: str,
    unit: OrgUnit | None,
    creditors: Iterable[Creditor] = (),
    display_name: str = "",
    email: str = "",
    is_superuser: bool = False,
    staff_no: str = "",
    auth_source: str = User.AuthSource.LOCAL,
    must_change_password: bool = False,
) -> User:
    """Create a user. ``password`` is stored as given (seeding, tests); administrators create users with
    ``services.user_admin_create``, which validates a temporary password. ``None``: no usable password
    (an SSO account, or one whose password is set later)."""
    if auth_source not in User.AuthSource.values:
        raise DomainError(_("Unknown sign-on: %(source)s.") % {"source": auth_source})
    from loanlit.accounts.usernames import username_checked

    username = username_checked(username)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The user name %(username)s is taken.") % {"username": username})
    try:
        role = Role.objects.get(code=role_code)
    except Role.DoesNotExist:
        raise DomainError(_("Unknown role: %(role)s.") % {"role": role_code})
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        unit=unit,
        role=role,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        staff_no=staff_no,
        auth_source=auth_source,
        must_change_password=must_change_password and bool(password),
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    creditors = list(creditors)
    user.creditors.set(creditors)
    audit.record(
        actor=actor,
        action="user.created",
        target=user,
        changes=audit.diff(
            {},
            {
                "username": username,
                "display_name": display_name,
                "email": email,
                "role": role.code,
                "unit": unit.code if unit else None,
                "creditors": sorted(creditor.code for creditor in creditors),
                "is_superuser": is_superuser,
                "has_password": bool(password),
                "staff_no": staff_no,
                "auth_source": auth_source,
                "must_change_password": must_change_password and bool(password),
            },
        ),
    )
    return user


@transaction.atomic
def user_password_set(*, actor: User | None, user: User, password: str, temporary: bool) -> User:
    """Set ``user``'s password (validated against the password policy).

    ``temporary``: an initial or reset password set by someone else, which must be changed at the next
    sign-in. A user's own change (``actor == user``) is never temporary. Audited without the password.
    """
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    if actor is not None and actor.pk == user.pk:
        temporary = False
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="password_invalid") from None
    user.set_password(password)
    user.must_change_password = temporary
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record(
        actor=actor,
        action="user.password_set",
        target=user,
        changes=audit.diff({}, {"temporary": temporary, "by_self": actor is not None and actor.pk == user.pk}),
    )
    return user


def builtin_roles_ensure(**kwargs: object) -> int:
    """Create any missing built-in role (post_migrate and after a test flush); never edits existing ones,
    so an administrator's changes to a built-in role survive upgrades. Returns how many were created."""
    from loanlit.accounts.permissions import BUILTIN_ROLES, EXTERNAL_ROLES

    existing = set(Role.objects.values_list("code", flat=True))
    missing = [
        Role(
            code=code,
            name=str(name),
            permissions=list(permissions),
            is_builtin=True,
            is_external=code in EXTERNAL_ROLES,
        )
        for code, (name, permissions) in BUILTIN_ROLES.items()
        if code not in existing
    ]
    Role.objects.bulk_create(missing)
    return len(missing)
