"""Webhook pages for ``api.manage`` holders: subscriptions, the delivery log, test events, replay.

Parse → scope → service → render. Without ``api.manage``: 403; a subscription outside the manager's
creditors (or a delivery of one): 404, exactly like a missing id.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit import audit
from loanlit.api.models import WebhookDelivery, WebhookSubscription
from loanlit.api.webhooks import payloads, selectors, services
from loanlit.api.webhooks.forms import WebhookSubscriptionEditForm, WebhookSubscriptionForm
from loanlit.core.errors import DomainError, PermissionDeniedError

LOG_PAGE_SIZE = 50


def _require_manage(request: HttpRequest) -> None:
    try:
        selectors.require_manage(request.user)
    except PermissionDeniedError as error:
        audit.access_log(
            user=request.user, action=audit.AccessAction.DENIED, request=request, detail={"reason": error.code}
        )
        raise PermissionDenied(error.message) from None


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def webhook_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    subscriptions = list(selectors.subscription_list_for_user(user=request.user))
    for subscription in subscriptions:
        subscription.event_labels = [str(payloads.EVENT_LABELS.get(e, e)) for e in subscription.events]  # type: ignore[attr-defined]
    return render(request, "api/webhooks/list.html", {"subscriptions": subscriptions})


@require_http_methods(["GET", "POST"])
def webhook_add(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    users = selectors.acting_user_choices(actor=request.user)
    form = WebhookSubscriptionForm(request.POST or None, users=users)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subscription, secret = services.webhook_subscription_create(
                actor=request.user,
                name=data["name"],
                url=data["url"],
                events=data["events"],
                user=data["user"],
                secret=data["secret"],
                include_personal_data=data["include_personal_data"],
                is_active=data["is_active"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return _secret_page(request, subscription, secret, created=True)
    return render(request, "api/webhooks/form.html", {"form": form, "subscription": None})


def _secret_page(
    request: HttpRequest, subscription: WebhookSubscription, secret: str, *, created: bool
) -> HttpResponse:
    # Shown once: only the envelope is stored, and this answer is never cached.
    return _no_store(
        render(
            request, "api/webhooks/secret.html", {"subscription": subscription, "secret": secret, "created": created}
        )
    )


@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    subscription = selectors.subscription_get_for_user(user=request.user, pk=pk)
    users = selectors.acting_user_choices(actor=request.user)
    initial = {
        "name": subscription.name,
        "events": subscription.events,
        "user": subscription.user_id,
        "include_personal_data": subscription.include_personal_data,
        "is_active": subscription.is_active,
        "version": subscription.version,
    }
    form = WebhookSubscriptionEditForm(request.POST or None, users=users, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            updated, secret = services.webhook_subscription_update(
                actor=request.user,
                subscription=subscription,
                version=data["version"],
                name=data["name"],
                events=data["events"],
                user=data["user"],
                include_personal_data=data["include_personal_data"],
                is_active=data["is_active"],
                url=data["url"],
                new_secret=data["new_secret"],
                secret=data["secret"] if data["new_secret"] else "",
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if secret is not None:
                return _secret_page(request, updated, secret, created=False)
            messages.success(request, _("Webhook saved."))
            return redirect("integration:webhook_log", pk=updated.pk)
    return render(request, "api/webhooks/form.html", {"form": form, "subscription": subscription})


@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    subscription = selectors.subscription_get_for_user(user=request.user, pk=pk)
    services.webhook_test_send(actor=request.user, subscription=subscription)
    messages.success(request, _("Test event queued; its outcome appears in the delivery log."))
    return redirect("integration:webhook_log", pk=subscription.pk)


@require_GET
def webhook_log(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    subscription = selectors.subscription_get_for_user(user=request.user, pk=pk)
    state = request.GET.get("state", "")
    deliveries = selectors.delivery_log_for_user(user=request.user, subscription=subscription, state=state)
    page = Paginator(deliveries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "api/webhooks/log.html",
        {
            "subscription": subscription,
            "event_labels": [str(payloads.EVENT_LABELS.get(e, e)) for e in subscription.events],
            "page": page,
            "state": state,
            "states": WebhookDelivery.State.choices,
        },
    )


@require_GET
def webhook_delivery(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    _require_manage(request)
    delivery = selectors.delivery_get_for_user(user=request.user, subscription_pk=pk, pk=delivery_pk)
    personal = payloads.carries_personal_data(delivery.payload)
    shown: Any = delivery.payload
    hidden = False
    if personal:
        if request.user.has_code(selectors.UNMASK_CODE):  # type: ignore[union-attr]
            audit.access_log(
                user=request.user,
                action=audit.AccessAction.PERSONAL_DATA_READ,
                target=delivery.subscription,
                request=request,
                detail={"webhook_delivery": delivery.pk},
            )
        else:
            shown = {**delivery.payload, "case": {**delivery.payload["case"], "parties": "…"}}
            hidden = True
    return _no_store(
        render(
            request,
            "api/webhooks/delivery.html",
            {
                "subscription": delivery.subscription,
                "delivery": delivery,
                "payload_json": json.dumps(shown, ensure_ascii=False, indent=2, sort_keys=True),
                "personal_hidden": hidden,
            },
        )
    )


@require_POST
def webhook_replay(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    _require_manage(request)
    delivery = selectors.delivery_get_for_user(user=request.user, subscription_pk=pk, pk=delivery_pk)
    services.webhook_delivery_replay(actor=request.user, delivery=delivery)
    messages.success(request, _("Delivery queued again with the same event id."))
    return redirect("integration:webhook_log", pk=pk)


urlpatterns = [
    path("webhooks/", webhook_list, name="webhook_list"),
    path("webhooks/new/", webhook_add, name="webhook_add"),
    path("webhooks/<int:pk>/", webhook_log, name="webhook_log"),
    path("webhooks/<int:pk>/edit/", webhook_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/test/", webhook_test, name="webhook_test"),
    path("webhooks/<int:pk>/deliveries/<int:delivery_pk>/", webhook_delivery, name="webhook_delivery"),
    path("webhooks/<int:pk>/deliveries/<int:delivery_pk>/replay/", webhook_replay, name="webhook_replay"),
]
