"""Two-factor sign-in with TOTP: enrolment, the code step, wrong codes, backup codes, policy for admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from loanlit.accounts import two_factor
from loanlit.accounts.tests.login_support import code_for, sign_in, with_password
from loanlit.accounts.tests.login_support import enrolled as _enrolled
from loanlit.audit.models import AccessLog, AuditEntry

pytestmark = pytest.mark.django_db


def test_enrolment_shows_a_qr_code_and_confirms_with_a_real_code(personas):
    user = personas.case_handler
    client = Client()
    client.force_login(user)
    page = client.get(reverse("accounts:two_factor_enrol"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg viewBox="' in html and "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    assert two_factor.secret_text(device).replace(" ", "") in html.replace(" ", "")

    refused = client.post(reverse("accounts:two_factor_enrol"), {"code": "000000"})
    assert refused.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is False

    with time_machine.travel(timezone.now() + timedelta(seconds=40), tick=False):  # past the throttle
        response = client.post(reverse("accounts:two_factor_enrol"), {"code": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True
    codes = response.context["codes"]
    assert len(codes) == 10
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    assert AuditEntry.objects.filter(action="user.two_factor_enabled", target_id=str(user.pk)).count() == 1


def test_sign_in_asks_for_the_code_before_the_session_is_signed_in(personas):
    user = with_password(personas.case_handler)
    device = _enrolled(user)
    client = Client()
    start = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(start, tick=False) as clock:
        response = sign_in(client, "case_handler", data_next="/cases/")
        assert response["Location"] == reverse("accounts:login_otp")
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("cases:case_list"))["Location"].startswith(reverse("accounts:login"))

        wrong = client.post(reverse("accounts:login_otp"), {"code": "123456"}, REMOTE_ADDR="10.1.1.1")
        assert wrong.status_code == 200
        assert "_auth_user_id" not in client.session
        clock.shift(timedelta(seconds=5))
        response = client.post(reverse("accounts:login_otp"), {"code": code_for(device)}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    actions = list(AccessLog.objects.filter(user=user).order_by("pk").values_list("action", "detail"))
    assert actions[0] == ("otp.failed", {"username": "case_handler", "failures": 1})
    assert actions[1][0] == "login" and actions[1][1]["two_factor"] is True
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username="case_handler").failures_since_start == 1


@override_settings(AXES_FAILURE_LIMIT=2)
def test_wrong_codes_count_towards_the_lockout(personas):
    with_password(personas.case_handler)
    _enrolled(personas.case_handler)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, "case_handler")
        client.post(reverse("accounts:login_otp"), {"code": "111111"}, REMOTE_ADDR="10.1.1.1")
        clock.shift(timedelta(seconds=10))
        response = client.post(reverse("accounts:login_otp"), {"code": "222222"}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "loanlit_pending_login" not in client.session


def test_a_backup_code_signs_in_once(personas):
    user = with_password(personas.case_handler)
    _enrolled(user)
    codes = two_factor.backup_codes_generate(user=user)
    client = Client()
    sign_in(client, "case_handler")
    assert client.post(reverse("accounts:login_otp"), {"code": codes[0]}).status_code == 302
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    assert two_factor.backup_codes_left(user) == 9


def test_the_code_step_expires(personas):
    with_password(personas.case_handler)
    device = _enrolled(personas.case_handler)
    client = Client()
    sign_in(client, "case_handler")
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        response = client.post(reverse("accounts:login_otp"), {"code": code_for(device)})
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
def test_administrators_must_enrol_before_any_other_page(personas):
    admin = personas.security_admin
    client = Client()
    client.force_login(admin)
    response = client.get(reverse("cases:case_list"))
    assert response["Location"] == reverse("accounts:two_factor")
    assert client.get(reverse("accounts:two_factor")).status_code == 200
    page = client.get(reverse("accounts:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=admin)
    assert page.status_code == 200
    client.post(reverse("accounts:two_factor_enrol"), {"code": code_for(device)})
    assert client.get(reverse("cases:case_list")).status_code == 200
    # A case handler is not an administrator: no enrolment asked.
    other = Client()
    other.force_login(personas.case_handler)
    assert other.get(reverse("cases:case_list")).status_code == 200


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
def test_an_enrolled_administrator_in_an_unverified_session_gives_a_code(personas):
    admin = personas.administrator
    device = _enrolled(admin)
    client = Client()
    client.force_login(admin)
    assert client.get(reverse("core:home"))["Location"] == reverse("accounts:two_factor")
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        response = client.post(reverse("accounts:two_factor"), {"code": code_for(device)})
        assert response.status_code == 302
        assert client.get(reverse("core:home")).status_code == 200


def test_disabling_needs_a_recent_confirmation_and_removes_every_device(personas):
    user = personas.case_handler
    _enrolled(user)
    two_factor.backup_codes_generate(user=user)
    client = Client()
    client.force_login(user)
    from tests.support.reauth import forget

    forget(client)
    response = client.post(reverse("accounts:two_factor_disable"))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=user).count() == 1
    from tests.support.reauth import confirm

    confirm(client)
    assert client.post(reverse("accounts:two_factor_disable")).status_code == 302
    assert TOTPDevice.objects.filter(user=user).count() == 0
    assert StaticToken.objects.count() == 0
