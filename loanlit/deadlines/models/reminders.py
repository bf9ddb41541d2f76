"""Reminder policies, chat-robot endpoints, reminder deliveries and per-user ICS feed tokens.

A reminder is one ``ReminderDelivery`` row per (deadline, offset, channel, recipient), unique in the
database: the scan inserts due rows set-based and skips those that exist, a sender claims a row with a
conditional UPDATE before sending, and the row's id is the idempotency key every payload carries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import VersionedModel

__all__ = ["IcsFeedToken", "ReminderDelivery", "ReminderPolicy", "RobotEndpoint"]

# The offset of the one-off escalation to the legal manager once a deadline is overdue.
ESCALATION_OFFSET = -1
DEFAULT_OFFSETS = [30, 7, 3, 1, 0]


class ReminderPolicy(VersionedModel):
    """When and how to remind of one type of deadline. ``deadline_kind`` "" is the default for every
    type without a policy of its own; an inactive policy switches reminders for its type off."""

    class DayBasis(models.TextChoices):
        CALENDAR = "calendar", _("Calendar days")
        WORKING = "working", _("Working days (law calendar)")

    deadline_kind = models.CharField(_("deadline type"), max_length=40, blank=True, unique=True)
    offsets = models.JSONField(_("days before"), default=list)
    day_basis = models.CharField(_("counted in"), max_length=10, choices=DayBasis.choices, default=DayBasis.CALENDAR)
    channels = models.JSONField(_("channels"), default=list)
    escalate_overdue = models.BooleanField(_("escalate to the legal manager when overdue"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        ordering = ["deadline_kind"]

    def __str__(self) -> str:
        return self.deadline_kind or "default"


class RobotEndpoint(VersionedModel):
    """A group-chat robot (企业微信 / 钉钉 / 飞书) for one unit and its subtree, or for all units (``unit`` null).

    The webhook URL carries the robot's access token and the signing secret is a credential, so both
    are stored encrypted (loanlit.core.crypto); ``url_hint`` is the host, for lists.
    """

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        FEISHU = "feishu", _("Feishu group robot")

    kind = models.CharField(_("platform"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    url_envelope = models.TextField(_("webhook URL (encrypted)"))
    url_hint = models.CharField(_("webhook host"), max_length=200)
    secret_envelope = models.TextField(_("signing secret (encrypted)"), blank=True)
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("chat robot")
        verbose_name_plural = _("chat robots")
        ordering = ["kind", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class ReminderDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        ABANDONED = "abandoned", _("Failed, no more retries")
        SKIPPED = "skipped", _("Not sent")

    # The scan inserts tens of thousands of rows in one statement, each selected from an existing deadline
    # in that very statement; a database-level check would lock every deadline row once more and doubled
    # the scan's time (bench/bench_reminders.py). Django still cascades a deleted deadline's rows, and the
    # sender claims only rows whose deadline exists. The unique constraint (deadline, offset, channel,
    # recipient_key) leads with the deadline and serves its lookups, so there is no separate index.
    deadline = models.ForeignKey(
        "deadlines.Deadline",
        verbose_name=_("deadline"),
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,
        db_constraint=False,
    )
    offset = models.SmallIntegerField(_("days before"))
    channel = models.CharField(_("channel"), max_length=50)
    # Copied from the deadline's responsible user or the escalation's legal manager, both read in the same
    # scan; the database-level check would cost a locking lookup per inserted row (the scan inserts tens of
    # thousands at once), and Django still cascades a deleted user's rows (users are deactivated, not deleted).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # "user:<id>" or "robot": NULLs never collide in a unique index, so the key is spelled out.
    recipient_key = models.CharField(_("recipient key"), max_length=40)
    anchor_on = models.DateField(_("reminded of the date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_token = models.CharField(_("claim"), max_length=32, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Both are set only once a row is sent; partial indexes (below) skip the NULLs the scan inserts.
    endpoint = models.ForeignKey(
        RobotEndpoint,
        verbose_name=_("chat robot"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    notification = models.ForeignKey(
        "notifications.Notification",
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Copied from the deadline (whose own creditor is a checked, protected foreign key) so the delivery log
    # is scoped by one indexed prefix query; the scope index leads with the creditor.
    unit_path = models.CharField(_("unit path"), max_length=255)
    creditor = models.ForeignKey(
        "core.Creditor",
        verbose_name=_("creditor"),
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "offset", "channel", "recipient_key"], name="deadlines_reminder_once"
            ),
        ]
        indexes = [
            # Only rows still to send: sent rows, the bulk of the table over time, stay out of the sender's index.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="deadlines_reminder_due_idx",
                condition=Q(status__in=["pending", "sending", "failed"]),
            ),
            models.Index(fields=["creditor", "unit_path", "-created_at"], name="deadlines_reminder_scope_idx"),
            models.Index(
                fields=["recipient"], name="deadlines_reminder_user_idx", condition=Q(recipient__isnull=False)
            ),
            models.Index(
                fields=["notification"], name="deadlines_reminder_notif_idx", condition=Q(notification__isnull=False)
            ),
            models.Index(fields=["endpoint"], name="deadlines_reminder_robot_idx", condition=Q(endpoint__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id}/{self.offset}/{self.channel}/{self.recipient_key}: {self.status}"

    @property
    def idempotency_key(self) -> str:
        return f"loanlit-reminder-{self.pk}"


class IcsFeedToken(models.Model):
    """A secret calendar-feed URL. Only the token's keyed HMAC is stored; revoking ends the URL for good."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="ics_tokens"
    )
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="deadlines_ics_one_active_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {'revoked' if self.revoked_at else 'active'}"
