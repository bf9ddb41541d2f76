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
    assert personas.administrator.has_code("admin.manage_users")
