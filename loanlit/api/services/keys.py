"""API keys: create (the secret returned once), revoke, and the throttled ``last_used_at`` stamp.

A key acts as a service user with at most the codes that user's role grants; the actor (an ``api.manage``
holder, or ``None`` for the system: management commands) may only give keys to users of their own creditors.
Only the SHA-256 of the secret is stored; the audit entry names the key by its prefix, never the secret.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.accounts.permissions import PERMISSIONS
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.accounts.services.roles import require_may_act_as
from loanlit.api.authentication import KEY_PREFIX, PREFIX_LENGTH, hash_secret
from loanlit.api.models import ApiKey
from loanlit.core.errors import DomainError, PermissionDeniedError

MANAGE_CODE: Final = "api.manage"
SECRET_BYTES: Final = 32
RATE_LIMIT: Final = re.compile(r"^[1-9]\d{0,6}/(s|sec|m|min|h|hour|d|day)$")


def may_manage_keys(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and actor.has_code(MANAGE_CODE)


def _require_manage(actor: User | None) -> None:
    if actor is not None and not may_manage_keys(actor):
        raise PermissionDeniedError(_("You may not manage API keys."), code="permission_denied")


def user_within_creditors(actor: User | None, user: User) -> bool:
    """Whether every creditor of ``user`` (at least one) is one of the actor's (``None``: the system)."""
    own = set(creditor_ids_for(user))
    return bool(own) and (actor is None or own <= set(creditor_ids_for(actor)))


def _role_grants(user: User, code: str) -> bool:
    # The role's answer, not an API key's narrowing (``user`` may be the request's user of another key).
    probe = User.objects.select_related("role").get(pk=user.pk)
    return probe.has_code(code)


def _clean_codes(user: User, codes: Iterable[str]) -> list[str]:
    wanted = sorted({str(code).strip() for code in codes if str(code).strip()})
    if not wanted:
        raise DomainError(_("Choose at least one permission for the key."), code="no_permissions")
    unknown = [code for code in wanted if code not in PERMISSIONS]
    if unknown:
        raise DomainError(_("Unknown permission: %(code)s") % {"code": unknown[0]}, code="unknown_permission")
    refused = [code for code in wanted if not _role_grants(user, code)]
    if refused:
        raise DomainError(
            _("%(user)s's role does not grant %(code)s: a key cannot have more than its user.")
            % {"user": user, "code": refused[0]},
            code="permission_not_granted",
        )
    return wanted


def _new_prefix() -> str:
    while True:
        prefix = secrets.token_urlsafe(PREFIX_LENGTH)[:PREFIX_LENGTH]
        if not ApiKey.objects.filter(prefix=prefix).exists():
            return prefix


@transaction.atomic
def api_key_create(
    *,
    actor: User | None,
    name: str,
    user: User,
    permissions: Iterable[str],
    expires_at: datetime | None = None,
    rate_limit: str = "",
) -> tuple[ApiKey, str]:
    """Create a key acting as ``user``; returns it with the secret, which is never stored nor shown again.

    ``expires_at`` defaults to ``settings.API_KEY_DEFAULT_DAYS`` from now; ``rate_limit`` ("600/min") to the
    site's ``LOANLIT_API_RATE_LIMIT``.
    """
    _require_manage(actor)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(_("Give the key a name of at most 100 characters."), code="invalid_name")
    if not user.is_active:
        raise DomainError(_("%(user)s is disabled: choose an active user.") % {"user": user}, code="user_inactive")
    if not user_within_creditors(actor, user):
        raise PermissionDeniedError(
            _("%(user)s works for a creditor you do not: choose a user of your own creditors.") % {"user": user},
            code="user_out_of_scope",
        )
    require_may_act_as(actor, user)
    codes = _clean_codes(user, permissions)
    now = timezone.now()
    if expires_at is None:
        expires_at = now + timedelta(days=settings.API_KEY_DEFAULT_DAYS)
    if expires_at <= now:
        raise DomainError(_("The expiry must be in the future."), code="invalid_expiry")
    rate_limit = (rate_limit or "").strip()
    if rate_limit and not RATE_LIMIT.match(rate_limit):
        raise DomainError(
            _("Write the rate limit as requests per period, e.g. 600/min (per s, min, hour or day)."),
            code="invalid_rate_limit",
        )
    prefix = _new_prefix()
    secret = f"{KEY_PREFIX}{prefix}{secrets.token_urlsafe(SECRET_BYTES)}"
    key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        key_hash=hash_secret(secret),
        user=user,
        permissions=codes,
        expires_at=expires_at,
        rate_limit=rate_limit,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="api_key.created",
        target=key,
        changes=audit.diff(
            {},
            {
                "name": name,
                "prefix": prefix,
                "user": user.username,
                "permissions": codes,
                "expires_at": expires_at,
                "rate_limit": rate_limit,
            },
        ),
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, actor: User | None, key: ApiKey) -> ApiKey:
    """Revoke the key now: every later request with it is refused (401). Revoking twice is refused."""
    _require_manage(actor)
    key = ApiKey.objects.select_for_update().select_related("user").get(pk=key.pk)
    if not user_within_creditors(actor, key.user):
        raise PermissionDeniedError(_("You may not manage this API key."), code="permission_denied")
    if key.revoked_at is not None:
        raise DomainError(_("This key was already revoked."), code="already_revoked")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at", "updated_at"])
    audit.record(
        actor=actor,
        action="api_key.revoked",
        target=key,
        changes=audit.diff({"revoked_at": None}, {"revoked_at": key.revoked_at}),
    )
    return key


def api_key_touch(*, key: ApiKey, now: datetime) -> None:
    """Stamp ``last_used_at`` (at most once a minute per key: the caller checks). Not audited: it is a
    read's bookkeeping, and the access log already knows the reads that matter."""
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    key.last_used_at = now
