from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from loanlit.accounts.models import User
from loanlit.core.models import Creditor, OrgUnit

pytestmark = pytest.mark.django_db


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
    assert counts == (8, 5, 1)


def test_given_admin_password_is_used_and_not_printed(settings):
    settings.ADMIN_PASSWORD = "a-Long-admin-passw0rd"
    output = _bootstrap()
    assert "a-Long-admin-passw0rd" not in output
    assert authenticate(username="admin", password="a-Long-admin-passw0rd") is not None
    assert OrgUnit.objects.get(code="BJ-CY").path == "0001.0001.0001."
