"""Rate limits counted in the cache (the database cache embedded, Redis in production).

An API key is limited per key (its own ``rate_limit`` or ``LOANLIT_API_RATE_LIMIT``); a signed-in user per
user (``LOANLIT_API_USER_RATE_LIMIT``). Anonymous requests are refused by authentication before counting.
"""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle


class ApiRateThrottle(SimpleRateThrottle):
    def __init__(self) -> None:  # the rate depends on the request, so it is read in allow_request
        pass

    def allow_request(self, request: Any, view: Any) -> bool:
        key = getattr(request.user, "api_key", None) if request.user and request.user.is_authenticated else None
        if key is not None:
            self.scope = "api_key"
            self.rate = key.rate_limit or self.THROTTLE_RATES["api_key"]
        else:
            self.scope = "api_user"
            self.rate = self.THROTTLE_RATES["api_user"]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user = request.user
        if not user or not user.is_authenticated:
            return None
        key = getattr(user, "api_key", None)
        ident = f"key{key.pk}" if key is not None else f"user{user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
