"""Separation of duties (三员分立, MLPS 2.0 level 3): one duty per role, no self-grant, superuser = system admin."""

from __future__ import annotations

import pytest
from django.utils import translation

from loanlit.accounts import services
from loanlit.accounts.models import Role, User
from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the msgids); pages choose their language per request."""
    with translation.override("en"):
        yield


def test_a_role_combining_system_and_security_administration_is_refused_naming_both_duties(personas):
    with pytest.raises(DomainError) as refused:
        services.role_create(
            actor=personas.security_admin,
            code="too_much",
            name="Too much",
            permissions=["admin.manage_units", "admin.manage_users"],
        )
    assert refused.value.code == "separation_of_duties"
    assert "system administration" in refused.value.message
    assert "security administration" in refused.value.message
    assert not Role.objects.filter(code="too_much").exists()
    assert not AuditEntry.objects.filter(action="role.created").exists()


def test_editing_a_built_in_role_into_security_plus_audit_is_refused(personas):
    role = Role.objects.get(code="auditor")
    with pytest.raises(DomainError, match="security administration and audit"):
        services.role_update(
            actor=personas.security_admin,
            role=role,
            name=role.name,
            description="",
            permissions=[*role.permissions, "admin.manage_roles"],
            is_external=False,
            updated_at=role.updated_at,
        )
    role.refresh_from_db()
    assert "admin.manage_roles" not in role.permissions


def test_with_the_separation_off_a_role_may_combine_duties(personas, settings):
    settings.SEPARATION_OF_DUTIES = False
    role = services.role_create(
        actor=personas.security_admin, code="all_in_one", name="All", permissions=["audit.view", "admin.manage_users"]
    )
    assert role.permissions == ["admin.manage_users", "audit.view"]


def test_a_superuser_is_the_system_administrator_without_security_or_audit_codes(personas, settings):
    admin = personas.administrator
    User.objects.filter(pk=admin.pk).update(is_superuser=True)
    admin.refresh_from_db()
    assert [admin.has_code(code) for code in ("admin.manage_units", "backup.run", "cases.view")] == [True, True, True]
    assert [admin.has_code(code) for code in ("admin.manage_users", "admin.manage_roles", "audit.view")] == [
        False,
        False,
        False,
    ]
    settings.SEPARATION_OF_DUTIES = False
    assert [admin.has_code(code) for code in ("admin.manage_users", "admin.manage_roles", "audit.view")] == [
        True,
        True,
        True,
    ]


def test_nobody_changes_the_permissions_of_their_own_role(personas):
    role = Role.objects.get(code="security_admin")
    with pytest.raises(DomainError) as refused:
        services.role_update(
            actor=personas.security_admin,
            role=role,
            name=role.name,
            description="",
            permissions=["admin.manage_users"],
            is_external=False,
            updated_at=role.updated_at,
        )
    assert refused.value.code == "self_grant"
    role.refresh_from_db()
    assert role.permissions == ["admin.manage_users", "admin.manage_roles"]


def test_nobody_changes_their_own_role_or_disables_themselves(personas):
    me = personas.security_admin
    with pytest.raises(DomainError, match="your own role"):
        services.user_update(
            actor=me,
            user=me,
            role=Role.objects.get(code="administrator"),
            unit=me.unit,
            creditors=[personas.creditor],
            display_name="",
            staff_no="",
            email="",
        )
    with pytest.raises(DomainError, match="your own account"):
        services.user_disable(actor=me, user=me)
    me.refresh_from_db()
    assert (me.role.code, me.is_active) == ("security_admin", True)
    assert not AuditEntry.objects.filter(action__in=["user.updated", "user.disabled"]).exists()


def test_own_particulars_may_be_edited_without_touching_the_role(personas):
    me = personas.security_admin
    services.user_update(
        actor=me,
        user=me,
        role=me.role,
        unit=me.unit,
        creditors=[personas.creditor],
        display_name="Sec Admin",
        staff_no="S-001",
        email="sec@example.com",
    )
    me.refresh_from_db()
    assert (me.display_name, me.staff_no, me.email) == ("Sec Admin", "S-001", "sec@example.com")


def test_a_superuser_may_not_hold_a_role_with_security_codes(personas):
    target = personas.read_only
    User.objects.filter(pk=target.pk).update(is_superuser=True)
    target.refresh_from_db()
    with pytest.raises(DomainError):
        services.user_update(
            actor=None,
            user=target,
            role=Role.objects.get(code="security_admin"),
            unit=target.unit,
            creditors=[personas.creditor],
            display_name="",
            staff_no="",
            email="",
        )
    target.refresh_from_db()
    assert target.role.code == "read_only"


def test_a_security_administrator_cannot_take_over_a_superuser_account(personas):
    target = personas.administrator
    User.objects.filter(pk=target.pk).update(is_superuser=True)
    target.refresh_from_db()
    with pytest.raises(DomainError, match="superuser"):
        services.user_password_reset(actor=personas.security_admin, user=target, password="Xq7!long-enough-pw")
    with pytest.raises(DomainError, match="superuser"):
        services.user_disable(actor=personas.security_admin, user=target)
    target.refresh_from_db()
    assert target.is_active and not target.must_change_password


def test_the_role_edit_page_refuses_a_mixed_role_with_the_translated_message(personas, client):
    client.force_login(personas.security_admin)
    role = Role.objects.get(code="read_only")
    response = client.post(
        f"/accounts/admin/roles/{role.pk}/",
        {
            "name": role.name,
            "permissions": ["cases.view", "audit.view", "backup.run"],
            "updated_at": role.updated_at.isoformat(),
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "职责分离" in response.content.decode()
    role.refresh_from_db()
    assert role.permissions == ["cases.view"]


def test_a_role_that_later_gains_audit_codes_gives_a_superuser_holding_it_none_of_them(personas, client):
    # Attack found in review: the superuser held branch_manager, then a security administrator added audit.view.
    holder = personas.branch_manager
    User.objects.filter(pk=holder.pk).update(is_superuser=True)
    role = holder.role
    role.permissions = [*role.permissions, "audit.view"]
    role.save(update_fields=["permissions"])
    holder.refresh_from_db()
    assert holder.has_code("audit.view") is False
    assert holder.has_code("documents.purge") is True
    client.force_login(holder)
    assert client.get("/audit/").status_code == 403
