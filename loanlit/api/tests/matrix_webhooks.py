"""Authorization-matrix rows for the webhook pages; collected by tests/test_authorization_matrix.py.

Every page needs ``api.manage`` (only the administrator among the personas; everyone else 403). The world's
subscription acts as the case handler (creditor A, the administrator's creditor) and has one delivery. An
empty POST to the forms re-renders them with their errors (200) and writes nothing; the test event and the
replay queue a delivery (302). Another creditor's manager gets 404: see test_webhooks_pages.py.
"""

from __future__ import annotations

from typing import Any

from tests.support.authz import Access, Route

MANAGE = Access("code", code="api.manage")
MANAGE_ACT = Access("code", code="api.manage", ok=(302,))


def world_subscription(world: Any) -> Any:
    subscription = getattr(world, "webhook", None)
    if subscription is None:
        from loanlit.api.webhooks import services

        subscription, _secret = services.webhook_subscription_create(
            actor=None,
            name="Matrix finance",
            url="https://finance.example.invalid/hooks/loanlit",
            events=["case.created", "recovery.recorded"],
            user=world.case_handler,
        )
        world.webhook = subscription
        world.webhook_delivery = services.webhook_test_send(actor=None, subscription=subscription)
    return subscription


def _sub(world: Any) -> dict[str, int]:
    return {"pk": world_subscription(world).pk}


def _delivery(world: Any) -> dict[str, int]:
    subscription = world_subscription(world)
    return {"pk": subscription.pk, "delivery_pk": world.webhook_delivery.pk}


ROUTES: list = [
    Route("integration:webhook_list", get=MANAGE),
    Route("integration:webhook_add", get=MANAGE, post=MANAGE),
    Route("integration:webhook_log", get=MANAGE, kwargs=_sub),
    Route("integration:webhook_edit", get=MANAGE, post=MANAGE, kwargs=_sub),
    Route("integration:webhook_test", get=None, post=MANAGE_ACT, kwargs=_sub),
    Route("integration:webhook_delivery", get=MANAGE, kwargs=_delivery),
    Route("integration:webhook_replay", get=None, post=MANAGE_ACT, kwargs=_delivery),
]
