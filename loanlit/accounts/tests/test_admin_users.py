"""User administration (admin.manage_users): create, edit, disable/enable, reset, unlock, history, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from loanlit import audit
from loanlit.accounts import services
from loanlit.accounts.models import Role, User
from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.core.errors import DomainError, PermissionDeniedError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the msgids); pages choose their language per request."""
    with translation.override("en"):
        yield


PASSWORD = "Tmp-Passw0rd-2026!"


def _create(personas, **overrides):
    values = {
        "actor": personas.security_admin,
        "username": "new.user",
        "role": Role.objects.get(code="case_handler"),
        "unit": personas.beijing,
        "creditors": [personas.creditor],
        "display_name": "New User",
        "staff_no": "E1001",
        "email": "new@example.com",
        "password": PASSWORD,
    }
    values.update(overrides)
    return services.user_admin_create(**values)


def test_a_local_account_gets_a_temporary_password_to_change_at_first_sign_in(personas):
    user = _create(personas)
    assert user.check_password(PASSWORD)
    assert (user.must_change_password, user.staff_no, user.auth_source) == (True, "E1001", "local")
    assert user.password_changed_at is not None
    created = AuditEntry.objects.get(action="user.created", target_id=str(user.pk))
    assert created.changes["staff_no"] == {"old": None, "new": "E1001"}
    assert AuditEntry.objects.get(action="user.password_set", target_id=str(user.pk)).changes["temporary"] == {
        "old": None,
        "new": True,
    }


def test_an_sso_account_has_no_usable_password(personas):
    user = _create(personas, username="sso.user", password=None, auth_source="ldap")
    assert (user.has_usable_password(), user.must_change_password, user.auth_source) == (False, False, "ldap")


def test_a_weak_temporary_password_leaves_no_account_behind(personas):
    with pytest.raises(DomainError):
        _create(personas, password="123")
    assert not User.objects.filter(username="new.user").exists()
    assert not AuditEntry.objects.filter(action="user.created", changes__isnull=False, target_repr="New User").exists()


def test_units_and_creditors_outside_the_administrators_scope_cannot_be_assigned(personas):
    branch_admin = services.user_create(
        actor=None,
        username="sec.bj",
        password=None,
        role_code="security_admin",
        unit=personas.beijing,
        creditors=[personas.creditor],
    )
    with pytest.raises(DomainError, match="subtree"):
        _create(personas, actor=branch_admin, unit=personas.guangdong)
    with pytest.raises(DomainError, match="own creditors"):
        _create(personas, creditors=[personas.other_creditor])
    assert not User.objects.filter(username="new.user").exists()


def test_accounts_outside_the_scope_answer_404_and_are_not_listed(personas, client):
    branch_admin = services.user_create(
        actor=None,
        username="sec.bj",
        password=None,
        role_code="security_admin",
        unit=personas.beijing,
        creditors=[personas.creditor],
    )
    client.force_login(branch_admin)
    assert client.get(f"/accounts/admin/users/{personas.outsider_branch.pk}/").status_code == 404
    assert client.get(f"/accounts/admin/users/{personas.outsider_creditor.pk}/").status_code == 404
    assert client.get(f"/accounts/admin/users/{personas.case_handler.pk}/").status_code == 200
    page = client.get("/accounts/admin/users/")
    listed = {u.username for u in page.context["page"]}
    assert listed == {"case_handler", "external_lawyer", "branch_manager", "read_only", "sec.bj"}
    with pytest.raises(PermissionDeniedError):
        services.user_disable(actor=branch_admin, user=personas.outsider_branch)
    personas.outsider_branch.refresh_from_db()
    assert personas.outsider_branch.is_active


def test_the_head_office_security_administrator_does_not_see_another_creditors_accounts(personas, client):
    client.force_login(personas.security_admin)
    listed = {u.username for u in client.get("/accounts/admin/users/").context["page"]}
    assert "outsider_creditor" not in listed and "outsider_branch" in listed and len(listed) == 9


def test_the_list_searches_and_filters(personas, client):
    services.user_update(
        actor=None,
        user=personas.read_only,
        role=personas.read_only.role,
        unit=personas.read_only.unit,
        creditors=[personas.creditor],
        display_name="Wang Wu",
        staff_no="E77",
        email="",
    )
    services.user_disable(actor=None, user=personas.branch_manager)
    client.force_login(personas.security_admin)

    def names(query):
        return [u.username for u in client.get("/accounts/admin/users/", query).context["page"]]

    assert names({"q": "E77"}) == ["read_only"]
    assert names({"q": "wang"}) == ["read_only"]
    assert names({"active": "no"}) == ["branch_manager"]
    assert names({"role": Role.objects.get(code="auditor").pk}) == ["auditor"]
    assert names({"unit": personas.beijing_chaoyang.pk}) == []
    assert "branch_manager" not in names({"active": "yes"})


def test_editing_an_account_changes_role_unit_and_creditors_with_an_audited_diff(personas, client):
    client.force_login(personas.security_admin)
    target = personas.read_only
    response = client.post(
        f"/accounts/admin/users/{target.pk}/",
        {
            "role": Role.objects.get(code="case_handler").pk,
            "unit": personas.beijing_chaoyang.pk,
            "creditors": [personas.creditor.pk],
            "display_name": "Reader",
            "staff_no": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.role.code, target.unit.code, target.display_name) == ("case_handler", "BJ-CY", "Reader")
    changes = AuditEntry.objects.get(action="user.updated").changes
    assert changes["role"] == {"old": "read_only", "new": "case_handler"}
    assert changes["unit"] == {"old": "BJ", "new": "BJ-CY"}
    assert "creditors" not in changes


def test_disabling_ends_the_sessions_and_enabling_restarts_the_dormancy_clock(personas, client):
    victim = Client()
    victim.force_login(personas.read_only)
    assert victim.get("/").status_code == 200
    client.force_login(personas.security_admin)
    response = client.post(f"/accounts/admin/users/{personas.read_only.pk}/disable/", {"reason": "left"})
    assert response.status_code == 302
    personas.read_only.refresh_from_db()
    user = personas.read_only
    assert (user.is_active, user.deactivated_reason) == (False, "left")
    assert user.deactivated_at is not None
    assert victim.get("/").status_code == 302
    assert AuditEntry.objects.get(action="user.disabled").changes["reason"] == {"old": None, "new": "left"}
    client.post(f"/accounts/admin/users/{user.pk}/enable/")
    user.refresh_from_db()
    assert (user.is_active, user.deactivated_at, user.deactivated_reason) == (True, None, "")
    assert abs(user.reactivated_at - timezone.now()) < timedelta(minutes=1)


def test_the_last_account_that_may_manage_users_cannot_be_disabled(personas):
    with pytest.raises(DomainError, match="last active account"):
        services.user_disable(actor=None, user=personas.security_admin)
    personas.security_admin.refresh_from_db()
    assert personas.security_admin.is_active


def test_a_password_reset_is_temporary_and_refused_for_sso_accounts(personas, client):
    client.force_login(personas.security_admin)
    response = client.post(f"/accounts/admin/users/{personas.read_only.pk}/password/", {"password": PASSWORD})
    assert response.status_code == 302
    personas.read_only.refresh_from_db()
    assert personas.read_only.check_password(PASSWORD) and personas.read_only.must_change_password
    sso = _create(personas, username="sso.user", password=None, auth_source="oidc")
    with pytest.raises(DomainError, match="OpenID Connect"):
        services.user_password_reset(actor=personas.security_admin, user=sso, password=PASSWORD)


def test_unlock_calls_the_lockout_reset_for_the_user_name(personas, client, monkeypatch):
    from loanlit.accounts import lockout

    calls = []
    monkeypatch.setattr(lockout, "lockout_reset", lambda *, actor, username: calls.append((actor.pk, username)) or 3)
    monkeypatch.setattr(lockout, "is_locked_out", lambda username: username == "read_only")
    client.force_login(personas.security_admin)
    page = client.get(f"/accounts/admin/users/{personas.read_only.pk}/").content.decode()
    assert 'id="locked-badge"' in page and 'id="unlock-user"' in page
    response = client.post(f"/accounts/admin/users/{personas.read_only.pk}/unlock/")
    assert response.status_code == 302
    assert calls == [(personas.security_admin.pk, "read_only")]


def test_the_sign_in_history_lists_only_that_users_sign_in_events_newest_first(personas, client):
    actions = ["login", "login.failed", "export", "logout"]
    for minutes, action in enumerate(actions):
        AccessLog.objects.create(
            at=timezone.now() - timedelta(minutes=10 - minutes),
            user=personas.read_only,
            username="read_only",
            action=action,
            ip="10.0.0.1",
        )
    AccessLog.objects.create(at=timezone.now(), username="read_only", action="login.locked")
    AccessLog.objects.create(at=timezone.now(), user=personas.case_handler, username="case_handler", action="login")
    client.force_login(personas.security_admin)
    response = client.get(f"/accounts/admin/users/{personas.read_only.pk}/sign-ins/")
    assert [row.action for row in response.context["page"]] == ["login.locked", "logout", "login.failed", "login"]
    assert audit.AccessAction.LOGIN == "login"


def test_pages_refuse_users_without_the_permission_and_write_nothing(personas, client):
    client.force_login(personas.administrator)
    before = User.objects.count()
    assert client.get("/accounts/admin/users/").status_code == 403
    response = client.post(
        "/accounts/admin/users/new/",
        {"username": "x", "role": Role.objects.get(code="read_only").pk, "password": PASSWORD, "auth_source": "local"},
    )
    assert response.status_code == 403
    assert User.objects.count() == before
    assert AccessLog.objects.filter(action="denied", username="administrator").count() == 2


def test_an_account_is_created_from_the_page(personas, client):
    client.force_login(personas.security_admin)
    response = client.post(
        "/accounts/admin/users/new/",
        {
            "username": "li.si",
            "display_name": "Li Si",
            "staff_no": "E2",
            "email": "",
            "role": Role.objects.get(code="read_only").pk,
            "unit": personas.beijing.pk,
            "creditors": [personas.creditor.pk],
            "auth_source": "local",
            "password": PASSWORD,
        },
    )
    user = User.objects.get(username="li.si")
    assert response.status_code == 302 and response["Location"] == f"/accounts/admin/users/{user.pk}/"
    assert list(user.creditors.values_list("code", flat=True)) == ["BANK-A"]
    assert user.must_change_password


def test_every_account_change_asks_for_the_password_again_and_changes_nothing_before(personas, client):
    from axes.models import AccessAttempt
    from django.contrib.auth.models import Group

    from loanlit.audit.models import AuditEntry
    from tests.support.reauth import forget

    target = personas.read_only
    group = Group.objects.create(name="Recovery team")
    client.force_login(personas.security_admin)
    forget(client)
    before = (AuditEntry.objects.count(), User.objects.count(), Group.objects.count(), AccessAttempt.objects.count())
    posts = {
        f"/accounts/admin/users/{target.pk}/password/": {"password": PASSWORD},
        "/accounts/admin/users/new/": {"username": "eve", "password": PASSWORD, "auth_source": "local"},
        f"/accounts/admin/users/{target.pk}/disable/": {},
        f"/accounts/admin/users/{target.pk}/enable/": {},
        f"/accounts/admin/users/{target.pk}/unlock/": {},
        "/accounts/admin/groups/new/": {"name": "Eve's group"},
        f"/accounts/admin/groups/{group.pk}/": {"name": "Renamed"},
        f"/accounts/admin/groups/{group.pk}/delete/": {},
        f"/accounts/admin/roles/{Role.objects.get(code='read_only').pk}/delete/": {},
    }
    for url, data in posts.items():
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "/accounts/confirm/" in response.content.decode(), url
    target.refresh_from_db()
    assert not target.check_password(PASSWORD) and target.is_active
    assert Group.objects.get(pk=group.pk).name == "Recovery team"
    after = (AuditEntry.objects.count(), User.objects.count(), Group.objects.count(), AccessAttempt.objects.count())
    assert after == before


def test_a_lost_phone_two_factor_is_removed_by_the_security_administrator_only_within_scope(personas, client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from loanlit.accounts import two_factor
    from loanlit.accounts.tests.login_support import enrolled
    from loanlit.audit.models import AuditEntry

    enrolled(personas.case_handler)
    enrolled(personas.outsider_creditor)
    client.force_login(personas.security_admin)
    page = client.get(f"/accounts/admin/users/{personas.case_handler.pk}/").content.decode()
    assert 'id="two-factor-reset"' in page
    response = client.post(f"/accounts/admin/users/{personas.case_handler.pk}/two-factor/reset/")
    assert response.status_code == 302
    assert not two_factor.has_two_factor(personas.case_handler)
    entry = AuditEntry.objects.get(action="user.two_factor_disabled")
    assert (entry.actor_id, entry.target_id) == (personas.security_admin.pk, str(personas.case_handler.pk))
    # Another creditor's account: 404, its authenticator stays.
    response = client.post(f"/accounts/admin/users/{personas.outsider_creditor.pk}/two-factor/reset/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=personas.outsider_creditor).count() == 1
    assert AuditEntry.objects.filter(action="user.two_factor_disabled").count() == 1


def _list_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_user_list_and_the_group_list_take_as_many_queries_for_30_accounts_as_for_3(personas, client):
    from django.contrib.auth.models import Group

    client.force_login(personas.security_admin)
    for index in range(3):
        user = services.user_create(
            actor=None, username=f"few.{index}", password=None, role_code="read_only", unit=personas.beijing,
            creditors=[personas.creditor], staff_no=f"F{index}",
        )  # fmt: skip
        Group.objects.create(name=f"few-{index}").user_set.add(user)
    few = (_list_queries(client, "/accounts/admin/users/"), _list_queries(client, "/accounts/admin/groups/"))
    for index in range(27):
        user = services.user_create(
            actor=None, username=f"many.{index}", password=None, role_code="case_handler", unit=personas.beijing,
            creditors=[personas.creditor], staff_no=f"M{index}",
        )  # fmt: skip
        Group.objects.create(name=f"many-{index}").user_set.add(user)
    many = (_list_queries(client, "/accounts/admin/users/"), _list_queries(client, "/accounts/admin/groups/"))
    assert many == few
