"""The navbar bell: the unread count, computed at most once per response and only if a template asks."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from loanlit.notifications import selectors


def notifications(request: HttpRequest) -> dict[str, Any]:
    # Error pages may render before AuthenticationMiddleware has run, so the user may be missing.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread_count": 0, "notifications_recent_unread": ()}

    # Templates call callables without arguments; caching keeps the bell at one COUNT query.
    @functools.cache
    def unread_count() -> int:
        return selectors.unread_count_for_user(user=user)

    @functools.cache
    def recent_unread() -> list:
        return selectors.notification_recent_unread_for_user(user=user)

    return {"notifications_unread_count": unread_count, "notifications_recent_unread": recent_unread}
