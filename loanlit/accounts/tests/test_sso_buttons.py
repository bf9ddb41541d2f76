"""The sign-on part of the login page (templates/accounts/_sso_buttons.html)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def render(**context) -> str:
    with translation.override("en"):
        return render_to_string("accounts/_sso_buttons.html", context)


def test_nothing_is_shown_when_bank_sign_on_is_off(settings):
    settings.OIDC_ENABLED = False
    settings.LDAP_ENABLED = False
    assert render().strip() == ""


def test_oidc_button_links_to_the_start_route_and_keeps_next(settings):
    settings.OIDC_ENABLED = True
    settings.LDAP_ENABLED = False
    html = render(next="/cases/?stage=filed")
    assert 'href="/accounts/oidc/start/?next=/cases/%3Fstage%3Dfiled"' in html
    assert "Sign in with the bank's account" in html
    assert "ldap-note" not in html


def test_ldap_note_says_the_same_form_works(settings):
    settings.OIDC_ENABLED = False
    settings.LDAP_ENABLED = True
    html = render()
    assert "bank network (domain) user name and password" in html
    assert "oidc-sign-in" not in html


def test_button_is_translated(settings):
    settings.OIDC_ENABLED = True
    with translation.override("zh-hans"):
        html = render_to_string("accounts/_sso_buttons.html", {})
    assert "使用银行统一账号登录" in html


@pytest.mark.django_db
def test_login_page_offers_the_bank_account_button_when_oidc_is_on(client, settings):
    settings.OIDC_ENABLED = True
    settings.LDAP_ENABLED = True
    page = client.get(reverse("accounts:login"), {"next": "/cases/"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="oidc-sign-in"' in html and 'href="/accounts/oidc/start/?next=/cases/"' in html
    assert 'id="ldap-note"' in html
