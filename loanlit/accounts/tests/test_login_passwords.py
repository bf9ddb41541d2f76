"""Password policy, the user's own password change, forced change and expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from loanlit.accounts import services
from loanlit.accounts.passwords import CharacterClassValidator, password_expired
from loanlit.accounts.tests.login_support import PASSWORD, sign_in, with_password
from loanlit.audit.models import AccessLog

pytestmark = pytest.mark.django_db
NEW = "Brand-New-Pass-77"


def test_three_of_four_character_classes_are_required():
    validator = CharacterClassValidator()
    validator.validate("Abcdefgh12")  # upper, lower, digit
    validator.validate("abcdefgh-1")  # lower, symbol, digit
    with pytest.raises(ValidationError) as error:
        validator.validate("abcdefghij12")
    assert error.value.code == "password_too_simple"
    assert "3" in validator.get_help_text()


def test_the_policy_refuses_short_and_simple_passwords():
    with pytest.raises(ValidationError) as error:
        validate_password("Ab1-short")
    assert [e.code for e in error.value.error_list] == ["password_too_short"]
    with pytest.raises(ValidationError) as error:
        validate_password("alllowercaseletters")
    assert "password_too_simple" in [e.code for e in error.value.error_list]
    validate_password(PASSWORD)


def _change(client, old=PASSWORD, new=NEW, again=None):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(reverse("accounts:password_change"), data, headers={"accept-language": "en"})


def test_a_user_changes_their_own_password_and_stays_signed_in(personas):
    user = with_password(personas.case_handler)
    client = Client()
    sign_in(client, "case_handler")
    response = _change(client)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get(reverse("core:home")).status_code == 200
    assert AccessLog.objects.filter(user=user, action="password.changed").count() == 1


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(personas):
    user = with_password(personas.case_handler)
    client = Client()
    client.force_login(user)
    response = _change(client, old="not-it-at-all")
    assert response.status_code == 200
    assert "The current password is not correct." in response.content.decode()
    response = _change(client, new="simplepassword")
    assert "Use at least 3 of these" in response.content.decode() or "must mix" in response.content.decode()
    response = _change(client, new=NEW, again=NEW + "x")
    assert "The two new passwords differ." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AccessLog.objects.filter(action="password.changed").exists()


def test_a_temporary_password_must_be_changed_before_any_other_page(personas):
    user = personas.case_handler
    services.user_password_set(actor=personas.security_admin, user=user, password=PASSWORD, temporary=True)
    client = Client()
    assert sign_in(client, "case_handler").status_code == 302
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    htmx = client.get(reverse("cases:case_list"), headers={"hx-request": "true"})
    assert htmx["HX-Redirect"] == reverse("accounts:password_change")
    assert client.get(reverse("accounts:password_change")).status_code == 200
    assert _change(client).status_code == 302
    user.refresh_from_db()
    assert user.must_change_password is False
    assert client.get(reverse("cases:case_list")).status_code == 200


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_an_expired_password_must_be_changed_at_the_next_request(personas):
    user = with_password(personas.case_handler)
    assert not password_expired(user)
    assert password_expired(user, now=timezone.now() + timedelta(days=90))
    client = Client()
    with time_machine.travel(timezone.now() + timedelta(days=91), tick=False):
        client.force_login(user)
        response = client.get(reverse("core:home"))
        assert response["Location"] == reverse("accounts:password_change")
        assert _change(client).status_code == 302
        assert client.get(reverse("core:home")).status_code == 200


@override_settings(PASSWORD_MAX_AGE_DAYS=90)
def test_a_password_never_changed_ages_from_the_date_joined(personas):
    user = personas.case_handler
    user.password_changed_at = None
    user.date_joined = timezone.now() - timedelta(days=100)
    user.set_password(PASSWORD)
    user.save()
    assert password_expired(user)


def test_bank_sign_on_accounts_change_their_password_elsewhere(personas):
    user = personas.case_handler
    user.auth_source = "ldap"
    user.save()
    client = Client()
    client.force_login(user)
    response = client.get(reverse("accounts:password_change"), headers={"accept-language": "en"})
    assert "managed by the bank" in response.content.decode()
    assert _change(client).status_code == 200
