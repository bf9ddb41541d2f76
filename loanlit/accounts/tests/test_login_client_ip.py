"""The client address: X-Forwarded-For only through trusted proxies (loanlit.core.net)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory, override_settings

from loanlit.accounts.tests.login_support import WRONG, sign_in
from loanlit.audit.models import AccessLog
from loanlit.core.net import client_ip

rf = RequestFactory()


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **extra))


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert _ip("203.0.113.5", "1.2.3.4") == "203.0.113.5"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_an_untrusted_peer_cannot_claim_another_address():
    assert _ip("203.0.113.5", "1.2.3.4") == "203.0.113.5"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8", "192.168.1.1"])
def test_through_trusted_proxies_the_right_most_untrusted_address_is_the_client():
    assert _ip("10.0.0.2", "198.51.100.7") == "198.51.100.7"
    # The client prepended a fake address; the proxies appended the real one and each other.
    assert _ip("10.0.0.2", "6.6.6.6, 198.51.100.7, 192.168.1.1") == "198.51.100.7"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_malformed_values_are_ignored():
    assert _ip("10.0.0.2", "not-an-ip") == "10.0.0.2"
    assert _ip("10.0.0.2", "6.6.6.6, garbage") == "10.0.0.2"
    assert _ip("10.0.0.2", "") == "10.0.0.2"
    assert _ip("10.0.0.2", "198.51.100.7:5555") == "198.51.100.7"
    assert _ip("nonsense", "198.51.100.7") is None
    assert _ip("::ffff:10.0.0.2", "[2001:db8::1]:443") == "2001:db8::1"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.1"])
def test_the_access_log_and_the_lockout_use_the_forwarded_address_of_a_trusted_proxy(personas):
    sign_in(Client(), "case_handler", WRONG, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    sign_in(Client(), "case_handler", WRONG, ip="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert list(AccessLog.objects.order_by("pk").values_list("ip", flat=True)) == ["198.51.100.7", "203.0.113.5"]
    from axes.models import AccessAttempt

    assert sorted(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.7", "203.0.113.5"]
