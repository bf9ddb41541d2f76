import pytest
from django.contrib.auth.models import AnonymousUser

from loanlit.accounts.selectors import creditors_visible_to, org_units_visible_to, scope_q
from loanlit.core.models import OrgUnit

pytestmark = pytest.mark.django_db


def _codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_unit_scope_is_the_subtree(personas):
    assert _codes(org_units_visible_to(personas.case_handler)) == ["BJ", "BJ-CY"]
    assert _codes(org_units_visible_to(personas.administrator)) == ["BJ", "BJ-CY", "GD", "HO"]
    assert _codes(org_units_visible_to(personas.outsider_branch)) == ["GD"]


def test_creditor_scope_keeps_other_creditors_out(personas):
    assert _codes(creditors_visible_to(personas.case_handler)) == ["BANK-A"]
    assert _codes(creditors_visible_to(personas.outsider_creditor)) == ["BANK-B"]


def test_scope_q_combines_unit_subtree_and_creditor(personas):
    # OrgUnit has no creditor column; scope by path alone through the same builder.
    q = scope_q(personas.case_handler, unit_path_field="path", creditor_field=None)
    assert _codes(OrgUnit.objects.filter(q)) == ["BJ", "BJ-CY"]


def test_anonymous_and_inactive_users_see_nothing(personas):
    assert _codes(OrgUnit.objects.filter(scope_q(AnonymousUser(), unit_path_field="path", creditor_field=None))) == []
    personas.read_only.is_active = False
    assert (
        _codes(OrgUnit.objects.filter(scope_q(personas.read_only, unit_path_field="path", creditor_field=None))) == []
    )


def test_user_without_creditor_sees_nothing_when_rows_belong_to_creditors(personas):
    personas.case_handler.creditors.clear()
    personas.case_handler.__dict__.pop("_creditor_ids", None)
    assert scope_q(personas.case_handler) == scope_q(AnonymousUser())
