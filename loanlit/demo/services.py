"""First-run set-up through the ordinary services: the administrator, then the demo organisation.

Demo data is loaded once; running again finds it and changes nothing. The loan portfolio and its
cases come after, from ../shared/real-inputs (``loanlit.demo.portfolio.loader``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from loanlit.accounts import services as accounts
from loanlit.accounts.models import User
from loanlit.core.models import Creditor, OrgUnit

ADMIN_USERNAME = "admin"
DEMO_CREDITOR_CODE = "DEMO-BANK"


@dataclass(frozen=True)
class AdminResult:
    user: User
    created: bool
    password: str | None  # set only when generated, so it can be shown once


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def admin_ensure(*, password: str | None) -> AdminResult:
    """Create the administrator unless one exists; a generated password is returned to be shown once."""
    existing = User.objects.filter(username=ADMIN_USERNAME).first()
    if existing is not None:
        return AdminResult(user=existing, created=False, password=None)
    head = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    if head is None:
        head = accounts.org_unit_create(
            actor=None, code="HO", kind=OrgUnit.Kind.HEAD_OFFICE, region_code="110000", **organisation()["head_office"]
        )
    generated = None if password else generate_password()
    user = accounts.user_create(
        actor=None,
        username=ADMIN_USERNAME,
        password=password or generated,
        role_code="administrator",
        unit=head,
        display_name="Administrator",
        is_superuser=True,
    )
    return AdminResult(user=user, created=True, password=generated)


# Separation of duties (三员分立): beside the system administrator, a security administrator (accounts,
# roles) and an auditor (audit trail, access log). Each gets its own generated password, shown once and
# to be changed at the first sign-in.
DUTY_ACCOUNTS = (
    # username, role, display name
    ("secadmin", "security_admin", "Security administrator"),
    ("auditor", "auditor", "Auditor"),
)


@transaction.atomic
def duty_accounts_ensure(*, admin: User) -> list[AdminResult]:
    """Create the security administrator and the auditor unless they exist, at the administrator's unit
    with the administrator's creditors; generated passwords are returned to be shown once."""
    results = []
    for username, role, display_name in DUTY_ACCOUNTS:
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            results.append(AdminResult(user=existing, created=False, password=None))
            continue
        generated = generate_password()
        user = accounts.user_create(
            actor=None,
            username=username,
            password=generated,
            role_code=role,
            unit=admin.unit,
            creditors=list(admin.creditors.all()),
            display_name=display_name,
            must_change_password=True,
        )
        results.append(AdminResult(user=user, created=True, password=generated))
    return results


# code, kind, parent code, region; names, legal names, persons in charge and addresses are data in
# organisation.json (Chinese text stays out of Python code).
DEMO_UNITS = (
    ("BJ", OrgUnit.Kind.BRANCH, "HO", "110000"),
    ("BJ-CY", OrgUnit.Kind.SUB_BRANCH, "BJ", "110105"),
    ("GD", OrgUnit.Kind.BRANCH, "HO", "440000"),
    ("GD-TH", OrgUnit.Kind.SUB_BRANCH, "GD", "440106"),
)
ORGANISATION_FILE = Path(__file__).with_name("organisation.json")


def organisation() -> dict:
    """The demo bank's names, legal names, persons in charge and addresses."""
    return json.loads(ORGANISATION_FILE.read_text(encoding="utf-8"))


DEMO_USERS = (
    # username, role, unit code
    ("legal.manager", "legal_manager", "HO"),
    ("handler.bj", "case_handler", "BJ"),
    ("handler.gd", "case_handler", "GD"),
    ("lawyer.bj", "external_lawyer", "BJ"),
    ("manager.bj", "branch_manager", "BJ"),
    ("auditor", "auditor", "HO"),
    ("viewer.gd", "read_only", "GD"),
)


def demo_organisation_loaded() -> bool:
    return Creditor.objects.filter(code=DEMO_CREDITOR_CODE).exists()


@dataclass(frozen=True)
class DemoResult:
    created: bool
    users: tuple[str, ...]


@transaction.atomic
def demo_load(*, actor: User, password: str) -> DemoResult:
    """Load the demo organisation and one user per role, once."""
    if Creditor.objects.filter(code=DEMO_CREDITOR_CODE).exists():
        return DemoResult(created=False, users=())
    data = organisation()
    creditor = accounts.creditor_create(
        actor=actor, code=DEMO_CREDITOR_CODE, kind=Creditor.Kind.BANK, **data["creditor"]
    )
    units = {u.code: u for u in OrgUnit.objects.all()}
    for code, kind, parent, region in DEMO_UNITS:
        if code not in units:
            units[code] = accounts.org_unit_create(
                actor=actor, code=code, kind=kind, parent=units[parent], region_code=region, **data["units"][code]
            )
    actor.creditors.add(creditor)
    # The security administrator and the auditor work on the demo bank too (they manage and audit its users).
    for username, _role, _name in DUTY_ACCOUNTS:
        duty_user = User.objects.filter(username=username, role__code=_role).first()
        if duty_user is not None:
            duty_user.creditors.add(creditor)
    made = []
    for username, role, unit_code in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            accounts.user_create(
                actor=actor,
                username=username,
                password=password,
                role_code=role,
                unit=units[unit_code],
                creditors=[creditor],
            )
            made.append(username)
    return DemoResult(created=True, users=tuple(made))
