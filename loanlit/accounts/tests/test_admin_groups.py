"""User groups (auth.Group) for case sharing, managed within the security administrator's scope."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from loanlit.accounts import services
from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English (the msgids); pages choose their language per request."""
    with translation.override("en"):
        yield


def _branch_admin(personas):
    return services.user_create(
        actor=None,
        username="sec.bj",
        password=None,
        role_code="security_admin",
        unit=personas.beijing,
        creditors=[personas.creditor],
    )


def test_a_group_is_created_with_members_and_audited(personas):
    group = services.group_create(
        actor=personas.security_admin, name="Team A", members=[personas.case_handler, personas.read_only]
    )
    assert sorted(group.user_set.values_list("username", flat=True)) == ["case_handler", "read_only"]
    entry = AuditEntry.objects.get(action="group.created")
    assert entry.changes["members"] == {"old": None, "new": ["case_handler", "read_only"]}


def test_members_outside_the_scope_cannot_be_added_and_duplicates_are_refused(personas):
    admin = _branch_admin(personas)
    with pytest.raises(DomainError, match="scope"):
        services.group_create(actor=admin, name="Team", members=[personas.outsider_branch])
    services.group_create(actor=admin, name="Team", members=[])
    with pytest.raises(DomainError, match="already exists"):
        services.group_create(actor=admin, name="Team", members=[])
    assert Group.objects.count() == 1


def test_an_update_keeps_the_members_the_administrator_cannot_see(personas):
    group = services.group_create(actor=None, name="Mixed", members=[personas.outsider_branch, personas.read_only])
    admin = _branch_admin(personas)
    services.group_update(actor=admin, group=group, name="Mixed team", members=[personas.case_handler])
    group.refresh_from_db()
    assert group.name == "Mixed team"
    assert sorted(group.user_set.values_list("username", flat=True)) == ["case_handler", "outsider_branch"]
    with pytest.raises(DomainError, match="outside your scope"):
        services.group_delete(actor=admin, group=group)
    assert Group.objects.filter(pk=group.pk).exists()


def test_a_group_is_edited_and_deleted_from_the_pages(personas, client):
    group = services.group_create(actor=None, name="Old", members=[personas.read_only])
    client.force_login(personas.security_admin)
    page = client.get(f"/accounts/admin/groups/{group.pk}/")
    assert page.status_code == 200
    response = client.post(f"/accounts/admin/groups/{group.pk}/", {"name": "New", "members": [personas.auditor.pk]})
    assert response.status_code == 302
    assert list(group.user_set.values_list("username", flat=True)) == ["auditor"]
    response = client.post(f"/accounts/admin/groups/{group.pk}/delete/")
    assert response.status_code == 302 and not Group.objects.filter(pk=group.pk).exists()
    assert AuditEntry.objects.filter(action__startswith="group.").count() == 3


def test_a_group_of_another_creditors_accounts_is_neither_listed_nor_editable(personas, client):
    other = Group.objects.create(name="BankB-team")
    personas.outsider_creditor.groups.add(other)
    empty = Group.objects.create(name="New team")
    client.force_login(personas.security_admin)
    page = client.get("/accounts/admin/groups/").content.decode()
    assert "BankB-team" not in page and "New team" in page
    audit_before = AuditEntry.objects.count()
    assert client.get(f"/accounts/admin/groups/{other.pk}/").status_code == 404
    response = client.post(
        f"/accounts/admin/groups/{other.pk}/", {"name": "pwned", "members": [personas.case_handler.pk]}
    )
    assert response.status_code == 404
    assert client.post(f"/accounts/admin/groups/{other.pk}/delete/").status_code == 404
    other.refresh_from_db()
    assert other.name == "BankB-team"
    assert list(other.user_set.values_list("username", flat=True)) == ["outsider_creditor"]
    assert AuditEntry.objects.count() == audit_before
    assert client.get(f"/accounts/admin/groups/{empty.pk}/").status_code == 200
