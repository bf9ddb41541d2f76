"""Writes for notifications: create, deliver through outside channels, mark read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone

from loanlit.core.errors import PermissionDeniedError
from loanlit.notifications import channels as channel_registry
from loanlit.notifications.models import Delivery, Notification

logger = logging.getLogger(__name__)

TITLE_MAX_LENGTH = Notification._meta.get_field("title").max_length or 200
ERROR_MAX_LENGTH = 2000


def _send_now(delivery_ids: list[int]) -> None:
    deliveries_send(delivery_ids=delivery_ids)


# Outside channels run after commit. By default they are sent in this process; the jobs layer may
# route them to a worker instead (``set_dispatcher``), since notifications may not import jobs.
_dispatcher: Callable[[list[int]], None] = _send_now


def set_dispatcher(dispatcher: Callable[[list[int]], None] | None) -> None:
    global _dispatcher
    _dispatcher = dispatcher or _send_now


def _validate_link(link: str) -> None:
    # Links are rendered as href: only paths inside this application, never a scheme or another host.
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise ValueError(f"notification links must be paths inside the application, not {link!r}")


@transaction.atomic
def notify(
    *,
    recipients: Iterable[AbstractBaseUser],
    code: str,
    title: str,
    body: str = "",
    link: str = "",
    target: models.Model | None = None,
    channels: Sequence[str] | None = None,
) -> list[Notification]:
    """Notify each recipient once, in the application and through any outside ``channels``.

    DESIGN rule 11 — nothing personal leaves the perimeter: ``title``, ``body`` and ``link`` may carry
    the internal case number, the event, its date and a link, never a party's name, ID number or an
    amount. Outside channels (e-mail, 企业微信 / 钉钉 / 飞书 robots) send exactly these fields, so the
    caller builds them to that rule; details stay behind the link, where access is checked.

    ``channels`` defaults to the in-app channel only. Outside channels get one ``Delivery`` row per
    notification, sent after the transaction commits, so a rollback sends nothing.
    """
    codes = list(dict.fromkeys(channels if channels is not None else [channel_registry.IN_APP]))
    outside = [code_ for code_ in codes if not channel_registry.get(code_).in_app]  # unknown code → error now
    if not title.strip():
        raise ValueError("a notification needs a title")
    if len(title) > TITLE_MAX_LENGTH:
        raise ValueError(f"notification titles are at most {TITLE_MAX_LENGTH} characters")
    _validate_link(link)

    unique_recipients = list({user.pk: user for user in recipients}.values())
    if not unique_recipients:
        return []
    now = timezone.now()
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    rows = [
        Notification(
            recipient_id=user.pk,
            code=code,
            title=title,
            body=body,
            link=link,
            target_type=target_type,
            target_id=target_id,
            in_app=channel_registry.IN_APP in codes,
            created_at=now,
        )
        for user in unique_recipients
    ]
    if connection.features.can_return_rows_from_bulk_insert:
        created = Notification.objects.bulk_create(rows)
    else:  # MySQL/MariaDB give no primary keys back from a bulk insert, and deliveries need them
        for row in rows:
            row.save(force_insert=True)
        created = rows

    if outside:
        deliveries = Delivery.objects.bulk_create(
            [Delivery(notification_id=n.pk, channel=c, created_at=now) for n in created for c in outside]
        )
        if all(d.pk is not None for d in deliveries):
            delivery_ids = [d.pk for d in deliveries]
        else:
            delivery_ids = list(
                Delivery.objects.filter(notification_id__in=[n.pk for n in created]).values_list("pk", flat=True)
            )
        # robust: a failing dispatcher is logged; it must not turn the committed request into an error.
        transaction.on_commit(lambda: _dispatcher(delivery_ids), robust=True)
    return created


def _claim(delivery: Delivery, max_attempts: int) -> bool:
    """Count the attempt with a conditional UPDATE, so two workers never send the same delivery twice."""
    claimed = Delivery.objects.filter(
        pk=delivery.pk,
        status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED],
        attempts=delivery.attempts,
        attempts__lt=max_attempts,
    ).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    return claimed == 1


def deliveries_send(*, delivery_ids: Iterable[int]) -> dict[str, int]:
    """Send pending or failed deliveries; each outcome is recorded on its row. Returns counts by status.

    Not atomic as a whole on purpose: each delivery is claimed and recorded on its own, so one slow
    or failing robot does not hold back or roll back the others.
    """
    outcome = {Delivery.Status.SENT.value: 0, Delivery.Status.FAILED.value: 0, "skipped": 0}
    ids = list(delivery_ids)
    for delivery in Delivery.objects.filter(pk__in=ids).select_related("notification").order_by("pk"):
        channel = channel_registry.registered().get(delivery.channel)
        max_attempts = channel.max_attempts if channel is not None else channel_registry.Channel.max_attempts
        if not _claim(delivery, max_attempts):
            outcome["skipped"] += 1
            continue
        error = "" if channel is not None else f"no notification channel {delivery.channel!r} is registered"
        if channel is not None:
            try:
                channel.deliver(delivery.notification)
            except Exception as exc:  # a robot or mail server failure of any kind is recorded, never raised
                logger.warning("notification delivery %s via %s failed: %s", delivery.pk, delivery.channel, exc)
                error = f"{type(exc).__name__}: {exc}"
        if error:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.FAILED, last_error=error[:ERROR_MAX_LENGTH]
            )
            outcome[Delivery.Status.FAILED.value] += 1
        else:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SENT, last_error="", delivered_at=timezone.now()
            )
            outcome[Delivery.Status.SENT.value] += 1
    return outcome


def deliveries_retry_failed(*, limit: int = 200) -> dict[str, int]:
    """Retry failed deliveries that still have attempts left; for the scheduler tick."""
    ids = list(
        Delivery.objects.filter(status=Delivery.Status.FAILED, attempts__lt=channel_registry.Channel.max_attempts)
        .order_by("last_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliveries_send(delivery_ids=ids)


@transaction.atomic
def notification_mark_read(*, user: AbstractBaseUser, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read; marking it again changes nothing."""
    if notification.recipient_id != user.pk:
        raise PermissionDeniedError("not the recipient of this notification", code="not_recipient")
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())
