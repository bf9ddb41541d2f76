"""Delivery channels and their registry.

The in-app channel is the notification row itself. Outside channels (e-mail, 企业微信 / 钉钉 / 飞书
robots) subclass ``Channel`` and are registered by the app that configures them, e.g. in its
``AppConfig.ready``::

    channels.register(WeComRobotChannel(webhook_url=...))

A channel's ``deliver`` raises on failure; the caller records the attempt on the ``Delivery`` row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from loanlit.notifications.models import Notification

IN_APP = "in_app"


class Channel:
    """A way of telling a user about a notification. ``code`` is stable and stored on deliveries."""

    code: ClassVar[str]
    label: ClassVar[str | Promise]
    # The in-app channel needs no Delivery row and no after-commit send.
    in_app: ClassVar[bool] = False
    # Attempts after which a failed delivery is no longer retried.
    max_attempts: ClassVar[int] = 5

    def deliver(self, notification: Notification) -> None:
        raise NotImplementedError


class InAppChannel(Channel):
    code = IN_APP
    label = _("In the application")
    in_app = True

    def deliver(self, notification: Notification) -> None:
        """Nothing to send: the notification row is what the bell and the list show."""


class UnknownChannelError(LookupError):
    pass


_registry: dict[str, Channel] = {}
ChannelT = TypeVar("ChannelT", bound=Channel)


def register(channel: ChannelT, *, replace: bool = False) -> ChannelT:
    if channel.code in _registry and not replace and _registry[channel.code] is not channel:
        raise ValueError(f"notification channel {channel.code!r} is already registered")
    _registry[channel.code] = channel
    return channel


def unregister(code: str) -> None:
    if code == IN_APP:
        raise ValueError("the in-app channel cannot be removed")
    _registry.pop(code, None)


def get(code: str) -> Channel:
    try:
        return _registry[code]
    except KeyError:
        raise UnknownChannelError(f"no notification channel {code!r} is registered") from None


def registered() -> dict[str, Channel]:
    return dict(_registry)


register(InAppChannel())
