"""Saved reports of the report builder: create, edit, share with roles, schedule e-mails, delete, send.

* Any holder of ``reports.view`` may save private reports; sharing with roles, scheduling e-mails and
  naming subscribers need ``reports.manage`` (a refused request writes nothing).
* Roles shared with must grant ``reports.view`` and be bank roles (never the external lawyers' role).
* Subscribers must see the report (its owner, or a holder of a shared role serving one of the owner's
  creditors) and have an e-mail address. A scheduled report needs subscribers and vice versa.
* Edits are optimistically versioned: a stale form is refused (``StaleVersionError``, 409).
* ``saved_reports_send_due`` — the scheduled e-mails (weekly on Mondays, monthly on the 1st): each due
  report is claimed with a conditional UPDATE of ``last_sent_on`` (two schedulers never send twice), then
  every subscriber is notified by e-mail with the figures computed in THAT subscriber's scope — aggregates
  only (DESIGN rule 11). Deliveries go through ``notifications`` (logged on ``Delivery`` rows, retried).

Writes are audited on the global stream (a saved report belongs to no case).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any, Final

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.accounts.models import Role, User
from loanlit.audit import services as audit
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.reports.builder_definition import definition_clean
from loanlit.reports.models import SavedReport
from loanlit.reports.selectors import builder as selectors

NAME_MAX: Final = SavedReport._meta.get_field("name").max_length or 120
MAIL_CODE: Final = "reports.scheduled"
EMAIL_CHANNEL: Final = "email"
_UNSET: Any = object()
log = logging.getLogger(__name__)


def _require_view(actor: Any) -> None:
    if not selectors.may_view_reports(actor):
        raise PermissionDeniedError(_("You may not use the statistics."), code="permission_denied")


def _require_manage(actor: Any) -> None:
    if not selectors.may_manage_reports(actor):
        raise PermissionDeniedError(
            _("Only a holder of the right to manage reports may share them with roles or schedule e-mails."),
            code="permission_denied",
        )


def _clean_name(name: Any) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise DomainError(_("Enter a name for the report."), code="name_required")
    if len(name) > NAME_MAX:
        raise DomainError(_("A name has at most %(max)d characters.") % {"max": NAME_MAX}, code="name_too_long")
    return name


def _clean_schedule(schedule: Any) -> str:
    schedule = str(schedule or "")
    if schedule not in SavedReport.Schedule.values:
        raise DomainError(_("Choose how often the report is e-mailed."), code="invalid_schedule")
    return schedule


def shareable_roles() -> list[Role]:
    """Roles a report may be shared with: bank roles that grant ``reports.view``."""
    return [
        role
        for role in Role.objects.filter(is_external=False).order_by("name")
        if selectors.VIEW in (role.permissions or [])
    ]


def _clean_roles(roles: Iterable[Role]) -> list[Role]:
    chosen = list({role.pk: role for role in roles}.values())
    allowed = {role.pk for role in shareable_roles()}
    for role in chosen:
        if role.pk not in allowed:
            raise DomainError(
                _("The role %(role)s may not see statistics: a report cannot be shared with it.") % {"role": role},
                code="role_not_allowed",
            )
    return sorted(chosen, key=lambda r: r.pk)


def _clean_subscribers(*, owner_id: int, roles: list[Role], schedule: str, subscribers: Iterable[User]) -> list[User]:
    chosen = sorted({user.pk: user for user in subscribers}.values(), key=lambda u: u.pk)
    if schedule and not chosen:
        raise DomainError(_("Choose who receives the report by e-mail."), code="subscribers_required")
    if chosen and not schedule:
        raise DomainError(_("Choose how often the report is e-mailed."), code="schedule_required")
    role_ids = [role.pk for role in roles]
    for user in chosen:
        if not selectors.may_receive(owner_id, role_ids, user):
            raise DomainError(
                _("%(user)s does not see this report: share it with their role first.") % {"user": user},
                code="subscriber_not_allowed",
            )
        if not user.email:
            raise DomainError(_("%(user)s has no e-mail address.") % {"user": user}, code="subscriber_no_email")
    return chosen


def _snapshot(
    *, name: str, definition: dict[str, Any], roles: list[Role], schedule: str, subscribers: list[User]
) -> dict[str, Any]:
    return {
        "name": name,
        "definition": definition,
        "shared_with_roles": sorted(role.code for role in roles),
        "schedule": schedule,
        "subscribers": sorted(user.pk for user in subscribers),
    }


def _current(report: SavedReport) -> dict[str, Any]:
    roles = list(report.shared_with_roles.all())
    subscribers = list(report.subscribers.all())
    return _snapshot(
        name=report.name, definition=report.definition, roles=roles, schedule=report.schedule, subscribers=subscribers
    )


@transaction.atomic
def saved_report_create(
    *,
    actor: Any,
    name: str,
    definition: Any,
    shared_with_roles: Iterable[Role] = (),
    schedule: str = "",
    subscribers: Iterable[User] = (),
) -> SavedReport:
    """A new saved report owned by ``actor``; sharing and scheduling need ``reports.manage``."""
    _require_view(actor)
    roles = list(shared_with_roles)
    people = list(subscribers)
    schedule = _clean_schedule(schedule)
    if roles or schedule or people:
        _require_manage(actor)
    name = _clean_name(name)
    checked = definition_clean(definition, actor=actor)
    roles = _clean_roles(roles)
    people = _clean_subscribers(owner_id=actor.pk, roles=roles, schedule=schedule, subscribers=people)
    report = SavedReport.objects.create(name=name, owner=actor, definition=checked, schedule=schedule)
    report.shared_with_roles.set(roles)
    report.subscribers.set(people)
    audit.record(
        actor=actor,
        action="reports.saved_report_created",
        target=report,
        changes=_snapshot(name=name, definition=checked, roles=roles, schedule=schedule, subscribers=people),
    )
    return report


def _lock(report: SavedReport, *, version: int | None) -> SavedReport:
    locked = SavedReport.objects.select_for_update().filter(pk=report.pk).first()
    if locked is None:
        raise DomainError(_("This report was deleted."), code="report_gone")
    if version is not None and locked.version != version:
        raise StaleVersionError(
            _("This report was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return locked


def _require_edit(actor: Any, report: SavedReport) -> None:
    _require_view(actor)
    if not selectors.saved_reports_for_user(actor).filter(pk=report.pk).exists():
        raise PermissionDeniedError(_("You may not change this report."), code="permission_denied")
    if not selectors.may_edit(actor, report):
        raise PermissionDeniedError(_("You may not change this report."), code="permission_denied")


@transaction.atomic
def saved_report_update(
    *,
    actor: Any,
    report: SavedReport,
    version: int,
    name: Any = _UNSET,
    definition: Any = _UNSET,
    shared_with_roles: Any = _UNSET,
    schedule: Any = _UNSET,
    subscribers: Any = _UNSET,
) -> SavedReport:
    """Change what is passed. The owner or a ``reports.manage`` holder who sees it; changing the sharing,
    the schedule or the subscribers needs ``reports.manage``. Refused when ``version`` is stale."""
    _require_edit(actor, report)
    report = _lock(report, version=version)
    before = _current(report)
    new_roles = (
        list(report.shared_with_roles.all()) if shared_with_roles is _UNSET else _clean_roles(list(shared_with_roles))
    )
    new_schedule = report.schedule if schedule is _UNSET else _clean_schedule(schedule)
    new_people = list(report.subscribers.all()) if subscribers is _UNSET else list(subscribers)
    sharing_changed = (
        sorted(r.code for r in new_roles) != before["shared_with_roles"]
        or new_schedule != before["schedule"]
        or sorted({u.pk for u in new_people}) != before["subscribers"]
    )
    if sharing_changed:
        _require_manage(actor)
    new_name = report.name if name is _UNSET else _clean_name(name)
    new_definition = report.definition if definition is _UNSET else definition_clean(definition, actor=actor)
    new_people = _clean_subscribers(
        owner_id=report.owner_id, roles=new_roles, schedule=new_schedule, subscribers=new_people
    )
    after = _snapshot(
        name=new_name, definition=new_definition, roles=new_roles, schedule=new_schedule, subscribers=new_people
    )
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if not changes:
        return report
    report.name, report.definition, report.schedule = new_name, new_definition, new_schedule
    report.version += 1
    report.save(update_fields=["name", "definition", "schedule", "version", "updated_at"])
    if "shared_with_roles" in changes:
        report.shared_with_roles.set(new_roles)
    if "subscribers" in changes:
        report.subscribers.set(new_people)
    audit.record(actor=actor, action="reports.saved_report_updated", target=report, changes=changes)
    return report


@transaction.atomic
def saved_report_delete(*, actor: Any, report: SavedReport) -> None:
    """Delete a saved report (its owner or a ``reports.manage`` holder who sees it)."""
    _require_edit(actor, report)
    report = _lock(report, version=None)
    audit.record(actor=actor, action="reports.saved_report_deleted", target=report, changes=_current(report))
    report.delete()


# --- scheduled e-mails ----------------------------------------------------------------------------------------


def due_schedules(today: dt.date) -> list[str]:
    """The schedules due on ``today`` (a local date): weekly on Mondays, monthly on the first."""
    due = []
    if today.weekday() == 0:
        due.append(SavedReport.Schedule.WEEKLY.value)
    if today.day == 1:
        due.append(SavedReport.Schedule.MONTHLY.value)
    return due


def _claim(report: SavedReport, today: dt.date) -> bool:
    """Stamp today's send with a conditional UPDATE: exactly one scheduler wins it."""
    not_sent_today = Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today)
    return SavedReport.objects.filter(not_sent_today, pk=report.pk).update(last_sent_on=today) == 1


def saved_report_send(*, report: SavedReport, today: dt.date) -> int:
    """Claim and send one due report (atomic: a failure sends nothing and leaves it due); returns the
    e-mails queued (0 when another scheduler already sent it today)."""
    from loanlit.notifications.services import notify

    with transaction.atomic():
        if not _claim(report, today):
            return 0
        link = reverse("reports:saved_detail", args=[report.pk])
        sent = 0
        role_ids = list(report.shared_with_roles.values_list("pk", flat=True))
        for user in report.subscribers.filter(is_active=True).exclude(email="").select_related("role", "unit"):
            if not selectors.may_receive(report.owner_id, role_ids, user):
                continue  # lost access since subscribing (role change, creditor moved): no figures for them
            subject, body = selectors.mail_text(user, report, today=today)
            notify(
                recipients=[user],
                code=MAIL_CODE,
                title=subject,
                body=body,
                link=link,
                target=report,
                channels=[EMAIL_CHANNEL],
            )
            sent += 1
        return sent


def saved_reports_send_due(*, today: dt.date | None = None) -> int:
    """Send every report due today that was not sent today; returns the e-mails queued. One report's failure
    is logged and does not stop the others (it stays due and is tried again at the next run)."""
    today = today or timezone.localdate()
    schedules = due_schedules(today)
    if not schedules:
        return 0
    due = SavedReport.objects.filter(schedule__in=schedules).filter(
        Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today)
    )
    total = 0
    for report in due.order_by("pk"):
        try:
            total += saved_report_send(report=report, today=today)
        except Exception:  # one broken report must not hold back the others' e-mails
            log.exception("scheduled report %s could not be sent", report.pk)
    return total


def scheduled_deliveries_retry(*, limit: int = 200) -> dict[str, int]:
    """Retry failed e-mails of scheduled reports that still have attempts left."""
    from loanlit.notifications.channels import Channel
    from loanlit.notifications.models import Delivery
    from loanlit.notifications.services import deliveries_send

    ids = list(
        Delivery.objects.filter(
            status=Delivery.Status.FAILED, attempts__lt=Channel.max_attempts, notification__code=MAIL_CODE
        )
        .order_by("last_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliveries_send(delivery_ids=ids) if ids else {}
