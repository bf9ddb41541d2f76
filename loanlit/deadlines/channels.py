"""Outside channels for reminders: e-mail and the 企业微信 / 钉钉 / 飞书 group robots.

DESIGN rule 11: nothing personal leaves the perimeter. Reminders are built as a ``ReminderMessage`` — a
whitelist of fields (internal case no., event, date, a link, the idempotency key) — and every channel
renders only that, so a party's name, ID number or an amount has no field to travel in.

Robots are posted to with ``urllib`` (no extra dependency), with a timeout, without following
redirects (a payload goes only to the URL an administrator configured), and signed where the
platform signs: 钉钉 (``timestamp`` + ``sign`` query parameters) and 飞书 (``timestamp`` + ``sign``
in the body). The channels are also registered in the notifications registry so other apps can use
``notify(channels=["email"])``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit.core import crypto
from loanlit.notifications import channels as registry
from loanlit.notifications.channels import Channel
from loanlit.notifications.models import Notification

logger = logging.getLogger(__name__)

EMAIL = "email"
WECOM = "wecom"
DINGTALK = "dingtalk"
FEISHU = "feishu"
ROBOT_CODES = (WECOM, DINGTALK, FEISHU)
IDEMPOTENCY_HEADER = "X-Loanlit-Idempotency-Key"
URL_CONTEXT = "deadlines:robot_url"
SECRET_CONTEXT = "deadlines:robot_secret"  # noqa: S105 (an encryption context name, not a secret)
ALLOWED_SCHEMES = ("https", "http")


class ChannelSendError(Exception):
    """The platform refused or could not be reached; the delivery is retried with backoff."""


@dataclass(frozen=True)
class ReminderMessage:
    """Everything a reminder may say outside the application — and nothing else (DESIGN rule 11)."""

    idempotency_key: str
    case_no: str
    event: str
    due_on: date
    headline: str
    unconfirmed: bool
    link: str

    @property
    def title(self) -> str:
        return _("%(headline)s: %(event)s — %(case_no)s") % {
            "headline": self.headline,
            "event": self.event,
            "case_no": self.case_no,
        }

    def lines(self) -> list[str]:
        lines = [
            _("Case: %(case_no)s") % {"case_no": self.case_no},
            _("Deadline: %(event)s") % {"event": self.event},
            _("Due on: %(date)s") % {"date": self.due_on.isoformat()},
        ]
        if self.unconfirmed:
            lines.append(_("Unconfirmed: the holiday calendar for that year is not published yet; the date may move."))
        if self.link:
            lines.append(_("Open: %(link)s") % {"link": self.link})
        lines.append(_("Reference: %(key)s") % {"key": self.idempotency_key})
        return lines

    @property
    def body(self) -> str:
        return "\n".join(self.lines())

    @property
    def text(self) -> str:
        return self.title + "\n" + self.body


def absolute_link(path: str) -> str:
    """A path inside the application as a full URL when ``SITE_URL`` is configured (e-mail, robots)."""
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}{path}" if base and path.startswith("/") else path


def _notification_message(notification: Notification) -> ReminderMessage:
    """A generic notification on an outside channel: its ready-made title and body (notify's contract)."""
    return ReminderMessage(
        idempotency_key=f"loanlit-notification-{notification.pk}",
        case_no="",
        event="",
        due_on=notification.created_at.date(),
        headline=notification.title,
        unconfirmed=False,
        link=absolute_link(notification.link),
    )


# --- e-mail ----------------------------------------------------------------------------------------


class EmailChannel(Channel):
    code = EMAIL
    label = gettext_lazy("E-mail")

    def send(self, message: ReminderMessage, *, address: str) -> None:
        if not address:
            raise ChannelSendError("the recipient has no e-mail address")
        email = EmailMessage(
            subject=message.title,
            body=message.body,
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            to=[address],
            headers={IDEMPOTENCY_HEADER: message.idempotency_key},
        )
        email.send(fail_silently=False)

    def deliver(self, notification: Notification) -> None:
        message = _notification_message(notification)
        body = "\n".join(filter(None, [notification.body, message.link]))
        email = EmailMessage(
            subject=notification.title,
            body=body,
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            to=[notification.recipient.email],
            headers={IDEMPOTENCY_HEADER: message.idempotency_key},
        )
        if not notification.recipient.email:
            raise ChannelSendError("the recipient has no e-mail address")
        email.send(fail_silently=False)


# --- group robots ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect becomes an HTTPError: the payload never goes to another URL


_opener = urllib.request.build_opener(_NoRedirect)


def robot_timeout() -> float:
    return float(getattr(settings, "ROBOT_TIMEOUT_SECONDS", 5))


def check_robot_url(url: str) -> None:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ALLOWED_SCHEMES or not parsed.hostname:
        raise ValueError("a robot webhook must be an http(s) URL with a host")


def post_json(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST ``payload`` to ``url``; returns the decoded JSON answer, raises ``ChannelSendError``."""
    check_robot_url(url)
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=robot_timeout()) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise ChannelSendError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelSendError(f"unreachable: {getattr(exc, 'reason', exc)}") from None
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise ChannelSendError("the robot did not answer with JSON") from None
    return answer if isinstance(answer, dict) else {}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 signature: base64(HMAC-SHA256(key=secret, msg="timestamp\\nsecret")), URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """飞书 signature: base64(HMAC-SHA256(key="timestamp\\nsecret", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class RobotTarget:
    url: str
    secret: str


def _clock() -> float:
    return time.time()


class RobotChannel(Channel):
    """One platform's group robot. ``send`` posts a reminder to one endpoint."""

    platform: ClassVar[str]
    clock: ClassVar[Callable[[], float]] = staticmethod(_clock)

    def payload(self, message: ReminderMessage, target: RobotTarget) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    @staticmethod
    def accepted(answer: dict[str, Any]) -> bool:
        return answer.get("errcode", 0) == 0

    def send(self, message: ReminderMessage, *, target: RobotTarget) -> None:
        url, payload = self.payload(message, target)
        answer = post_json(url, payload)
        if not self.accepted(answer):
            raise ChannelSendError(f"refused: {json.dumps(answer, ensure_ascii=False)[:300]}")

    def deliver(self, notification: Notification) -> None:
        from loanlit.deadlines.services.reminders import robot_target_for_unit_path

        unit = getattr(notification.recipient, "unit", None)
        target = robot_target_for_unit_path(kind=self.code, unit_path=unit.path if unit is not None else "")
        if target is None:
            raise ChannelSendError(f"no active {self.code} robot is configured for the recipient's unit")
        self.send(_notification_message(notification), target=target)


class WeComRobotChannel(RobotChannel):
    code = WECOM
    label = gettext_lazy("WeCom group robot")

    def payload(self, message: ReminderMessage, target: RobotTarget) -> tuple[str, dict[str, Any]]:
        # 企业微信 robots are authenticated by the key in the URL only; they have no signature.
        return target.url, {"msgtype": "text", "text": {"content": message.text}}


class DingTalkRobotChannel(RobotChannel):
    code = DINGTALK
    label = gettext_lazy("DingTalk group robot")

    def payload(self, message: ReminderMessage, target: RobotTarget) -> tuple[str, dict[str, Any]]:
        url = target.url
        if target.secret:
            timestamp = int(type(self).clock() * 1000)
            separator = "&" if urllib.parse.urlsplit(url).query else "?"
            url = f"{url}{separator}timestamp={timestamp}&sign={dingtalk_sign(target.secret, timestamp)}"
        return url, {"msgtype": "text", "text": {"content": message.text}}


class FeishuRobotChannel(RobotChannel):
    code = FEISHU
    label = gettext_lazy("Feishu group robot")

    def payload(self, message: ReminderMessage, target: RobotTarget) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": message.text}}
        if target.secret:
            timestamp = int(type(self).clock())
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(target.secret, timestamp), **payload}
        return target.url, payload

    @staticmethod
    def accepted(answer: dict[str, Any]) -> bool:
        return answer.get("code", answer.get("StatusCode", 0)) == 0


def encrypt_url(url: str) -> str:
    return crypto.encrypt(url, context=URL_CONTEXT)


def encrypt_secret(secret: str) -> str:
    return crypto.encrypt(secret, context=SECRET_CONTEXT) if secret else ""


def decrypt_target(url_envelope: str, secret_envelope: str) -> RobotTarget:
    return RobotTarget(
        url=crypto.decrypt(url_envelope, context=URL_CONTEXT),
        secret=crypto.decrypt(secret_envelope, context=SECRET_CONTEXT) if secret_envelope else "",
    )


email_channel = EmailChannel()
robot_channels: dict[str, RobotChannel] = {
    WECOM: WeComRobotChannel(),
    DINGTALK: DingTalkRobotChannel(),
    FEISHU: FeishuRobotChannel(),
}


def register_channels() -> None:
    """Put e-mail and the robots in the notifications registry (idempotent; call from AppConfig.ready)."""
    for channel in (email_channel, *robot_channels.values()):
        registry.register(channel, replace=True)


def channel_label(code: str) -> str:
    channel = registry.registered().get(code)
    return str(channel.label) if channel is not None else code


register_channels()
