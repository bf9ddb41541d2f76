"""Dormant accounts: no sign-in for more than DORMANT_AFTER_DAYS days (counted in local calendar days).

Boundary: last used on 1 January 2027 → still active on 1 April (the 90th day after), dormant from 2 April
(the 91st day), whatever the time of day.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import translation

from loanlit.accounts import selectors, services
from loanlit.accounts.models import User
from loanlit.audit.models import AuditEntry
from loanlit.jobs import registry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the msgids); pages choose their language per request."""
    with translation.override("en"):
        yield


def _at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=ZoneInfo(django_settings.TIME_ZONE))


def _dormant_names(personas) -> set[str]:
    return set(
        selectors.with_activity(User.objects.filter(is_active=True))
        .filter(is_dormant=True)
        .values_list("username", flat=True)
    )


def _last_login(user: User, when: datetime) -> None:
    User.objects.filter(pk=user.pk).update(last_login=when)


@pytest.fixture
def quiet(personas):
    """Every persona last signed in on 1 January 2027 at 23:30 local time, except the case handler (3 April)."""
    User.objects.update(last_login=_at("2027-01-01", 23).replace(minute=30))
    _last_login(personas.case_handler, _at("2027-04-03"))
    return personas


def test_day_90_is_not_dormant_and_day_91_is(quiet, settings):
    settings.DORMANT_AFTER_DAYS = 90
    with time_machine.travel(_at("2027-04-01", 23), tick=False):
        assert _dormant_names(quiet) == set()
    with time_machine.travel(_at("2027-04-02", 0).replace(minute=1), tick=False):
        assert "read_only" in _dormant_names(quiet) and "case_handler" not in _dormant_names(quiet)
        assert len(_dormant_names(quiet)) == 9


def test_an_account_never_signed_in_counts_from_its_creation(personas, settings):
    settings.DORMANT_AFTER_DAYS = 90
    User.objects.filter(pk=personas.read_only.pk).update(last_login=None, date_joined=_at("2027-01-01"))
    User.objects.exclude(pk=personas.read_only.pk).update(last_login=_at("2027-04-01"))
    with time_machine.travel(_at("2027-04-02"), tick=False):
        assert _dormant_names(personas) == {"read_only"}


def test_zero_days_turns_the_check_off(quiet, settings):
    settings.DORMANT_AFTER_DAYS = 0
    with time_machine.travel(_at("2030-01-01"), tick=False):
        assert _dormant_names(quiet) == set()
        assert services.dormant_accounts_disable() == []


def test_without_auto_disable_dormant_accounts_are_only_shown(quiet, settings, client):
    settings.DORMANT_AFTER_DAYS = 90
    settings.DORMANT_AUTO_DISABLE = False
    with time_machine.travel(_at("2027-04-02"), tick=False):
        assert services.dormant_accounts_disable() == []
        client.force_login(quiet.security_admin)
        page = client.get("/accounts/admin/users/", {"dormant": "on"})
    assert User.objects.filter(is_active=False).count() == 0
    assert "read_only" in {u.username for u in page.context["page"]}
    assert "case_handler" not in {u.username for u in page.context["page"]}


def test_auto_disable_spares_superusers_and_the_last_security_administrator(quiet, settings):
    settings.DORMANT_AFTER_DAYS = 90
    settings.DORMANT_AUTO_DISABLE = True
    User.objects.filter(pk=quiet.administrator.pk).update(is_superuser=True)
    with time_machine.travel(_at("2027-04-02"), tick=False):
        disabled = services.dormant_accounts_disable()
        assert services.dormant_accounts_disable() == []  # idempotent
    assert sorted(u.username for u in disabled) == [
        "auditor",
        "branch_manager",
        "external_lawyer",
        "legal_manager",
        "outsider_branch",
        "outsider_creditor",
        "read_only",
    ]
    still_active = set(User.objects.filter(is_active=True).values_list("username", flat=True))
    assert still_active == {"administrator", "security_admin", "case_handler"}
    read_only = User.objects.get(username="read_only")
    assert read_only.deactivated_reason == "dormant"
    entries = AuditEntry.objects.filter(action="user.disabled")
    assert entries.count() == 7 and {e.actor_id for e in entries} == {None}
    assert entries.get(target_id=str(read_only.pk)).changes["reason"] == {"old": None, "new": "dormant"}


def test_a_dormant_security_administrator_is_disabled_when_another_one_is_active(quiet, settings):
    settings.DORMANT_AFTER_DAYS = 90
    settings.DORMANT_AUTO_DISABLE = True
    other = services.user_create(
        actor=None, username="sec2", password=None, role_code="security_admin", unit=quiet.head_office
    )
    _last_login(other, _at("2027-04-01"))
    with time_machine.travel(_at("2027-04-02"), tick=False):
        services.dormant_accounts_disable()
    assert not User.objects.get(username="security_admin").is_active


def test_an_account_enabled_again_is_not_dormant_until_the_period_passes_again(quiet, settings):
    settings.DORMANT_AFTER_DAYS = 90
    settings.DORMANT_AUTO_DISABLE = True
    with time_machine.travel(_at("2027-04-02"), tick=False):
        services.dormant_accounts_disable()
        services.user_enable(actor=quiet.security_admin, user=User.objects.get(username="read_only"))
    with time_machine.travel(_at("2027-07-01"), tick=False):  # 90 days after 2 April
        assert "read_only" not in {u.username for u in services.dormant_accounts_disable()}
    with time_machine.travel(_at("2027-07-02"), tick=False):
        assert "read_only" in {u.username for u in services.dormant_accounts_disable()}


def test_the_daily_task_is_registered(settings):
    registry.ensure_discovered()
    spec = registry.periodic_tasks["accounts.dormant_accounts"]
    assert spec.every.total_seconds() == 86400
