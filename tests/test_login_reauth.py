"""Re-authentication before exports and unmasking (/accounts/confirm/).

Here, not in loanlit/accounts/tests, because it exports a case list from the cases app above accounts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loanlit.accounts.reauth import recently_authenticated
from loanlit.accounts.tests.login_support import PASSWORD, WRONG, code_for, with_password
from loanlit.accounts.tests.login_support import enrolled as _enrolled
from loanlit.audit.models import AccessLog
from tests.support.reauth import confirm, forget

pytestmark = pytest.mark.django_db

CSV = "/imports/exports/cases/csv/"


def _export_rows():
    return AccessLog.objects.filter(action="export").count()


def test_an_export_without_a_recent_confirmation_exports_nothing(personas):
    assert reverse("imports:export_csv", kwargs={"kind": "cases"}) == CSV
    client = Client()
    client.force_login(personas.case_handler)
    forget(client)
    response = client.get(CSV + "?q=x")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm/?next=%2Fimports%2Fexports%2Fcases%2Fcsv%2F%3Fq%3Dx"
    assert _export_rows() == 0
    # A POST (the xlsx job) gets the confirmation link instead of starting anything.
    response = client.post(reverse("imports:export_xlsx", kwargs={"kind": "cases"}))
    assert response.status_code == 403
    assert "/accounts/confirm/?next=" in response.content.decode()
    assert _export_rows() == 0


def test_confirming_the_password_lets_the_export_run(personas):
    user = with_password(personas.case_handler)
    client = Client()
    client.force_login(user)
    forget(client)
    response = client.post(reverse("accounts:confirm"), {"password": PASSWORD, "next": CSV})
    assert response.status_code == 302
    assert response["Location"] == CSV
    exported = client.get(CSV)
    assert exported.status_code == 200
    b"".join(exported.streaming_content)
    assert _export_rows() == 1
    assert AccessLog.objects.filter(user=user, action="reauth").count() == 1


def test_a_wrong_password_is_refused_and_logged(personas):
    user = with_password(personas.case_handler)
    client = Client()
    client.force_login(user)
    forget(client)
    response = client.post(reverse("accounts:confirm"), {"password": WRONG, "next": CSV})
    assert response.status_code == 200
    assert not recently_authenticated(response.wsgi_request)
    assert list(AccessLog.objects.filter(user=user).values_list("action", flat=True)) == ["reauth.failed"]
    assert client.get(CSV).status_code == 302


def test_the_next_address_must_be_local(personas):
    user = with_password(personas.case_handler)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("accounts:confirm"), {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == reverse("core:home")


def test_a_user_with_an_authenticator_also_gives_a_code(personas):
    user = with_password(personas.case_handler)
    device = _enrolled(user)
    client = Client()
    client.force_login(user)
    forget(client)
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        refused = client.post(reverse("accounts:confirm"), {"password": PASSWORD, "next": CSV})
        assert refused.status_code == 200
        response = client.post(reverse("accounts:confirm"), {"password": PASSWORD, "code": code_for(device)})
        assert response.status_code == 302
        assert client.get(CSV).status_code == 200


def test_a_confirmation_lasts_ten_minutes(personas):
    client = Client()
    client.force_login(personas.case_handler)  # signing in counts as a confirmation
    with time_machine.travel(timezone.now() + timedelta(minutes=9), tick=False):
        assert client.get(CSV).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        assert client.get(CSV).status_code == 302
        confirm(client)
        assert client.get(CSV).status_code == 200


def test_an_htmx_unmask_without_confirmation_answers_a_link_fragment(personas):
    from loanlit.cases.tests.views_support import build_case_world

    party = build_case_world(personas).borrower
    client = Client()
    client.force_login(personas.case_handler)
    forget(client)
    response = client.post(reverse("cases:party_reveal", args=[party.pk]), headers={"hx-request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="alert alert-info mb-0 reauth-needed"' in html and "/accounts/confirm/?next=" in html
    assert not AccessLog.objects.filter(action="personal_data.read").exists()
