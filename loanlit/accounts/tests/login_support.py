"""Helpers for the sign-in security tests (issue 10)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from loanlit.accounts import services, two_factor

PASSWORD = "Correct-Horse-42"
WRONG = "wrong-password-1"


def with_password(user, password: str = PASSWORD):
    services.user_password_set(actor=None, user=user, password=password, temporary=False)
    user.refresh_from_db()
    return user


def sign_in(
    client: Client, username: str, password: str = PASSWORD, *, ip: str = "10.1.1.1", data_next: str = "", **extra
):
    data = {"username": username, "password": password}
    if data_next:
        data["next"] = data_next
    return client.post(reverse("accounts:login"), data, REMOTE_ADDR=ip, **extra)


def code_for(device: TOTPDevice) -> str:
    """The device's current TOTP code, computed from its key as the authenticator app would."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def enrolled(user) -> TOTPDevice:
    """A confirmed authenticator for ``user``."""
    device = two_factor.pending_device(user)
    assert two_factor.totp_confirm(user=user, device=device, token=code_for(device))
    device.refresh_from_db()
    return device
