"""Integration with other systems: API keys, outgoing webhooks and their deliveries, idempotent requests."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import TimeStampedModel, VersionedModel


class ApiKey(TimeStampedModel):
    """A credential for another system (core banking, finance, CRM, OA).

    The key acts as ``user`` (a service account whose unit and creditors are the key's data scope) and only
    with the permission codes in ``permissions`` that the user's role also grants. The secret is shown once;
    only its SHA-256 is stored (the secret is 32 random bytes, so a plain hash is enough), with ``prefix``
    (the first characters, unique) to find the row and to show in lists.
    """

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acts as"), on_delete=models.PROTECT, related_name="api_keys"
    )
    permissions = models.JSONField(_("permissions"), default=list)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    rate_limit = models.CharField(
        _("rate limit"),
        max_length=20,
        blank=True,
        help_text=_("Requests per period, e.g. 600/min; empty: the default."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class WebhookSubscription(VersionedModel):
    """An outgoing webhook: events of the cases ``user`` may see are POSTed to ``url``, signed with the secret.

    ``user`` is the subscriber's service account: its scope decides which cases' events are sent, and its
    ``personal_data.unmask`` code whether a payload may carry names and ID numbers (otherwise it carries
    internal numbers, dates and amounts only; names and ID numbers need ``include_personal_data`` too). The
    URL and the signing secret are credentials: stored encrypted (loanlit.core.crypto); ``url_hint`` is the
    host, for lists.
    """

    name = models.CharField(_("name"), max_length=100)
    url_envelope = models.TextField(_("URL (encrypted)"))
    url_hint = models.CharField(_("host"), max_length=200)
    secret_envelope = models.TextField(_("signing secret (encrypted)"))
    events = models.JSONField(_("events"), default=list)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acts as"), on_delete=models.PROTECT, related_name="+"
    )
    include_personal_data = models.BooleanField(
        _("include personal data"),
        default=False,
        help_text=_(
            "Names and ID numbers of the case's borrowers, only if the acting user may also see unmasked personal data."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one subscription: the payload as sent, every attempt's outcome, the next try."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, no more retries")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event = models.CharField(_("event"), max_length=50)
    case_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_response = models.CharField(_("last response (start)"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="api_delivery_due"),
            models.Index(fields=["subscription", "-created_at"], name="api_delivery_sub_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.state})"


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key`` header, replayed for its repeats.

    Unique per (user, key): the same key with another body is refused (422), never applied twice.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
