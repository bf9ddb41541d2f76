"""Production's cache: the API's rate limits count in a real Redis (127.0.0.1:6379) when it is configured."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from loanlit.api.tests.test_keys import key_client, make_key

pytestmark = pytest.mark.django_db
REDIS_URL = os.environ.get("LOANLIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_cache(settings):
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    prefix = f"loanlit-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def test_rate_limits_count_in_redis_and_refuse_the_request_over_the_limit(personas, redis_cache):
    client_redis, prefix = redis_cache
    key, secret = make_key(personas.case_handler, rate_limit="2/min")
    client = key_client(secret)
    url = reverse("api:case-list")

    with time_machine.travel(dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC), tick=False):
        statuses = [client.get(url).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    stored = [k.decode() for k in client_redis.scan_iter(f"{prefix}:*")]
    assert stored == [f"{prefix}:1:throttle_api_key_key{key.pk}"]
    assert len(cache.get(f"throttle_api_key_key{key.pk}")) == 2  # the two requests let through
