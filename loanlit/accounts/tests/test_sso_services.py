"""Creating and re-synchronising directory users (loanlit.accounts.sso.services)."""

from __future__ import annotations

import pytest

from loanlit.accounts.models import User
from loanlit.accounts.sso import services
from loanlit.accounts.sso.mapping import parse_group_map
from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.core.errors import DomainError

pytestmark = pytest.mark.django_db


def sync(**overrides):
    values = {
        "username": "Zhang.Wei",
        "display_name": "Zhang Wei",
        "email": "zhang.wei@bank.example",
        "staff_no": "E1001",
        "role_code": "case_handler",
        "unit_code": "BJ",
        "creditor_codes": ["BANK-A"],
        "source": User.AuthSource.LDAP,
    }
    values.update(overrides)
    return services.user_sync_from_directory(**values)


@pytest.fixture
def sso_maps(settings):
    settings.SSO_GROUP_ROLES = parse_group_map(
        "CN=Legal,OU=Groups,DC=bank,DC=cn => legal_manager | Handlers => case_handler | Admins => administrator"
        " | Security => security_admin | Ghosts => no_such_role"
    )
    settings.SSO_GROUP_UNITS = parse_group_map("Beijing => BJ | Mars => MARS")
    settings.SSO_DEFAULT_UNIT = "HO"
    settings.SSO_DEFAULT_CREDITORS = ("BANK-A",)
    return settings


def test_first_sign_in_creates_a_directory_user_without_a_local_password(personas):
    user = sync()
    user.refresh_from_db()
    assert user.username == "zhang.wei"
    assert (user.display_name, user.email, user.staff_no) == ("Zhang Wei", "zhang.wei@bank.example", "E1001")
    assert user.auth_source == User.AuthSource.LDAP
    assert user.role.code == "case_handler"
    assert user.unit == personas.beijing
    assert list(user.creditors.values_list("code", flat=True)) == ["BANK-A"]
    assert not user.has_usable_password()
    entry = AuditEntry.objects.get(action="user.created", target_id=str(user.pk))
    assert entry.changes["auth_source"] == {"old": None, "new": "ldap"}
    assert entry.changes["has_password"] == {"old": None, "new": False}


def test_next_sign_in_resynchronises_role_unit_and_creditors_and_audits_the_difference(personas):
    user = sync()
    sync(role_code="read_only", unit_code="GD", creditor_codes=["BANK-A", "BANK-B"], email="zw@bank.example")
    user.refresh_from_db()
    assert (user.role.code, user.unit.code, user.email) == ("read_only", "GD", "zw@bank.example")
    assert sorted(user.creditors.values_list("code", flat=True)) == ["BANK-A", "BANK-B"]
    entry = AuditEntry.objects.get(action="user.directory_synced", target_id=str(user.pk))
    assert entry.changes == {
        "creditors": {"old": ["BANK-A"], "new": ["BANK-A", "BANK-B"]},
        "email": {"old": "zhang.wei@bank.example", "new": "zw@bank.example"},
        "role": {"old": "case_handler", "new": "read_only"},
        "unit": {"old": "BJ", "new": "GD"},
    }


def test_unchanged_sign_in_writes_no_audit_entry(personas):
    sync()
    before = AuditEntry.objects.count()
    sync()
    assert AuditEntry.objects.count() == before
    assert User.objects.filter(username="zhang.wei").count() == 1


def test_local_account_with_the_same_name_is_never_touched(personas):
    local = personas.case_handler
    before = (local.role_id, local.unit_id, local.password, AuditEntry.objects.count())
    with pytest.raises(DomainError) as caught:
        sync(username=local.username.upper(), role_code="read_only")
    assert caught.value.code == "sso_local_account"
    local.refresh_from_db()
    assert (local.role_id, local.unit_id, local.password, AuditEntry.objects.count()) == before
    assert local.auth_source == User.AuthSource.LOCAL


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"role_code": "no_such_role"}, "sso_unknown_role"),
        ({"unit_code": "MARS"}, "sso_unknown_unit"),
        ({"creditor_codes": ["BANK-A", "NOPE"]}, "sso_unknown_creditor"),
        ({"source": "local"}, "invalid"),
        ({"username": "  "}, "sso_no_username"),
    ],
)
def test_unknown_role_unit_or_creditor_is_refused_and_nothing_is_written(personas, overrides, code):
    users, entries = User.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DomainError) as caught:
        sync(**overrides)
    assert caught.value.code == code
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, entries)


@pytest.mark.parametrize("role_code", ["administrator", "security_admin"])
def test_directory_may_not_grant_administrator_roles_under_separation_of_duties(personas, settings, role_code):
    settings.SEPARATION_OF_DUTIES = True
    settings.SSO_ALLOW_ADMIN_ROLES = False
    with pytest.raises(DomainError) as caught:
        sync(role_code=role_code)
    assert caught.value.code == "sso_admin_role"
    assert not User.objects.filter(username="zhang.wei").exists()


def test_administrator_roles_allowed_when_explicitly_configured(personas, settings):
    settings.SSO_ALLOW_ADMIN_ROLES = True
    assert sync(role_code="administrator").role.code == "administrator"


def test_directory_sign_in_without_a_mapped_group_is_refused_and_logged(personas, sso_maps, rf):
    request = rf.post("/accounts/login/")
    users = User.objects.count()
    with pytest.raises(services.SignOnRefused) as caught:
        services.directory_sign_in(
            request=request, source=User.AuthSource.LDAP, username="li.na", groups=["CN=Everyone,DC=bank,DC=cn"]
        )
    assert caught.value.reason == "no_role"
    assert caught.value.message == "您的目录账号不在可访问 Loanlit 的组中，请联系管理员。"
    assert User.objects.count() == users
    row = AccessLog.objects.get(action=AccessLog.Action.LOGIN_FAILED)
    assert row.detail == {"source": "ldap", "username": "li.na", "reason": "no_role"}
    assert row.path == "/accounts/login/"


@pytest.mark.parametrize(
    "groups, reason",
    [(["Ghosts"], "sso_unknown_role"), (["Handlers", "Mars"], "sso_unknown_unit"), (["Admins"], "sso_admin_role")],
)
def test_directory_sign_in_with_a_bad_mapping_is_refused_and_logged(personas, sso_maps, groups, reason):
    users = User.objects.count()
    with pytest.raises(services.SignOnRefused) as caught:
        services.directory_sign_in(request=None, source=User.AuthSource.OIDC, username="li.na", groups=groups)
    assert caught.value.reason == reason
    assert User.objects.count() == users
    assert AccessLog.objects.get(action=AccessLog.Action.LOGIN_FAILED).detail["reason"] == reason


def test_directory_sign_in_maps_the_first_listed_group(personas, sso_maps):
    user = services.directory_sign_in(
        request=None,
        source=User.AuthSource.OIDC,
        username="li.na",
        groups=["Handlers", "CN=Legal,OU=Groups,DC=bank,DC=cn", "Beijing"],
        display_name="Li Na",
    )
    assert (user.role.code, user.unit.code, user.auth_source, user.display_name) == (
        "legal_manager",
        "BJ",
        "oidc",
        "Li Na",
    )


def test_a_directory_user_name_with_a_zero_width_character_is_refused_and_nothing_is_created(personas):
    from loanlit.accounts.models import User
    from loanlit.accounts.sso.services import user_sync_from_directory
    from loanlit.core.errors import DomainError

    before = User.objects.count()
    with pytest.raises(DomainError):
        user_sync_from_directory(
            username="administrator\u200b",
            display_name="Admin",
            email="",
            staff_no="",
            role_code="read_only",
            unit_code=personas.beijing.code,
            creditor_codes=[personas.creditor.code],
            source="oidc",
        )
    assert User.objects.count() == before
    # Full-width letters are the same name once NFKC-normalised.
    user = user_sync_from_directory(
        username="ｚｈａｎｇｗｅｉ",
        display_name="Zhang Wei",
        email="",
        staff_no="",
        role_code="read_only",
        unit_code=personas.beijing.code,
        creditor_codes=[personas.creditor.code],
        source="oidc",
    )
    assert user.username == "zhangwei"
