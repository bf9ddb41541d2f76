"""Reads for the webhook pages, scoped to the manager's creditors (out of scope answers 404 like missing).

A manager (``api.manage``) sees the subscriptions whose acting user works only for creditors the manager
also serves; the acting user chosen for a new subscription must be such a user too. So an administrator of
one creditor can neither see nor act as another creditor's service account.
"""

from __future__ import annotations

from typing import Any, Final

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.api.models import WebhookDelivery, WebhookSubscription
from loanlit.core.errors import PermissionDeniedError

MANAGE_CODE: Final = "api.manage"
UNMASK_CODE: Final = "personal_data.unmask"


def may_manage(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_code(MANAGE_CODE)


def require_manage(user: Any) -> None:
    from django.utils.translation import gettext as _

    if not may_manage(user):
        raise PermissionDeniedError(_("You may not manage webhooks."), code="permission_denied")


def users_within_creditors_q(actor: Any, *, prefix: str = "") -> Q:
    """Users (through ``prefix``, e.g. ``"user__"``) serving at least one creditor and none outside ``actor``'s."""
    creditors = creditor_ids_for(actor) if getattr(actor, "is_authenticated", False) else []
    if not creditors:
        return Q(pk__in=[])
    through = User.creditors.through.objects
    serves_one = Exists(through.filter(user_id=OuterRef(f"{prefix}pk"), creditor_id__in=creditors))
    serves_other = Exists(through.filter(user_id=OuterRef(f"{prefix}pk")).exclude(creditor_id__in=creditors))
    return Q(serves_one) & ~Q(serves_other)


def acting_user_choices(*, actor: Any) -> QuerySet[User]:
    """Active users a subscription may act as: within the manager's creditors."""
    if not may_manage(actor):
        return User.objects.none()
    return (
        User.objects.filter(is_active=True)
        .filter(users_within_creditors_q(actor))
        .select_related("role", "unit")
        .order_by("username")
    )


def subscriptions_for_user(*, user: Any) -> QuerySet[WebhookSubscription]:
    if not may_manage(user):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(users_within_creditors_q(user, prefix="user__"))


def subscription_list_for_user(*, user: Any) -> QuerySet[WebhookSubscription]:
    return (
        subscriptions_for_user(user=user)
        .select_related("user")
        .annotate(
            waiting=Count(
                "deliveries",
                filter=Q(
                    deliveries__state__in=[WebhookDelivery.State.PENDING, WebhookDelivery.State.FAILED],
                ),
            ),
            given_up=Count("deliveries", filter=Q(deliveries__state=WebhookDelivery.State.GAVE_UP)),
        )
        .order_by("name", "pk")
    )


def subscription_get_for_user(*, user: Any, pk: int) -> WebhookSubscription:
    return get_object_or_404(subscriptions_for_user(user=user).select_related("user", "user__role"), pk=pk)


def delivery_log_for_user(*, user: Any, subscription: WebhookSubscription, state: str = "") -> QuerySet:
    qs = WebhookDelivery.objects.filter(subscription=subscription)
    if state in WebhookDelivery.State.values:
        qs = qs.filter(state=state)
    return qs.defer("payload").order_by("-created_at", "-pk")


def delivery_get_for_user(*, user: Any, subscription_pk: int, pk: int) -> WebhookDelivery:
    subscription = subscription_get_for_user(user=user, pk=subscription_pk)
    delivery = get_object_or_404(WebhookDelivery.objects.filter(subscription=subscription), pk=pk)
    delivery.subscription = subscription
    return delivery
