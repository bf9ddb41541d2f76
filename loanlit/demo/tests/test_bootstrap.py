from io import StringIO

import pytest
from django.contrib.auth import authenticate as _authenticate
from django.core.management import call_command
from django.test import RequestFactory

from loanlit.accounts.models import User
from loanlit.core.models import Creditor, OrgUnit

pytestmark = pytest.mark.django_db


def authenticate(**credentials):
    # django-axes' backend needs the request (issue 10).
    return _authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def _bootstrap() -> str:
    out = StringIO()
    # The portfolio has its own tests (test_load_demo.py); here only the organisation and users.
    call_command("bootstrap", "--no-portfolio", stdout=out)
    return out.getvalue()


def test_first_bootstrap_generates_a_password_that_signs_the_administrator_in(settings):
    settings.ADMIN_PASSWORD = ""
    output = _bootstrap()
    password = output.split("write it down): ")[1].split()[0]
    admin = authenticate(username="admin", password=password)
    assert admin is not None and admin.is_superuser and admin.role.code == "administrator"
    assert authenticate(username="handler.bj", password=password).role.code == "case_handler"


def test_second_bootstrap_changes_nothing_and_shows_no_password(settings):
    settings.ADMIN_PASSWORD = "a-Long-admin-passw0rd"
    _bootstrap()
    counts = (User.objects.count(), OrgUnit.objects.count(), Creditor.objects.count())
    output = _bootstrap()
    assert "password" not in output.lower().replace("password unchanged", "")
    assert (User.objects.count(), OrgUnit.objects.count(), Creditor.objects.count()) == counts
    # admin, secadmin, auditor and six demo users (the demo "auditor" is the duty account).
    assert counts == (9, 5, 1)


def test_given_admin_password_is_used_and_not_printed(settings):
    settings.ADMIN_PASSWORD = "a-Long-admin-passw0rd"
    output = _bootstrap()
    assert "a-Long-admin-passw0rd" not in output
    assert authenticate(username="admin", password="a-Long-admin-passw0rd") is not None
    assert OrgUnit.objects.get(code="BJ-CY").path == "0001.0001.0001."


def test_bootstrap_creates_the_security_administrator_and_the_auditor_with_own_passwords_shown_once(settings):
    settings.ADMIN_PASSWORD = "a-Long-admin-passw0rd"
    output = _bootstrap()
    passwords = {}
    for username in ("secadmin", "auditor"):
        line = next(line for line in output.splitlines() if line.startswith(f"Generated password for '{username}'"))
        passwords[username] = line.rsplit(": ", 1)[1]
    assert len(set(passwords.values()) | {"a-Long-admin-passw0rd"}) == 3
    secadmin = authenticate(username="secadmin", password=passwords["secadmin"])
    auditor = authenticate(username="auditor", password=passwords["auditor"])
    assert (secadmin.role.code, secadmin.unit.code, secadmin.is_superuser) == ("security_admin", "HO", False)
    assert (auditor.role.code, auditor.unit.code, auditor.is_superuser) == ("auditor", "HO", False)
    assert secadmin.must_change_password and auditor.must_change_password
    assert not User.objects.get(username="admin").must_change_password
    assert sorted(secadmin.creditors.values_list("code", flat=True)) == ["DEMO-BANK"]
    # The superuser is the system administrator: no user management, no audit trail.
    admin = User.objects.get(username="admin")
    assert (
        admin.has_code("admin.manage_units"),
        admin.has_code("admin.manage_users"),
        admin.has_code("audit.view"),
    ) == (
        True,
        False,
        False,
    )
    again = _bootstrap()
    assert "secadmin" not in again and "Generated password" not in again
