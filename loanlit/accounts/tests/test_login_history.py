"""The user's own sign-in history (/accounts/history/)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from loanlit import audit
from loanlit.accounts.tests.login_support import WRONG, sign_in, with_password

pytestmark = pytest.mark.django_db


def test_the_history_lists_only_the_users_own_sign_in_events_newest_first(personas):
    user = with_password(personas.case_handler)
    with_password(personas.legal_manager)
    sign_in(Client(), "case_handler", WRONG, ip="10.0.0.7")
    sign_in(Client(), "legal_manager", ip="10.0.0.8")
    client = Client()
    sign_in(client, "case_handler", ip="10.0.0.9")
    audit.access_log(user=user, action=audit.AccessAction.EXPORT, detail={"x": 1})  # not a sign-in event
    response = client.get(reverse("accounts:history"), headers={"accept-language": "en"})
    assert response.status_code == 200
    rows = [(row.action, row.ip) for row in response.context["page"]]
    assert rows == [("login", "10.0.0.9"), ("login.failed", "10.0.0.7")]
    html = response.content.decode()
    assert "10.0.0.8" not in html
    assert "Sign-in failed" in html
