"""Password policy beyond Django's validators (issue 10): character classes and periodic change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def _classes(password: str) -> int:
    return sum(
        (
            any(ch.isupper() for ch in password),
            any(ch.islower() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        )
    )


class CharacterClassValidator:
    """At least ``min_classes`` of: upper-case letters, lower-case letters, digits, other characters."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if _classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(count)d of these: upper-case letters, lower-case letters, "
                    "digits, symbols."
                ),
                code="password_too_simple",
                params={"count": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _("Use at least %(count)d of these: upper-case letters, lower-case letters, digits, symbols.") % {
            "count": self.min_classes
        }


def password_expired(user: Any, *, now: Any = None) -> bool:
    """Whether ``user``'s password is older than ``settings.PASSWORD_MAX_AGE_DAYS`` (0: never expires).

    Only local passwords expire: bank sign-on (LDAP, OpenID Connect) has its own policy.
    """
    days = getattr(settings, "PASSWORD_MAX_AGE_DAYS", 0)
    if not days or getattr(user, "auth_source", "local") != "local" or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return changed + timedelta(days=days) <= (now or timezone.now())


def must_change_password(user: Any) -> bool:
    """Whether every page but the password change is closed to ``user`` until the password is changed."""
    return bool(getattr(user, "must_change_password", False)) or password_expired(user)
