"""The inactivity timeout (LOANLIT_SESSION_IDLE_MINUTES)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loanlit.accounts.tests.login_support import sign_in, with_password
from loanlit.audit.models import AccessLog

pytestmark = pytest.mark.django_db


def test_a_session_idle_for_longer_than_the_limit_is_signed_out_and_logged(personas):
    user = with_password(personas.case_handler)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, "case_handler")
        clock.shift(timedelta(minutes=29))
        assert client.get(reverse("cases:case_list")).status_code == 200
        clock.shift(timedelta(minutes=29))  # active 29 minutes ago: still signed in
        assert client.get(reverse("cases:case_list")).status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("cases:case_list"), headers={"accept-language": "en"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=%2Fcases%2F"
    assert "_auth_user_id" not in client.session
    actions = list(AccessLog.objects.filter(user=user).order_by("pk").values_list("action", flat=True))
    assert actions == ["login", "session.timeout"]
    page = client.get(response["Location"], headers={"accept-language": "en"})
    assert "signed out after a period of inactivity" in page.content.decode()


def test_an_idle_htmx_request_is_sent_to_the_login_page_with_hx_redirect(personas):
    user = personas.case_handler
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(user)
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("cases:case_list"), headers={"hx-request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("accounts:login") + "?next=%2Fcases%2F"
