"""Append-only audit trail (per-stream hash chains), checkpoints, access log and its seals (DESIGN rule 5).

Rows here are written only by ``loanlit.audit.services``. Database triggers (migration 0002) refuse
UPDATE and DELETE on every table except ``StreamHead``, which is the lock row a writer updates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.audit.hashing import GENESIS_HASH

GLOBAL_STREAM = "global"
# Reserved chain names start with "#": they cannot collide with a caller's stream key.
CHECKPOINT_CHAIN = "#checkpoint"
ACCESS_SEAL_CHAIN = "#access-log-seal"


class StreamHead(models.Model):
    """The last link of one chain. Appending locks this row, so a chain never forks."""

    stream = models.CharField(_("stream"), max_length=100, unique=True)
    last_seq = models.PositiveBigIntegerField(_("last sequence number"), default=0)
    last_hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)
    checkpointed_seq = models.PositiveBigIntegerField(_("sequence number in the last checkpoint"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stream head")
        verbose_name_plural = _("stream heads")

    def __str__(self) -> str:
        return f"{self.stream}#{self.last_seq}"


class AuditEntry(models.Model):
    """One state change: who did what to which record, old → new, linked to the previous entry."""

    stream = models.CharField(_("stream"), max_length=100)
    seq = models.PositiveBigIntegerField(_("sequence number"))
    created_at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # A user with audit entries is deactivated, never deleted: SET_NULL would be an UPDATE here.
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_display = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_entry_stream_seq_unique")]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_entry_target_idx"),
            models.Index(fields=["created_at"], name="audit_entry_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.action}"


class Checkpoint(models.Model):
    """Heads of the streams that moved since the previous checkpoint, chained to it.

    Unchanged heads were covered by an earlier checkpoint, so the newest checkpoint's hash commits
    (through its chain) to every stream head at the time it was taken.
    """

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    created_at = models.DateTimeField(_("at"))
    heads = models.JSONField(_("stream heads"), default=list)  # [[stream, seq, hash], …] sorted by stream
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"


class AccessLog(models.Model):
    """Somebody read personal data, downloaded, exported, or was refused."""

    class Action(models.TextChoices):
        PERSONAL_DATA_READ = "personal_data.read", _("Read unmasked personal data")
        DOWNLOAD = "download", _("Downloaded a file")
        EXPORT = "export", _("Exported data")
        DENIED = "denied", _("Access denied")
        VIEW = "view", _("Viewed a file's details or versions")
        # Sign-in history (issue 10): the access log is the one home for who signed in, from where.
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login.failed", _("Sign-in failed")
        LOGIN_LOCKED = "login.locked", _("Sign-in refused: locked out")
        LOGOUT = "logout", _("Signed out")
        SESSION_TIMEOUT = "session.timeout", _("Signed out after inactivity")
        REAUTH = "reauth", _("Confirmed identity again")
        REAUTH_FAILED = "reauth.failed", _("Identity confirmation failed")
        OTP_FAILED = "otp.failed", _("Wrong one-time code")
        PASSWORD_CHANGED = "password.changed", _("Changed password")

    at = models.DateTimeField(_("at"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        # No database constraint: this row is written in its own transaction and must never wait on
        # (or deadlock with) a lock the caller holds on the user row.
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=50, choices=Action.choices, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    detail = models.JSONField(_("detail"), null=True, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["user", "at"], name="audit_access_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.target_type}:{self.target_id}"


class AccessLogSeal(models.Model):
    """A digest over access-log rows ``first_id``…``last_id``, chained to the previous seal."""

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    created_at = models.DateTimeField(_("at"))
    first_id = models.PositiveBigIntegerField(_("first row"))
    last_id = models.PositiveBigIntegerField(_("last row"))
    row_count = models.PositiveIntegerField(_("rows"))
    digest = models.CharField(_("digest"), max_length=64)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("access log seal")
        verbose_name_plural = _("access log seals")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"seal #{self.seq} ({self.first_id}-{self.last_id})"


class AuditArchive(models.Model):
    """One archive written by ``audit_archive`` (issue 10): what it holds and whether it was pruned.

    Append-only like the rest of the audit. ``manifest_sha256`` is the SHA-256 of the archive's
    ``manifest.json``, which in turn holds the SHA-256 of every part, so the live database vouches
    for the archive's content.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("at"))
    cut = models.DateField(_("before"))
    cut_at = models.DateTimeField(_("cut instant"))
    retention_days = models.PositiveIntegerField(_("retention in days"))
    entries = models.PositiveBigIntegerField(_("audit entries"))
    streams = models.PositiveBigIntegerField(_("streams"))
    checkpoints = models.PositiveBigIntegerField(_("checkpoints"))
    access_rows = models.PositiveBigIntegerField(_("access-log rows"))
    seals = models.PositiveBigIntegerField(_("access-log seals"))
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64)
    pruned = models.BooleanField(_("pruned"), default=False)
    created_by = models.CharField(_("by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("audit archive")
        verbose_name_plural = _("audit archives")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class StreamAnchor(models.Model):
    """Where a pruned chain continues: the last link moved into ``archive`` (issue 10).

    ``stream`` is an audit stream, ``#checkpoint`` or ``#access-log-seal``; ``seq`` and ``hash`` are
    those of the last pruned entry (checkpoint, seal). For the seal chain ``last_id`` is the last
    pruned access-log row. Verification starts each chain from its newest anchor instead of genesis.
    """

    archive = models.ForeignKey(
        AuditArchive, verbose_name=_("archive"), on_delete=models.PROTECT, related_name="anchors"
    )
    stream = models.CharField(_("stream"), max_length=100)
    seq = models.PositiveBigIntegerField(_("sequence number"))
    hash = models.CharField(_("hash"), max_length=64)
    last_id = models.PositiveBigIntegerField(_("last row"), null=True, blank=True)

    class Meta:
        verbose_name = _("stream anchor")
        verbose_name_plural = _("stream anchors")
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_anchor_stream_seq_unique")]

    def __str__(self) -> str:
        return f"{self.stream}@{self.seq}"


class AuditPruneToken(models.Model):
    """SQLite's per-transaction prune marker: the DELETE triggers let a row go only while a token
    exists. ``retention`` inserts one and deletes it again inside the prune's transaction, so a
    token is never committed (``verify`` reports one that was)."""

    created_at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("audit prune token")
        verbose_name_plural = _("audit prune tokens")

    def __str__(self) -> str:
        return f"prune token {self.pk}"
