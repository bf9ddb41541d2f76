"""Role administration (admin.manage_roles): custom roles, built-in defaults, stale edits, deletion."""

from __future__ import annotations

import pytest
from django.utils import translation

from loanlit.accounts import services
from loanlit.accounts.models import Role
from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the msgids); pages choose their language per request."""
    with translation.override("en"):
        yield


def test_a_custom_role_is_created_with_its_codes_in_catalogue_order_and_audited(personas):
    role = services.role_create(
        actor=personas.security_admin,
        code="collector",
        name="Collector",
        description="Collection team",
        permissions=["cases.edit", "cases.view", "cases.view"],
        is_external=False,
    )
    assert (role.permissions, role.is_builtin) == (["cases.view", "cases.edit"], False)
    entry = AuditEntry.objects.get(action="role.created")
    assert entry.changes["permissions"] == {"old": None, "new": ["cases.view", "cases.edit"]}
    assert entry.actor_id == personas.security_admin.pk


def test_unknown_codes_and_bad_role_codes_are_refused(personas):
    with pytest.raises(DomainError, match=r"Unknown permission: cases\.fly"):
        services.role_create(actor=None, code="x", name="X", permissions=["cases.fly"])
    with pytest.raises(DomainError, match="lower-case"):
        services.role_create(actor=None, code="Bad Code", name="X")
    with pytest.raises(DomainError, match="already exists"):
        services.role_create(actor=None, code="auditor", name="X")
    assert Role.objects.filter(is_builtin=False).count() == 0


def test_only_role_managers_may_create_roles(personas):
    with pytest.raises(PermissionDeniedError):
        services.role_create(actor=personas.administrator, code="sneaky", name="Sneaky")
    assert not Role.objects.filter(code="sneaky").exists()


def test_a_stale_role_edit_is_refused(personas):
    role = Role.objects.get(code="read_only")
    loaded = role.updated_at
    services.role_update(
        actor=personas.security_admin,
        role=role,
        name=role.name,
        description="First",
        permissions=role.permissions,
        is_external=False,
        updated_at=loaded,
    )
    with pytest.raises(StaleVersionError):
        services.role_update(
            actor=personas.security_admin,
            role=role,
            name=role.name,
            description="Second",
            permissions=[*role.permissions, "reports.view"],
            is_external=False,
            updated_at=loaded,
        )
    role.refresh_from_db()
    assert (role.description, role.permissions) == ("First", ["cases.view"])


def test_the_stale_edit_page_answers_409_with_the_message(personas, client):
    client.force_login(personas.security_admin)
    role = Role.objects.get(code="read_only")
    old = role.updated_at
    services.role_update(
        actor=None,
        role=role,
        name=role.name,
        description="Changed",
        permissions=role.permissions,
        is_external=False,
        updated_at=None,
    )
    response = client.post(
        f"/accounts/admin/roles/{role.pk}/",
        {"name": role.name, "permissions": ["cases.view", "reports.view"], "updated_at": old.isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "Somebody else changed this role" in response.content.decode()


def test_built_in_roles_keep_their_name_and_cannot_be_deleted_but_their_permissions_change(personas):
    role = Role.objects.get(code="branch_manager")
    with pytest.raises(DomainError, match="keeps its name"):
        services.role_update(
            actor=None,
            role=role,
            name="Boss",
            description="",
            permissions=role.permissions,
            is_external=False,
            updated_at=None,
        )
    with pytest.raises(DomainError, match="cannot be deleted"):
        services.role_delete(actor=personas.security_admin, role=role)
    services.role_update(
        actor=personas.security_admin,
        role=role,
        name=role.name,
        description="",
        permissions=["cases.view"],
        is_external=False,
        updated_at=role.updated_at,
    )
    role.refresh_from_db()
    assert (role.permissions, role.is_builtin) == (["cases.view"], True)
    assert Role.objects.filter(code="branch_manager").exists()


def test_a_role_in_use_is_not_deleted_and_the_refusal_says_how_many_hold_it(personas):
    role = services.role_create(actor=None, code="temp", name="Temp", permissions=["cases.view"])
    for user in (personas.read_only, personas.branch_manager):
        services.user_update(
            actor=None,
            user=user,
            role=role,
            unit=user.unit,
            creditors=[personas.creditor],
            display_name="",
            staff_no="",
            email="",
        )
    with pytest.raises(DomainError, match="held by 2 users"):
        services.role_delete(actor=personas.security_admin, role=role)
    assert Role.objects.filter(code="temp").exists()


def test_an_unused_custom_role_is_deleted_and_audited(personas, client):
    role = services.role_create(actor=None, code="temp", name="Temp")
    client.force_login(personas.security_admin)
    response = client.post(f"/accounts/admin/roles/{role.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/accounts/admin/roles/"
    assert not Role.objects.filter(code="temp").exists()
    assert AuditEntry.objects.get(action="role.deleted").changes["code"] == {"old": "temp", "new": None}


def test_the_role_pages_show_built_in_roles_and_permissions_grouped_with_labels(personas, client):
    client.force_login(personas.security_admin)
    listing = client.get("/accounts/admin/roles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="role-security_admin"' in listing and "built-in" in listing
    role = Role.objects.get(code="case_handler")
    page = client.get(f"/accounts/admin/roles/{role.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Share cases in scope with a user or group" in page
    assert 'value="cases.share" id="perm-casesshare" checked' in page
    assert 'value="audit.view" id="perm-auditview">' in page


def test_a_role_is_created_from_the_page(personas, client):
    client.force_login(personas.security_admin)
    response = client.post(
        "/accounts/admin/roles/new/",
        {"code": "viewer2", "name": "Viewer 2", "description": "", "permissions": ["cases.view", "reports.view"]},
    )
    role = Role.objects.get(code="viewer2")
    assert response.status_code == 302 and response["Location"] == f"/accounts/admin/roles/{role.pk}/"
    assert role.permissions == ["cases.view", "reports.view"]


def test_changing_a_role_needs_a_recent_confirmation_of_identity(personas, client):
    from loanlit.accounts import reauth

    client.force_login(personas.security_admin)
    session = client.session
    session.pop(reauth.SESSION_KEY, None)
    session.save()
    role = Role.objects.get(code="read_only")
    response = client.post(
        f"/accounts/admin/roles/{role.pk}/",
        {"name": role.name, "permissions": ["cases.view", "reports.view"], "updated_at": role.updated_at.isoformat()},
    )
    assert response.status_code == 403
    role.refresh_from_db()
    assert role.permissions == ["cases.view"]
    assert not AuditEntry.objects.filter(action="role.updated").exists()


def test_an_edit_without_the_version_it_was_loaded_with_is_refused_and_changes_nothing(personas, client):
    role = Role.objects.get(code="read_only")
    client.force_login(personas.security_admin)
    response = client.post(
        f"/accounts/admin/roles/{role.pk}/",
        {"name": role.name, "permissions": ["cases.view", "reports.view"]},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert "The form is damaged. Reload the page." in response.content.decode()
    role.refresh_from_db()
    assert role.permissions == ["cases.view"]
    assert not AuditEntry.objects.filter(action="role.updated").exists()
