"""Writes for reminders: policies, chat robots, the set-based scan, sending, and ICS feed tokens.

The scan (``reminders_scan``) works on sets: one ``INSERT … SELECT`` (on PostgreSQL; one per channel
elsewhere) adds a ``ReminderDelivery`` row for every open deadline whose reminder is due today and for
every overdue escalation, and the unique constraint (deadline, offset, channel, recipient) silently
skips rows that exist — so two scanners,
or a scan repeated after a crash, never duplicate a reminder. Sending (``reminder_deliveries_send``)
claims rows with one conditional UPDATE (status + claim token), sends, then marks each row; a crash
between sending and marking leaves the row "sending" until its claim goes stale, so it may be sent
once more, and every payload carries the row id as its idempotency key.

Schedules: a policy's offsets (default 30, 7, 3, 1 days before and 0 = on the day) count calendar or
working days (the law calendar, ``rules.selectors.law_calendar``) back from the deadline's reminder
date — the earlier date for a provisional deadline (law.periods). A reminder missed because no scan
ran (a server down over a weekend) is caught up by the next scan: an offset stays due until the next
smaller offset's date arrives.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loanlit.accounts.models import User
from loanlit.audit import services as audit
from loanlit.audit.changes import diff
from loanlit.core import crypto
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.deadlines import channels as ch
from loanlit.deadlines.models import Deadline, IcsFeedToken, ReminderDelivery, ReminderPolicy, RobotEndpoint
from loanlit.deadlines.models.reminders import DEFAULT_OFFSETS, ESCALATION_OFFSET
from loanlit.law.calendar import Calendar
from loanlit.notifications import channels as registry
from loanlit.notifications.services import notify
from loanlit.rules.selectors import law_calendar, may_manage_reference_data

logger = logging.getLogger(__name__)

MANAGE_CODE: Final = "admin.manage_reference_data"
LEGAL_MANAGER_ROLE: Final = "legal_manager"
MAX_OFFSET: Final = 366
# An overdue deadline is escalated once; a scan that did not run for a while still catches up this far.
ESCALATION_WINDOW_DAYS: Final = 7
MAX_ATTEMPTS: Final = 6
BACKOFF_BASE: Final = timedelta(minutes=1)
BACKOFF_CAP: Final = timedelta(hours=1)
# A row "sending" longer than this belonged to a sender that died; it may be sent once more.
CLAIM_STALE_AFTER: Final = timedelta(minutes=10)
ERROR_MAX_LENGTH: Final = 2000
NOTIFICATION_CODE: Final = "deadlines.reminder"
USER_CHANNELS: Final = (registry.IN_APP, ch.EMAIL)
KNOWN_CHANNELS: Final = (*USER_CHANNELS, *ch.ROBOT_CODES)
DEFAULT_CHANNELS: Final = [registry.IN_APP, ch.EMAIL]
ROBOT_KEY: Final = "robot"

AUDIT_POLICY_SAVED: Final = "reminder_policy.saved"
AUDIT_POLICY_DELETED: Final = "reminder_policy.deleted"
AUDIT_ROBOT_CREATED: Final = "robot_endpoint.created"
AUDIT_ROBOT_UPDATED: Final = "robot_endpoint.updated"
AUDIT_ICS_REGENERATED: Final = "ics_feed.regenerated"
AUDIT_ICS_REVOKED: Final = "ics_feed.revoked"
ICS_PURPOSE: Final = "deadlines:ics-feed"


def _require_manage(actor: AbstractBaseUser | None) -> None:
    if actor is not None and not may_manage_reference_data(actor):
        raise PermissionDeniedError(_("You may not manage reminder settings."), code="reminder_settings_denied")


# --- policies --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectivePolicy:
    """The policy that applies to a set of deadline types (a row, or the built-in default)."""

    kinds: tuple[str, ...]
    offsets: tuple[int, ...]  # descending, unique
    day_basis: str
    channels: tuple[str, ...]
    escalate_overdue: bool


def _clean_offsets(offsets: Iterable[Any]) -> list[int]:
    cleaned: set[int] = set()
    for value in offsets:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError(_("Days before must be whole numbers."), code="bad_offsets") from None
        if not 0 <= number <= MAX_OFFSET:
            raise DomainError(_("Days before must be between 0 and %(max)d.") % {"max": MAX_OFFSET}, code="bad_offsets")
        cleaned.add(number)
    return sorted(cleaned, reverse=True)


def _clean_channels(channels: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(channels))
    unknown = [code for code in cleaned if code not in KNOWN_CHANNELS]
    if unknown:
        raise DomainError(_("Unknown channel: %(code)s.") % {"code": unknown[0]}, code="bad_channel")
    if not cleaned:
        raise DomainError(_("Choose at least one channel."), code="no_channel")
    return cleaned


@transaction.atomic
def reminder_policy_save(
    *,
    actor: AbstractBaseUser | None,
    deadline_kind: str,
    offsets: Sequence[Any],
    day_basis: str,
    channels: Sequence[str],
    escalate_overdue: bool,
    is_active: bool = True,
) -> ReminderPolicy:
    """Create or replace the reminder policy for one deadline type ("" = the default for all others)."""
    _require_manage(actor)
    if deadline_kind and deadline_kind not in Deadline.Kind.values:
        raise DomainError(_("Unknown deadline type."), code="bad_kind")
    if day_basis not in ReminderPolicy.DayBasis.values:
        raise DomainError(_("Choose calendar or working days."), code="bad_basis")
    values: dict[str, Any] = {
        "offsets": _clean_offsets(offsets),
        "day_basis": day_basis,
        "channels": _clean_channels(channels),
        "escalate_overdue": bool(escalate_overdue),
        "is_active": bool(is_active),
    }
    if not values["offsets"] and not values["escalate_overdue"]:
        raise DomainError(
            _("Enter at least one reminder day or switch on escalation; to stop reminders, deactivate the policy."),
            code="empty_policy",
        )
    existing = ReminderPolicy.objects.select_for_update().filter(deadline_kind=deadline_kind).first()
    if existing is None:
        policy = ReminderPolicy.objects.create(deadline_kind=deadline_kind, **values)
        audit.record(
            actor=actor,
            action=AUDIT_POLICY_SAVED,
            target=policy,
            changes=diff({}, {"deadline_kind": deadline_kind, **values}),
        )
        return policy
    before = {name: getattr(existing, name) for name in values}
    changes = diff(before, values)
    if not changes:
        return existing
    for name, value in values.items():
        setattr(existing, name, value)
    existing.version += 1
    existing.save(update_fields=[*values, "version", "updated_at"])
    audit.record(actor=actor, action=AUDIT_POLICY_SAVED, target=existing, changes=changes)
    return existing


@transaction.atomic
def reminder_policy_delete(*, actor: AbstractBaseUser | None, policy: ReminderPolicy) -> None:
    """Remove a type's policy: the default policy applies to that type again."""
    _require_manage(actor)
    locked = ReminderPolicy.objects.select_for_update().filter(pk=policy.pk).first()
    if locked is None:
        raise DomainError(_("This reminder policy no longer exists."), code="missing")
    target = audit.TargetRef(type="deadlines.reminderpolicy", id=str(locked.pk), repr=str(locked))
    before = {"deadline_kind": locked.deadline_kind, "offsets": locked.offsets, "channels": locked.channels}
    locked.delete()
    audit.record(actor=actor, action=AUDIT_POLICY_DELETED, target=target, changes=diff(before, {}))


def effective_policies() -> list[EffectivePolicy]:
    """One entry per group of deadline types sharing a schedule; inactive types are left out."""
    rows = {row.deadline_kind: row for row in ReminderPolicy.objects.all()}
    default = rows.get("")
    groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for kind in Deadline.Kind.values:
        row = rows.get(kind, default)
        if row is None:
            key: tuple[Any, ...] = (
                tuple(DEFAULT_OFFSETS),
                ReminderPolicy.DayBasis.CALENDAR,
                tuple(DEFAULT_CHANNELS),
                True,
            )
        elif not row.is_active:
            continue
        else:
            key = (tuple(_clean_offsets(row.offsets)), row.day_basis, tuple(row.channels), row.escalate_overdue)
        groups[key].append(kind)
    return [
        EffectivePolicy(kinds=tuple(kinds), offsets=key[0], day_basis=key[1], channels=key[2], escalate_overdue=key[3])
        for key, kinds in groups.items()
    ]


# --- schedule arithmetic ---------------------------------------------------------------------------


def remind_on(anchor: date, offset: int, *, day_basis: str, calendar: Calendar) -> date:
    """The day the ``offset`` reminder for ``anchor`` is due.

    Calendar days: ``anchor − offset``. Working days: the day ``offset`` working days of the law
    calendar before ``anchor`` (0 = the anchor itself), so a 3-working-day reminder before a deadline
    just after Spring Festival falls before the holiday, not in it.
    """
    if offset <= 0 or day_basis != ReminderPolicy.DayBasis.WORKING:
        return anchor - timedelta(days=offset)
    day = anchor
    counted = 0
    while counted < offset:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def due_windows(policy: EffectivePolicy, *, today: date, calendar: Calendar) -> dict[int, list[tuple[date, date]]]:
    """For each offset, the ranges of anchor dates whose current reminder today is that offset.

    An offset is current from its own date until the next smaller offset's date; the smallest is
    current until the anchor itself. Dates are walked one by one over a short horizon.
    """
    offsets = sorted(policy.offsets)  # ascending: 0, 1, 3, 7, 30
    if not offsets:
        return {}
    horizon = offsets[-1] if policy.day_basis != ReminderPolicy.DayBasis.WORKING else offsets[-1] * 3 + 40
    windows: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for step in range(horizon + 1):
        anchor = today + timedelta(days=step)
        current = None
        for offset in offsets:  # the smallest offset whose date has come
            if remind_on(anchor, offset, day_basis=policy.day_basis, calendar=calendar) <= today:
                current = offset
                break
        if current is None:
            continue
        ranges = windows[current]
        if ranges and ranges[-1][1] == anchor - timedelta(days=1):
            ranges[-1] = (ranges[-1][0], anchor)
        else:
            ranges.append((anchor, anchor))
    return dict(windows)


def _anchor_q(low: date, high: date) -> Q:
    # Two index-friendly branches instead of COALESCE, so (status, reminder_date) stays usable.
    return Q(reminder_date__range=(low, high)) | Q(reminder_date__isnull=True, due_on__range=(low, high))


# --- the scan --------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    today: date
    inserted: dict[str, int] = field(default_factory=dict)
    escalations: int = 0

    @property
    def total(self) -> int:
        return sum(self.inserted.values()) + self.escalations


_COLUMNS: Final = (
    "deadline_id",
    "offset",
    "channel",
    "recipient_id",
    "recipient_key",
    "anchor_on",
    "status",
    "attempts",
    "next_attempt_at",
    "claim_token",
    "last_error",
    "created_at",
    "unit_path",
    "creditor_id",
)


@dataclass(frozen=True)
class _Part:
    """One SELECT yielding delivery rows as ``r_<column>`` in ``_COLUMNS`` order, for one channel."""

    sql: str
    params: tuple[Any, ...]
    channel: str
    escalation: bool = False


def _part(queryset: QuerySet[Any], *, channel: str, escalation: bool = False) -> _Part:
    sql, params = queryset.query.sql_with_params()
    return _Part(sql=sql, params=tuple(params), channel=channel, escalation=escalation)


def _column(name: str) -> str:
    field = ReminderDelivery._meta.get_field(name.removesuffix("_id"))
    assert isinstance(field, models.Field) and field.column
    return field.column


def _insert_parts(parts: Sequence[_Part]) -> dict[tuple[str, bool], int]:
    """``INSERT … SELECT`` every part, skipping rows that exist; the count inserted per (channel, escalation).

    The unique constraint settles duplicates: ``ON CONFLICT DO NOTHING`` (``INSERT OR IGNORE`` / ``IGNORE``)
    probes it per row, which also keeps a repeated scan cheap without reading the table's history. On
    PostgreSQL all parts go in one statement: each deadline's foreign-key check then locks its row once for
    all channels, and ``RETURNING`` gives the counts.
    """
    if not parts:
        return {}
    quote = connection.ops.quote_name
    table = quote(ReminderDelivery._meta.db_table)
    columns = ", ".join(quote(_column(name)) for name in _COLUMNS)
    picks = ", ".join(f"due.{quote('r_' + c)}" for c in _COLUMNS)
    counts: dict[tuple[str, bool], int] = defaultdict(int)
    if connection.vendor == "postgresql":
        union = " UNION ALL ".join(f"({part.sql})" for part in parts)
        offset, channel = quote("offset"), quote("channel")
        sql = (
            f"WITH ins AS (INSERT INTO {table} ({columns}) SELECT {picks} FROM ({union}) due"  # noqa: S608
            f" ON CONFLICT DO NOTHING RETURNING {channel}, {offset})"
            f" SELECT {channel}, {offset} = %s, COUNT(*) FROM ins GROUP BY 1, 2"
        )
        params = [p for part in parts for p in part.params] + [ESCALATION_OFFSET]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for code, escalation, count in cursor.fetchall():
                counts[(code, bool(escalation))] += count
        return dict(counts)
    head = "INSERT OR IGNORE INTO" if connection.vendor == "sqlite" else "INSERT IGNORE INTO"
    with connection.cursor() as cursor:
        for part in parts:
            cursor.execute(f"{head} {table} ({columns}) SELECT {picks} FROM ({part.sql}) due", part.params)  # noqa: S608
            counts[(part.channel, part.escalation)] += max(cursor.rowcount, 0)
    return dict(counts)


def _row_values(
    queryset: QuerySet[Deadline], *, offset: Any, channel: str, now: datetime, robot: bool, anchor: Any
) -> QuerySet[Any]:
    if robot:
        recipient_id: Any = Cast(Value(None), BigIntegerField())
        recipient_key: Any = Value(ROBOT_KEY)
    else:
        recipient_id = F("responsible_id")
        recipient_key = Concat(Value("user:"), Cast("responsible_id", CharField()), output_field=CharField())
    return queryset.annotate(
        r_deadline_id=F("pk"),
        r_offset=offset,
        r_channel=Value(channel),
        r_recipient_id=recipient_id,
        r_recipient_key=recipient_key,
        r_anchor_on=anchor,
        r_status=Value(ReminderDelivery.Status.PENDING.value),
        r_attempts=Value(0),
        r_next_attempt_at=Value(now, output_field=DateTimeField()),
        r_claim_token=Value(""),
        r_last_error=Value(""),
        r_created_at=Value(now, output_field=DateTimeField()),
        r_unit_path=F("unit_path"),
        r_creditor_id=F("creditor_id"),
    ).values(*(f"r_{c}" for c in _COLUMNS))


def _recipients_filter(queryset: QuerySet[Deadline], channel: str) -> QuerySet[Deadline]:
    queryset = queryset.filter(responsible__isnull=False, responsible__is_active=True)
    if channel == ch.EMAIL:
        queryset = queryset.exclude(responsible__email="")
    return queryset


def _active_robot_kinds() -> set[str]:
    return set(RobotEndpoint.objects.filter(is_active=True).values_list("kind", flat=True).distinct())


def due_deadlines_q(policies: Sequence[EffectivePolicy], *, today: date, calendar: Calendar) -> tuple[Q, Any]:
    """The due condition over open deadlines and the CASE giving each one's current offset."""
    condition = Q(pk__in=[])
    whens: list[When] = []
    for policy in policies:
        for offset, ranges in due_windows(policy, today=today, calendar=calendar).items():
            anchor = Q(pk__in=[])
            for low, high in ranges:
                anchor |= _anchor_q(low, high)
            branch = Q(kind__in=policy.kinds) & anchor
            condition |= branch
            whens.append(When(branch, then=Value(offset)))
    offset_case = Case(*whens, default=Value(None), output_field=IntegerField()) if whens else None
    return condition, offset_case


def reminders_scan(*, today: date | None = None, now: datetime | None = None) -> ScanResult:
    """Insert every reminder due today and the overdue escalations, set-based (one ``INSERT … SELECT``).

    Not wrapped in a transaction of its own: each statement commits by itself, so a concurrent scanner only
    waits on the conflicting rows and a crash leaves nothing half-done that the next scan would not redo.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    calendar = law_calendar()
    policies = effective_policies()
    robots = _active_robot_kinds()
    parts: list[_Part] = []
    open_deadlines = Deadline.objects.filter(status=Deadline.Status.OPEN)
    anchor = Coalesce("reminder_date", "due_on")
    for channel in KNOWN_CHANNELS:
        with_channel = [p for p in policies if channel in p.channels]
        if not with_channel or (channel in ch.ROBOT_CODES and channel not in robots):
            continue
        condition, offset_case = due_deadlines_q(with_channel, today=today, calendar=calendar)
        if offset_case is None:
            continue
        queryset = open_deadlines.filter(condition).order_by()
        robot = channel in ch.ROBOT_CODES
        if not robot:
            queryset = _recipients_filter(queryset, channel)
        rows = _row_values(queryset, offset=offset_case, channel=channel, now=now, robot=robot, anchor=anchor)
        parts.append(_part(rows, channel=channel))
    parts += _escalation_parts(policies, today=today, now=now, robots=robots)
    counts = _insert_parts(parts)
    result = ScanResult(today=today)
    for (channel, escalation), count in sorted(counts.items()):
        if escalation:
            result.escalations += count
        else:
            result.inserted[channel] = count
    for part in parts:  # a channel that was scanned and found nothing reports 0
        if not part.escalation:
            result.inserted.setdefault(part.channel, 0)
    return result


def _legal_managers() -> dict[str, list[tuple[int, set[int], bool]]]:
    """Active legal managers by unit path, each with the creditors they serve and whether they have e-mail."""
    users = User.objects.filter(role__code=LEGAL_MANAGER_ROLE, is_active=True, unit__isnull=False)
    creditors: dict[int, set[int]] = defaultdict(set)
    for user_id, creditor_id in User.creditors.through.objects.filter(user__in=users).values_list(
        "user_id", "creditor_id"
    ):
        creditors[user_id].add(creditor_id)
    by_unit: dict[str, list[tuple[int, set[int], bool]]] = defaultdict(list)
    for user_id, path, email in users.values_list("pk", "unit__path", "email"):
        by_unit[path].append((user_id, creditors[user_id], bool(email)))
    return by_unit


def escalation_recipients(
    unit_path: str, creditor_id: int, managers: dict[str, list[tuple[int, set[int], bool]]], *, email: bool = False
) -> list[int]:
    """The legal managers of the unit, else of the nearest ancestor unit that has one (for the creditor).

    With ``email``, only those with an address (a manager without one still gets the in-app escalation).
    """
    segments = [s for s in unit_path.split(".") if s]
    for depth in range(len(segments), 0, -1):
        prefix = ".".join(segments[:depth]) + "."
        found = [user_id for user_id, served, _mail in managers.get(prefix, []) if creditor_id in served]
        if found:
            with_mail = {user_id for user_id, _served, mail in managers.get(prefix, []) if mail}
            return sorted(u for u in found if u in with_mail) if email else sorted(found)
    return []


def _scopes_sql(rows: Sequence[tuple[str, int, int, str, str]]) -> tuple[str, list[Any]]:
    """A derived table (unit_path, creditor_id, user_id, recipient_key, channel) of literal rows, portable."""
    one = "SELECT %s AS unit_path, %s AS creditor_id, %s AS user_id, %s AS recipient_key, %s AS channel"
    return " UNION ALL ".join([one] * len(rows)), [value for row in rows for value in row]


def _escalation_parts(
    policies: Sequence[EffectivePolicy], *, today: date, now: datetime, robots: set[str]
) -> list[_Part]:
    """Overdue and not done or waived: one escalation per deadline, to the managers and robot groups.

    Set-based like the reminders: the managers are resolved once per (unit, creditor) among the overdue
    deadlines — a handful of rows — and joined to the deadlines in SQL.
    """
    escalating = [p for p in policies if p.escalate_overdue]
    if not escalating:
        return []
    overdue = Deadline.objects.filter(
        status__in=[Deadline.Status.OPEN, Deadline.Status.MISSED],
        due_on__range=(today - timedelta(days=ESCALATION_WINDOW_DAYS), today - timedelta(days=1)),
    ).order_by()
    # Escalated by an earlier scan: read before the insert, not as an anti-join inside it. Inside it the
    # planner, seeing a small or never-analysed table (a first scan), probes the delivery table by a full
    # scan per deadline while the same statement fills it — quadratic (39 s at 1M deadlines in the bench).
    escalated = set(
        ReminderDelivery.objects.filter(
            offset=ESCALATION_OFFSET, deadline__in=overdue.values("pk"), created_at__lt=now
        ).values_list("deadline_id", flat=True)
    )
    if escalated:
        overdue = overdue.exclude(pk__in=sorted(escalated))
    quote = connection.ops.quote_name
    parts: list[_Part] = []
    managers: dict[str, list[tuple[int, set[int], bool]]] | None = None
    for policy in escalating:
        candidates = overdue.filter(kind__in=policy.kinds)
        user_channels = [c for c in policy.channels if c in USER_CHANNELS]
        rows_qs = _row_values(
            candidates,
            offset=Value(ESCALATION_OFFSET),
            channel="",
            now=now,
            robot=True,
            anchor=F("due_on"),
        )
        if user_channels:
            scopes = list(candidates.values_list("unit_path", "creditor_id").distinct())
            if scopes and managers is None:
                managers = _legal_managers()
            rows = [
                (unit_path, creditor_id, user_id, f"user:{user_id}", channel)
                for unit_path, creditor_id in scopes
                for channel in user_channels
                for user_id in escalation_recipients(unit_path, creditor_id, managers or {}, email=channel == ch.EMAIL)
            ]
            deadline_sql, deadline_params = rows_qs.query.sql_with_params()
            overrides = {"channel": "m.channel", "recipient_id": "m.user_id", "recipient_key": "m.recipient_key"}
            picks = ", ".join(f"{overrides.get(c, 'e.' + quote('r_' + c))} AS {quote('r_' + c)}" for c in _COLUMNS)
            join = f"e.{quote('r_unit_path')} = m.unit_path AND e.{quote('r_creditor_id')} = m.creditor_id"
            for channel in user_channels:  # one part per channel, so SQLite counts each on its own
                channel_rows = [row for row in rows if row[4] == channel]
                if not channel_rows:
                    continue
                scope_sql, scope_params = _scopes_sql(channel_rows)
                parts.append(
                    _Part(
                        sql=f"SELECT {picks} FROM ({deadline_sql}) e INNER JOIN ({scope_sql}) m ON {join}",  # noqa: S608
                        params=(*deadline_params, *scope_params),
                        channel=channel,
                        escalation=True,
                    )
                )
        for channel in policy.channels:
            if channel in ch.ROBOT_CODES and channel in robots:
                robot_rows = _row_values(
                    candidates,
                    offset=Value(ESCALATION_OFFSET),
                    channel=channel,
                    now=now,
                    robot=True,
                    anchor=F("due_on"),
                )
                parts.append(_part(robot_rows, channel=channel, escalation=True))
    return parts


# --- sending ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    delivery_id: int
    channel: str
    recipient: str
    case_no: str
    kind: str
    offset: int
    status: str
    error: str = ""


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, at most an hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _sendable_q(now: datetime) -> Q:
    return Q(
        status__in=[ReminderDelivery.Status.PENDING, ReminderDelivery.Status.FAILED], next_attempt_at__lte=now
    ) | Q(status=ReminderDelivery.Status.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER)


def _claim(now: datetime, limit: int) -> tuple[str, list[ReminderDelivery]]:
    """Claim up to ``limit`` sendable rows with one conditional UPDATE; another sender's rows are skipped."""
    token = secrets.token_hex(16)
    candidate_ids = list(
        ReminderDelivery.objects.filter(_sendable_q(now))
        .filter(Exists(Deadline.objects.filter(pk=OuterRef("deadline_id"))))  # no database-level foreign key
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not candidate_ids:
        return token, []
    ReminderDelivery.objects.filter(_sendable_q(now), pk__in=candidate_ids).update(
        status=ReminderDelivery.Status.SENDING, claim_token=token, claimed_at=now, attempts=F("attempts") + 1
    )
    claimed = list(
        ReminderDelivery.objects.filter(claim_token=token, status=ReminderDelivery.Status.SENDING)
        .select_related("deadline", "deadline__case", "deadline__loan", "recipient")
        .order_by("pk")
    )
    return token, claimed


def reference_label(deadline: Deadline) -> str:
    """The internal case number — or, for a loan monitor, the bank's contract number. Never a name."""
    if deadline.case is not None:
        return deadline.case.internal_no
    return deadline.loan.contract_no if deadline.loan is not None else ""


def deadline_link(deadline: Deadline) -> str:
    """The deadline's own page (access is checked there), else its case or loan page."""
    from django.urls import NoReverseMatch, reverse

    for name, args in (("deadlines:detail", [deadline.pk]), ("loans:loan_detail", [deadline.loan_id])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return deadline.case.get_absolute_url() if deadline.case is not None else ""


def _headline(anchor: date, today: date, offset: int) -> str:
    if offset == ESCALATION_OFFSET or anchor < today:
        return _("Overdue")
    days = (anchor - today).days
    if days == 0:
        return _("Due today")
    return ngettext("Due in %(days)d day", "Due in %(days)d days", days) % {"days": days}


def build_message(delivery: ReminderDelivery, *, today: date, absolute: bool) -> ch.ReminderMessage:
    """The whitelisted reminder text for one delivery (DESIGN rule 11): no party, no ID, no amount."""
    deadline = delivery.deadline
    anchor = deadline.reminder_date or deadline.due_on
    link = deadline_link(deadline)
    return ch.ReminderMessage(
        idempotency_key=delivery.idempotency_key,
        case_no=reference_label(deadline),
        event=str(deadline.get_kind_display()),
        due_on=deadline.due_on,
        headline=_headline(anchor, today, delivery.offset),
        unconfirmed=not deadline.confirmed,
        link=ch.absolute_link(link) if absolute else link,
    )


def robot_target_for_unit_path(*, kind: str, unit_path: str) -> ch.RobotTarget | None:
    endpoint = robot_endpoint_for_unit_path(kind=kind, unit_path=unit_path)
    return ch.decrypt_target(endpoint.url_envelope, endpoint.secret_envelope) if endpoint else None


def robot_endpoint_for_unit_path(*, kind: str, unit_path: str) -> RobotEndpoint | None:
    """The active robot of the unit or its nearest ancestor; else the one for all units."""
    best: RobotEndpoint | None = None
    best_depth = -1
    for endpoint in RobotEndpoint.objects.filter(kind=kind, is_active=True).select_related("unit").order_by("pk"):
        if endpoint.unit is None:
            depth = 0
        elif unit_path.startswith(endpoint.unit.path):
            depth = len(endpoint.unit.path)
        else:
            continue
        if depth > best_depth:
            best, best_depth = endpoint, depth
    return best


def _finish(delivery: ReminderDelivery, token: str, **values: Any) -> None:
    ReminderDelivery.objects.filter(pk=delivery.pk, claim_token=token).update(**values)


def _deliver_one(delivery: ReminderDelivery, token: str, *, today: date, now: datetime) -> tuple[str, str]:
    deadline = delivery.deadline
    closed = (Deadline.Status.DONE, Deadline.Status.WAIVED)
    if deadline.status in closed or (delivery.offset >= 0 and deadline.status != Deadline.Status.OPEN):
        _finish(delivery, token, status=ReminderDelivery.Status.SKIPPED, last_error="deadline no longer open")
        return ReminderDelivery.Status.SKIPPED.value, "deadline no longer open"
    if delivery.channel == registry.IN_APP:
        # The notification and the mark commit together: the in-app reminder is exactly once.
        message = build_message(delivery, today=today, absolute=False)
        with transaction.atomic():
            if delivery.recipient is None:
                raise ch.ChannelSendError("an in-app reminder needs a recipient")
            notification = notify(
                recipients=[delivery.recipient],
                code=NOTIFICATION_CODE,
                title=message.title[:200],
                body=message.body,
                link=message.link,
                target=deadline,
            )[0]
            _finish(delivery, token, status=ReminderDelivery.Status.SENT, sent_at=now, notification=notification)
        return ReminderDelivery.Status.SENT.value, ""
    message = build_message(delivery, today=today, absolute=True)
    endpoint: RobotEndpoint | None = None
    if delivery.channel == ch.EMAIL:
        ch.email_channel.send(message, address=delivery.recipient.email if delivery.recipient else "")
    elif delivery.channel in ch.robot_channels:
        endpoint = robot_endpoint_for_unit_path(kind=delivery.channel, unit_path=delivery.unit_path)
        if endpoint is None:
            raise ch.ChannelSendError("no active robot is configured for this unit")
        target = ch.decrypt_target(endpoint.url_envelope, endpoint.secret_envelope)
        ch.robot_channels[delivery.channel].send(message, target=target)
    else:
        raise ch.ChannelSendError(f"unknown channel {delivery.channel!r}")
    _finish(delivery, token, status=ReminderDelivery.Status.SENT, sent_at=now, last_error="", endpoint=endpoint)
    return ReminderDelivery.Status.SENT.value, ""


def reminder_deliveries_send(
    *, now: datetime | None = None, today: date | None = None, limit: int = 500
) -> list[SendOutcome]:
    """Send claimed reminders one by one; a failure is recorded on its row and retried with backoff."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    token, claimed = _claim(now, limit)
    outcomes: list[SendOutcome] = []
    # Reminders go out in the site's language, whichever request or command triggered the round.
    with translation.override(settings.LANGUAGE_CODE):
        for delivery in claimed:
            outcomes.append(_send_claimed(delivery, token, today=today, now=now))
    return outcomes


def _send_claimed(delivery: ReminderDelivery, token: str, *, today: date, now: datetime) -> SendOutcome:
    """Send one claimed row and record the outcome on it."""
    try:
        status, error = _deliver_one(delivery, token, today=today, now=now)
    except Exception as exc:  # any mail or robot failure is recorded on the row, never raised
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
        logger.warning("reminder %s via %s failed: %s", delivery.pk, delivery.channel, error)
        attempts = delivery.attempts  # already counted by the claim
        if attempts >= MAX_ATTEMPTS:
            status = ReminderDelivery.Status.ABANDONED.value
            _finish(delivery, token, status=status, last_error=error, next_attempt_at=None)
        else:
            status = ReminderDelivery.Status.FAILED.value
            _finish(delivery, token, status=status, last_error=error, next_attempt_at=now + backoff(attempts))
    deadline = delivery.deadline
    return SendOutcome(
        delivery_id=delivery.pk,
        channel=delivery.channel,
        recipient=delivery.recipient.get_username() if delivery.recipient else delivery.recipient_key,
        case_no=reference_label(deadline),
        kind=deadline.kind,
        offset=delivery.offset,
        status=status,
        error=error,
    )


@dataclass(frozen=True)
class RunResult:
    scan: ScanResult
    sent: list[SendOutcome]


def reminders_run(*, today: date | None = None, now: datetime | None = None, limit: int = 500) -> RunResult:
    """One scan and one sending round: ``run_reminders --once`` and the periodic task."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    scan = reminders_scan(today=today, now=now)
    return RunResult(scan=scan, sent=reminder_deliveries_send(now=now, today=today, limit=limit))


# --- chat robots -----------------------------------------------------------------------------------


def _clean_robot(kind: str, name: str, url: str) -> tuple[str, str]:
    if kind not in RobotEndpoint.Kind.values:
        raise DomainError(_("Choose the robot's platform."), code="bad_kind")
    name = name.strip()
    if not name:
        raise DomainError(_("Enter a name for the robot."), code="name_missing")
    url = url.strip()
    try:
        ch.check_robot_url(url)
    except ValueError:
        raise DomainError(_("Enter the robot's webhook URL (http or https)."), code="bad_url") from None
    from urllib.parse import urlsplit

    return name, urlsplit(url).hostname or ""


@transaction.atomic
def robot_endpoint_create(
    *,
    actor: AbstractBaseUser | None,
    kind: str,
    name: str,
    url: str,
    secret: str = "",
    unit: Any = None,
) -> RobotEndpoint:
    """Configure a group robot for a unit's subtree (or for all units); URL and secret are encrypted."""
    _require_manage(actor)
    name, host = _clean_robot(kind, name, url)
    endpoint = RobotEndpoint.objects.create(
        kind=kind,
        name=name,
        url_envelope=ch.encrypt_url(url.strip()),
        url_hint=host,
        secret_envelope=ch.encrypt_secret(secret.strip()),
        unit=unit,
    )
    audit.record(
        actor=actor,
        action=AUDIT_ROBOT_CREATED,
        target=endpoint,
        changes=diff(
            {},
            {
                "kind": kind,
                "name": name,
                "host": host,
                "signed": bool(secret.strip()),
                "unit": unit.pk if unit else None,
            },
        ),
    )
    return endpoint


@transaction.atomic
def robot_endpoint_set_active(
    *, actor: AbstractBaseUser | None, endpoint: RobotEndpoint, is_active: bool
) -> RobotEndpoint:
    _require_manage(actor)
    locked = RobotEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if locked.is_active == is_active:
        return locked
    audit.record(
        actor=actor,
        action=AUDIT_ROBOT_UPDATED,
        target=locked,
        changes=diff({"is_active": locked.is_active}, {"is_active": is_active}),
    )
    locked.is_active = is_active
    locked.version += 1
    locked.save(update_fields=["is_active", "version", "updated_at"])
    return locked


# --- ICS feed tokens -------------------------------------------------------------------------------


def ics_token_digest(token: str) -> str:
    return crypto.keyed_hmac(token, purpose=ICS_PURPOSE)


@transaction.atomic
def ics_feed_regenerate(*, user: AbstractBaseUser) -> str:
    """Revoke the user's feed URL (if any) and issue a new one; returns the token, shown once."""
    now = timezone.now()
    IcsFeedToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    row = IcsFeedToken.objects.create(user_id=user.pk, token_digest=ics_token_digest(token), created_at=now)
    audit.record(actor=user, action=AUDIT_ICS_REGENERATED, target=row, stream=audit.stream_key("user", user.pk))
    return token


@transaction.atomic
def ics_feed_revoke(*, user: AbstractBaseUser) -> int:
    """End the user's feed URL for good; returns how many URLs were revoked (0 or 1)."""
    revoked = IcsFeedToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit.record(
            actor=user,
            action=AUDIT_ICS_REVOKED,
            target=audit.TargetRef(type="accounts.user", id=str(user.pk), repr=str(user)),
            stream=audit.stream_key("user", user.pk),
        )
    return revoked


def ics_feed_user_for_token(token: str) -> User | None:
    """The active user a feed token belongs to, or None (revoked, unknown, inactive user)."""
    if not token or len(token) > 128:
        return None
    row = (
        IcsFeedToken.objects.filter(token_digest=ics_token_digest(token), revoked_at__isnull=True)
        .select_related("user", "user__role", "user__unit")
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    # Noted at most once an hour: a feed is polled often and each poll need not write.
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > timedelta(hours=1):
        IcsFeedToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
