"""Reads for the reminder pages and the ICS feed, scoped to the user (DESIGN rule 2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.accounts.selectors import scope_q
from loanlit.cases.access import cases_visible_to
from loanlit.cases.models import Hearing
from loanlit.core.errors import PermissionDeniedError
from loanlit.deadlines import ics
from loanlit.deadlines.channels import absolute_link
from loanlit.deadlines.models import Deadline, IcsFeedToken, ReminderDelivery, ReminderPolicy, RobotEndpoint
from loanlit.deadlines.models.reminders import DEFAULT_OFFSETS
from loanlit.deadlines.services.reminders import DEFAULT_CHANNELS, deadline_link, reference_label
from loanlit.rules.selectors import may_manage_reference_data

ICS_PAST_DAYS = 30
ICS_MAX_EVENTS = 2000


def require_manage(user: Any) -> None:
    if not may_manage_reference_data(user):
        raise PermissionDeniedError(_("You may not manage reminder settings."), code="reminder_settings_denied")


@dataclass(frozen=True)
class PolicyRow:
    kind: str  # "" for the default
    label: str
    policy: ReminderPolicy | None  # None: the built-in default or (for a type) the default applies
    offsets: list[int]
    day_basis: str
    channels: list[str]
    escalate_overdue: bool
    is_active: bool
    inherited: bool


def reminder_policy_rows_for_user(*, user: Any) -> list[PolicyRow]:
    """The default policy and one row per deadline type, saying which applies."""
    require_manage(user)
    rows = {row.deadline_kind: row for row in ReminderPolicy.objects.all()}
    default = rows.get("")
    result = [_policy_row("", str(_("Default for every type")), default, None)]
    for kind, label in Deadline.Kind.choices:
        result.append(_policy_row(kind, str(label), rows.get(kind), default))
    return result


def _policy_row(kind: str, label: str, own: ReminderPolicy | None, default: ReminderPolicy | None) -> PolicyRow:
    source = own or default
    if source is None:
        return PolicyRow(
            kind, label, own, list(DEFAULT_OFFSETS), ReminderPolicy.DayBasis.CALENDAR, list(DEFAULT_CHANNELS), True,
            True, own is None and kind != "",
        )  # fmt: skip
    return PolicyRow(
        kind,
        label,
        own,
        list(source.offsets),
        source.day_basis,
        list(source.channels),
        source.escalate_overdue,
        source.is_active,
        own is None and kind != "",
    )


def reminder_policy_find_for_user(*, user: Any, kind: str) -> ReminderPolicy | None:
    require_manage(user)
    return ReminderPolicy.objects.filter(deadline_kind=kind).first()


def robot_endpoint_list_for_user(*, user: Any) -> QuerySet[RobotEndpoint]:
    require_manage(user)
    return RobotEndpoint.objects.select_related("unit").order_by("kind", "name", "pk")


def robot_endpoint_get_for_user(*, user: Any, pk: int) -> RobotEndpoint:
    require_manage(user)
    return get_object_or_404(RobotEndpoint, pk=pk)


def reminder_delivery_log_for_user(*, user: Any, status: str = "") -> QuerySet[ReminderDelivery]:
    """Deliveries of the user's unit subtree and creditors, newest first (administrators, legal managers)."""
    require_manage(user)
    queryset = ReminderDelivery.objects.filter(scope_q(user, unit_path_field="unit_path", creditor_field="creditor"))
    if status in ReminderDelivery.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.select_related("deadline", "deadline__case", "deadline__loan", "recipient", "endpoint").order_by(
        "-created_at", "-pk"
    )


def ics_feed_active_for_user(*, user: Any) -> IcsFeedToken | None:
    return IcsFeedToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).first()


def ics_events_for_user(*, user: Any, today: date | None = None) -> list[ics.IcsEvent]:
    """The user's open deadlines and the hearings of the cases they handle, from 30 days back.

    Only what the user may see today (case scope is re-checked on every poll), and only the internal
    case number, kind and date — no party, no amount.
    """
    today = today or timezone.localdate()
    visible = cases_visible_to(user)
    deadlines = (
        Deadline.objects.filter(
            responsible_id=user.pk,
            status__in=[Deadline.Status.OPEN, Deadline.Status.MISSED],
            due_on__gte=today - timedelta(days=ICS_PAST_DAYS),
        )
        .filter(Q(case__isnull=True) | Q(case__in=visible))
        .select_related("case", "loan")
        .order_by("due_on", "pk")[:ICS_MAX_EVENTS]
    )
    events: list[ics.IcsEvent] = []
    for deadline in deadlines:
        summary = _("%(kind)s — %(case_no)s") % {
            "kind": deadline.get_kind_display(),
            "case_no": reference_label(deadline),
        }
        if not deadline.confirmed:
            summary += " " + _("(unconfirmed)")
        link = absolute_link(deadline_link(deadline))
        events.append(
            ics.IcsEvent(
                uid=f"deadline-{deadline.pk}@{ics.UID_DOMAIN}",
                summary=summary,
                start=deadline.due_on,
                description=link,
                url=link if link.startswith("http") else "",
            )
        )
    since = timezone.now() - timedelta(days=ICS_PAST_DAYS)
    team = Q(proceeding__case__handler_id=user.pk) | Q(proceeding__case__co_handlers=user.pk)
    hearings = (
        Hearing.objects.filter(team, proceeding__case__in=visible, starts_at__gte=since)
        .select_related("proceeding__case")
        .distinct()
        .order_by("starts_at", "pk")[:ICS_MAX_EVENTS]
    )
    for hearing in hearings:
        case = hearing.proceeding.case
        link = absolute_link(case.get_absolute_url())
        events.append(
            ics.IcsEvent(
                uid=f"hearing-{hearing.pk}@{ics.UID_DOMAIN}",
                summary=_("%(kind)s — %(case_no)s") % {"kind": hearing.get_kind_display(), "case_no": case.internal_no},
                start=hearing.starts_at,
                description=link,
                url=link if link.startswith("http") else "",
            )
        )
    return events
