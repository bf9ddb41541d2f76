"""Two-factor sign-in with TOTP (django-otp) and one-time backup codes (issue 10).

django-otp's device tables are security infrastructure, not domain models: they are written here only,
each change audited in the global stream (never the secret or a code).
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from loanlit import audit
from loanlit.accounts.permissions import SECURITY_ADMIN_CODES, SYSTEM_ADMIN_CODES

BACKUP_CODE_COUNT = 10
DEVICE_NAME = "authenticator"
BACKUP_NAME = "backup codes"


def has_two_factor(user: Any) -> bool:
    """Whether ``user`` has a confirmed authenticator (backup codes alone do not count)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def requires_two_factor(user: Any) -> bool:
    """Whether policy makes ``user`` enrol before using anything else (LOANLIT_REQUIRE_2FA_FOR_ADMINS)."""
    if not getattr(settings, "REQUIRE_2FA_FOR_ADMINS", False) or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    role = user.role
    return role is not None and any(code in role.permissions for code in (*SYSTEM_ADMIN_CODES, *SECURITY_ADMIN_CODES))


def pending_device(user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator, created with a fresh secret when there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)  # write-ok: otp device
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (no script, no style attribute: CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=2, dark="#000", light="#fff", svgclass="qr-code", lineclass=None, omitsize=True
    )


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32 groups of four, for typing into an authenticator app by hand."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def totp_confirm(*, user: Any, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending authenticator with a code from it; other authenticators of the user are removed."""
    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()  # write-ok: otp device
    device.confirmed = True
    device.save(update_fields=["confirmed"])  # write-ok: otp device
    audit.record(actor=user, action="user.two_factor_enabled", target=user)
    return True


@transaction.atomic
def two_factor_disable(*, actor: Any, user: Any) -> int:
    """Remove every authenticator and backup code of ``user``; returns how many devices were removed."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        count, _ = model.objects.filter(user=user).delete()  # write-ok: otp device
        removed += count
    audit.record(actor=actor, action="user.two_factor_disabled", target=user)
    return removed


@transaction.atomic
def backup_codes_generate(*, user: Any, count: int = BACKUP_CODE_COUNT) -> list[str]:
    """New one-time backup codes (the old ones stop working); the codes are shown once, never audited."""
    device, _ = StaticDevice.objects.get_or_create(  # write-ok: otp device
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()  # write-ok: otp device
    codes = [StaticToken.random_token() for _ in range(count)]
    tokens = [StaticToken(device=device, token=code) for code in codes]
    StaticToken.objects.bulk_create(tokens)  # write-ok: otp device
    audit.record(
        actor=user, action="user.backup_codes_generated", target=user, changes=audit.diff({}, {"count": count})
    )
    return codes


def backup_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify_code(user: Any, token: str) -> Device | None:
    """The confirmed device (authenticator or backup code) that accepts ``token``, or ``None``."""
    token = (token or "").strip().replace(" ", "").lower()
    if not token or len(token) > 16:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(token):
                return device
    return None
