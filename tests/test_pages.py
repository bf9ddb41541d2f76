from __future__ import annotations

import pytest
from django.urls import reverse

from loanlit.accounts import services as accounts
from loanlit.notifications import services as notifications

pytestmark = pytest.mark.django_db

PASSWORD = "Ledger-Tiger-2026!"


def test_signed_out_visitor_is_sent_to_the_login_page_with_next(client):
    response = client.get(reverse("core:home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"


def test_sign_in_with_the_real_password_lands_on_the_dashboard_with_unread_notifications(client, personas):
    user = accounts.user_create(
        actor=None, username="li.na", password=PASSWORD, role_code="case_handler", unit=personas.beijing
    )
    notifications.notify(recipients=[user], code="hearing.scheduled", title="Case LL-7: hearing 2026-03-02 09:30")

    response = client.post(
        reverse("accounts:login"), {"username": "li.na", "password": PASSWORD}, headers={"accept-language": "en"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    html = client.get(reverse("core:home"), headers={"accept-language": "en"}).content.decode()

    assert "Welcome, li.na" in html
    assert '<div class="stat-value" id="unread-stat">1</div>' in html
    assert "Case LL-7: hearing 2026-03-02 09:30" in html


def test_wrong_password_shows_a_translated_error_and_signs_nobody_in(client, personas):
    accounts.user_create(actor=None, username="li.na", password=PASSWORD, role_code="case_handler", unit=None)

    response = client.post(
        reverse("accounts:login"), {"username": "li.na", "password": "wrong"}, headers={"accept-language": "zh-CN"}
    )

    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(client, personas):
    client.force_login(personas.case_handler)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
