"""Lockout after failed sign-ins (django-axes): by user name, by address, unlock; all access-logged."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from loanlit.accounts.lockout import is_locked_out, lockout_reset
from loanlit.accounts.tests.login_support import PASSWORD, WRONG, sign_in, with_password
from loanlit.audit.models import AccessLog, AuditEntry

pytestmark = pytest.mark.django_db


def _actions(**filters):
    return list(AccessLog.objects.filter(**filters).order_by("pk").values_list("action", flat=True))


@override_settings(AXES_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=100)
def test_three_failures_from_different_addresses_lock_the_user_name_everywhere(personas):
    user = with_password(personas.case_handler)
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert sign_in(Client(), "case_handler", WRONG, ip=ip).status_code == 200
    response = sign_in(Client(), "case_handler", WRONG, ip="10.0.0.3")
    assert response.status_code == 429
    assert is_locked_out("case_handler")
    # Even the right password is refused now, from yet another address, with the translated page.
    response = sign_in(Client(), "case_handler", PASSWORD, ip="10.0.0.4", headers={"accept-language": "en"})
    assert response.status_code == 429
    assert "Sign-in is locked for 30 minutes." in response.content.decode()
    assert "_auth_user_id" not in response.client.session
    assert _actions(user=user) == ["login.failed", "login.failed", "login.locked", "login.locked"]
    row = AccessLog.objects.filter(user=user).order_by("pk").first()
    assert row.detail == {"username": "case_handler", "failures": 1}
    assert row.ip == "10.0.0.1"
    assert PASSWORD not in str(list(AccessLog.objects.values_list("detail", flat=True)))
    # Another user from those addresses is not affected.
    with_password(personas.legal_manager)
    assert sign_in(Client(), "legal_manager", ip="10.0.0.1").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=100, LOGIN_IP_FAILURE_LIMIT=3)
def test_failures_from_one_address_across_user_names_lock_that_address(personas):
    with_password(personas.case_handler)
    for name in ("nobody-1", "nobody-2", "nobody-3"):
        sign_in(Client(), name, WRONG, ip="192.0.2.9")
    assert sign_in(Client(), "case_handler", ip="192.0.2.9").status_code == 429
    assert not is_locked_out("case_handler")
    assert sign_in(Client(), "case_handler", ip="192.0.2.10").status_code == 302
    failed = AccessLog.objects.filter(action="login.failed", user__isnull=True).order_by("pk")
    assert [row.detail["username"] for row in failed] == ["nobody-1", "nobody-2"]


def test_a_successful_sign_in_and_sign_out_are_access_logged(personas):
    user = with_password(personas.case_handler)
    client = Client()
    response = sign_in(client, "case_handler", ip="10.2.3.4")
    assert response.status_code == 302
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.2.3.4")
    rows = list(AccessLog.objects.filter(user=user).order_by("pk").values_list("action", "ip"))
    assert rows == [("login", "10.2.3.4"), ("logout", "10.2.3.4")]


@override_settings(AXES_FAILURE_LIMIT=2)
def test_unlocking_clears_the_user_names_failures_and_is_audited(personas):
    with_password(personas.case_handler)
    for ip in ("10.0.0.1", "10.0.0.2"):
        sign_in(Client(), "case_handler", WRONG, ip=ip)
    assert is_locked_out("case_handler")
    other = AccessAttempt.objects.create(username="someone_else", ip_address="10.0.0.1", failures_since_start=1)
    entries = AuditEntry.objects.count()

    assert lockout_reset(actor=personas.security_admin, username="case_handler") == 2

    assert not is_locked_out("case_handler")
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [other.pk]
    entry = AuditEntry.objects.order_by("pk").last()
    assert AuditEntry.objects.count() == entries + 1
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "user.lockout_reset",
        personas.security_admin.pk,
        str(personas.case_handler.pk),
    )
    assert sign_in(Client(), "case_handler", ip="10.0.0.1").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=1)
def test_the_unlock_command_unlocks_a_user_name(personas, capsys):
    with_password(personas.case_handler)
    sign_in(Client(), "case_handler", WRONG)
    assert is_locked_out("case_handler")
    call_command("unlock_user", "case_handler")
    assert not is_locked_out("case_handler")
    assert "case_handler: 1" in capsys.readouterr().out


def test_a_failed_sign_in_for_an_unknown_user_name_logs_the_name_without_a_user(personas):
    sign_in(Client(), "ghost", WRONG, ip="10.9.9.9")
    row = AccessLog.objects.get()
    assert (row.action, row.user_id, row.detail["username"], row.ip) == ("login.failed", None, "ghost", "10.9.9.9")


@override_settings(AXES_FAILURE_LIMIT=3, LOGIN_IP_FAILURE_LIMIT=100)
def test_failures_under_other_spellings_of_the_user_name_count_against_one_lock(personas):
    # Directory sign-on binds case-insensitively, so "Case_Handler" and " CASE_HANDLER" are the same account.
    with_password(personas.case_handler)
    for name, ip in (("Case_Handler", "10.9.0.1"), (" CASE_HANDLER", "10.9.0.2")):
        assert sign_in(Client(), name, WRONG, ip=ip).status_code == 200
    assert sign_in(Client(), "case_handler", WRONG, ip="10.9.0.3").status_code == 429
    assert is_locked_out("case_handler") and is_locked_out("CASE_handler")
    assert sign_in(Client(), "case_handler", PASSWORD, ip="10.9.0.4").status_code == 429
    assert list(AccessAttempt.objects.values_list("username", flat=True).distinct()) == ["case_handler"]
    assert lockout_reset(actor=None, username="Case_Handler") == 3  # one attempt row per address
    assert sign_in(Client(), "case_handler", PASSWORD, ip="10.9.0.4").status_code == 302
