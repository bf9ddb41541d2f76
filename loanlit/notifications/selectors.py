"""Reads of notifications, always scoped to the signed-in recipient (DESIGN rule 2)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from loanlit.notifications.models import Notification


def _visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk, in_app=True)


def notification_list_for_user(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first within each group."""
    return (
        _visible_to(user)
        .annotate(
            unread_rank=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("unread_rank", "-created_at", "-pk")
    )


def notification_recent_unread_for_user(
    *, user: AbstractBaseUser | AnonymousUser, limit: int = 5
) -> list[Notification]:
    return list(_visible_to(user).filter(read_at__isnull=True).order_by("-created_at", "-pk")[:limit])


def notification_get_for_user(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Notification:
    """Another user's notification answers 404 exactly like a missing one."""
    return get_object_or_404(_visible_to(user), pk=pk)


def unread_count_for_user(*, user: AbstractBaseUser | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return _visible_to(user).filter(read_at__isnull=True).count()
