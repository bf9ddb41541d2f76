import pytest

from loanlit.accounts.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_builtin_roles_are_seeded_by_migration():
    assert sorted(Role.objects.filter(is_builtin=True).values_list("code", flat=True)) == [
        "administrator",
        "auditor",
        "branch_manager",
        "case_handler",
        "external_lawyer",
        "legal_manager",
        "read_only",
        "security_admin",
    ]


def test_unit_paths_are_materialised_and_nested(personas):
    assert personas.head_office.path == "0001."
    assert personas.beijing.path == "0001.0001."
    assert personas.beijing_chaoyang.path == "0001.0001.0001."
    assert personas.guangdong.path == "0001.0002."
    assert personas.beijing_chaoyang.depth == 2
    assert personas.beijing_chaoyang.is_within(personas.beijing)
    assert not personas.guangdong.is_within(personas.beijing)


def test_role_codes_grant_only_their_permissions(personas):
    assert personas.auditor.has_code("audit.view")
    assert not personas.case_handler.has_code("audit.view")
    # Separation of duties: the system administrator neither manages accounts nor reads the audit trail.
    assert not personas.administrator.has_code("admin.manage_users")
    assert not personas.administrator.has_code("audit.view")
    assert personas.security_admin.has_code("admin.manage_users")
    assert personas.security_admin.has_code("admin.manage_roles")
    assert not personas.security_admin.has_code("audit.view")
    assert not personas.security_admin.has_code("cases.view")


def test_refused_unit_creation_writes_nothing_not_even_audit(personas):
    from loanlit.accounts import services
    from loanlit.audit.models import AuditEntry
    from loanlit.core.errors import DomainError
    from loanlit.core.models import OrgUnit

    before = (OrgUnit.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError, match="BJ"):
        services.org_unit_create(actor=personas.administrator, code="BJ", name="Again", kind="branch")
    assert (OrgUnit.objects.count(), AuditEntry.objects.count()) == before


def test_unit_creation_is_audited_on_the_global_stream(personas):
    from loanlit.accounts import services
    from loanlit.audit.models import AuditEntry

    unit = services.org_unit_create(
        actor=personas.administrator, code="SH", name="Shanghai branch", kind="branch", parent=personas.head_office
    )
    entry = AuditEntry.objects.filter(action="org_unit.created").order_by("-pk").first()
    assert entry is not None and entry.stream == "global"
    assert entry.target_id == str(unit.pk)
    assert entry.actor_id == personas.administrator.pk
