"""Explicit case sharing (issue 10): who may share, who may receive, what a live share gives, its pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loanlit.audit.models import AuditEntry
from loanlit.cases import access, selectors
from loanlit.cases.models import CaseEvent, CaseShare
from loanlit.cases.services.sharing import case_share, case_unshare
from loanlit.cases.tests.views_support import text
from loanlit.core.errors import DomainError, PermissionDeniedError

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # 18:00 in Beijing, 2026-03-02


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # a new request's user: nothing cached


@pytest.fixture
def case(world):
    return world.case


def test_a_user_share_lets_a_guangdong_handler_see_but_not_edit_the_beijing_case(personas, case):
    outsider = personas.outsider_branch
    assert not access.can_view(fresh(outsider), case)
    share = case_share(actor=personas.case_handler, case=case, user=outsider, note="covering  a hearing")
    assert access.can_view(fresh(outsider), case)
    assert not access.can_edit(fresh(outsider), case)
    assert share.granted_by == personas.case_handler and share.note == "covering a hearing"
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CASE_SHARED)
    assert event.params == {"user": outsider.pk, "group": None, "can_edit": False}
    entry = AuditEntry.objects.get(action="case.shared")
    assert entry.stream == f"case:{case.pk}" and entry.target_id == str(share.pk)


def test_a_share_with_edit_rights_lets_the_recipient_edit(personas, case):
    case_share(actor=personas.case_handler, case=case, user=personas.outsider_branch, can_edit=True)
    assert access.can_edit(fresh(personas.outsider_branch), case)


def test_edit_rights_through_a_share_still_need_the_roles_cases_edit(personas, case):
    from loanlit.accounts import services as account_services

    viewer = account_services.user_create(
        actor=None,
        username="gd_reader",
        password=None,
        role_code="read_only",
        unit=personas.guangdong,
        creditors=[personas.creditor],
    )
    case_share(actor=personas.case_handler, case=case, user=viewer, can_edit=True)
    assert access.can_view(fresh(viewer), case)
    assert not access.can_edit(fresh(viewer), case)


def test_a_group_share_reaches_only_members_who_serve_the_cases_creditor(personas, case):
    group = Group.objects.create(name="Litigation pool")
    personas.outsider_branch.groups.add(group)
    personas.outsider_creditor.groups.add(group)
    case_share(actor=personas.case_handler, case=case, group=group)
    assert access.can_view(fresh(personas.outsider_branch), case)
    assert not access.can_view(fresh(personas.outsider_creditor), case)
    personas.outsider_branch.groups.remove(group)
    assert not access.can_view(fresh(personas.outsider_branch), case)


def test_a_group_share_never_reaches_an_external_lawyer(personas, case):
    group = Group.objects.create(name="Everyone")
    personas.external_lawyer.groups.add(group)
    personas.outsider_branch.groups.add(group)
    case_share(actor=personas.case_handler, case=case, group=group)
    assert access.can_view(fresh(personas.outsider_branch), case)
    assert not access.can_view(fresh(personas.external_lawyer), case)


def test_a_group_nobody_of_the_cases_creditor_is_in_is_neither_offered_nor_accepted(personas, case):
    from loanlit.audit.models import AuditEntry
    from loanlit.cases.models import CaseShare
    from loanlit.cases.services.sharing import share_groups
    from loanlit.core.errors import DomainError

    other_bank = Group.objects.create(name="Bank B team")
    personas.outsider_creditor.groups.add(other_bank)
    lawyers = Group.objects.create(name="Panel lawyers")
    personas.external_lawyer.groups.add(lawyers)
    ours = Group.objects.create(name="Guangdong team")
    personas.outsider_branch.groups.add(ours)
    assert [g.name for g in share_groups(case)] == ["Guangdong team"]
    audit_before = AuditEntry.objects.count()
    for group in (other_bank, lawyers):
        with pytest.raises(DomainError):
            case_share(actor=personas.case_handler, case=case, group=group)
    assert CaseShare.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_a_share_ends_when_its_end_date_begins(personas, case):
    with time_machine.travel(NOW, tick=False):
        case_share(
            actor=personas.case_handler, case=case, user=personas.outsider_branch, expires_on=dt.date(2026, 3, 4)
        )
        assert access.can_view(fresh(personas.outsider_branch), case)
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert access.can_view(fresh(personas.outsider_branch), case)  # 2026-03-03: still live
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        assert not access.can_view(fresh(personas.outsider_branch), case)  # 2026-03-04: ended


def test_a_share_must_end_after_today(personas, case):
    with time_machine.travel(NOW, tick=False), pytest.raises(DomainError) as refused:
        case_share(
            actor=personas.case_handler, case=case, user=personas.outsider_branch, expires_on=dt.date(2026, 3, 2)
        )
    assert refused.value.code == "invalid_expiry"
    assert not CaseShare.objects.exists()


@pytest.mark.parametrize(
    ("recipient", "code"),
    [("outsider_creditor", "recipient_creditor"), ("external_lawyer", "recipient_external")],
)
def test_a_share_never_crosses_creditors_nor_goes_to_a_lawyer(personas, case, recipient, code):
    with pytest.raises(DomainError) as refused:
        case_share(actor=personas.case_handler, case=case, user=getattr(personas, recipient))
    assert refused.value.code == code
    assert not CaseShare.objects.exists() and not CaseEvent.objects.filter(kind=CaseEvent.Kind.CASE_SHARED).exists()


@pytest.mark.parametrize("sharer", ["branch_manager", "read_only", "outsider_branch", "external_lawyer"])
def test_only_an_editor_with_cases_share_may_share(personas, case, sharer):
    with pytest.raises(PermissionDeniedError):
        case_share(actor=getattr(personas, sharer), case=case, user=personas.legal_manager)
    assert not CaseShare.objects.exists()


def test_sharing_again_changes_the_existing_share(personas, case):
    first = case_share(actor=personas.case_handler, case=case, user=personas.outsider_branch)
    again = case_share(actor=personas.case_handler, case=case, user=personas.outsider_branch, can_edit=True)
    assert again.pk == first.pk and CaseShare.objects.get().can_edit is True
    assert AuditEntry.objects.filter(action="case.shared").order_by("-pk").first().changes["can_edit"] == [False, True]


def test_withdrawing_a_share_removes_the_sight_of_the_case(personas, case):
    share = case_share(actor=personas.case_handler, case=case, user=personas.outsider_branch)
    case_unshare(actor=personas.legal_manager, share=share)
    assert not CaseShare.objects.exists()
    assert not access.can_view(fresh(personas.outsider_branch), case)
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.CASE_UNSHARED).count() == 1
    assert AuditEntry.objects.filter(action="case.unshared", target_id=str(share.pk)).count() == 1


def test_a_shared_case_is_listed_once_and_the_list_keeps_its_query_count(personas, case, world):
    user = fresh(personas.outsider_branch)
    with CaptureQueriesContext(connection) as before:
        assert list(selectors.case_list_for_user(user=user)) == []
    group = Group.objects.create(name="Pool")
    personas.outsider_branch.groups.add(group)
    case_share(actor=personas.case_handler, case=case, user=personas.outsider_branch)
    case_share(actor=personas.case_handler, case=case, group=group)
    user = fresh(personas.outsider_branch)
    with CaptureQueriesContext(connection) as after:
        assert [c.pk for c in selectors.case_list_for_user(user=user)] == [case.pk]
    assert len(after) == len(before)
    assert "DISTINCT" not in after.captured_queries[-1]["sql"].upper()


# --- the pages --------------------------------------------------------------------------------------------


def test_the_case_page_panel_lists_shares_and_the_forms_add_and_withdraw_them(client, personas, case):
    group = Group.objects.create(name="Recovery desk")
    personas.outsider_branch.groups.add(group)  # only groups reaching someone of the case's creditor are offered
    client.force_login(personas.case_handler)
    page = text(client.get(case.get_absolute_url()))
    assert 'id="case-sharing-panel"' in page and "The case is not shared with anyone." in page
    response = client.post(
        reverse("cases:share_add", args=[case.pk]),
        {"group": group.pk, "can_edit": "on", "expires_on": "2099-01-01", "note": "desk"},
    )
    assert response.status_code == 302
    share = CaseShare.objects.get()
    assert (share.group, share.can_edit, share.expires_on) == (group, True, dt.date(2099, 1, 1))
    page = text(client.get(case.get_absolute_url()))
    assert "Group Recovery desk" in page and "until 2099-01-01" in page
    response = client.post(reverse("cases:share_remove", args=[case.pk, share.pk]))
    assert response.status_code == 302 and not CaseShare.objects.exists()


def test_the_share_form_refuses_both_or_neither_recipient(client, personas, case):
    group = Group.objects.create(name="Desk")
    personas.outsider_branch.groups.add(group)
    client.force_login(personas.case_handler)
    for data in ({"note": "x"}, {"group": group.pk, "user": personas.legal_manager.pk}):
        response = client.post(reverse("cases:share_add", args=[case.pk]), data)
        assert response.status_code == 200
        assert "Choose either a user or a group to share the case with." in text(response)
    assert not CaseShare.objects.exists()


def test_the_share_form_offers_no_other_creditors_user_nor_lawyer(client, personas, case):
    client.force_login(personas.case_handler)
    response = client.post(reverse("cases:share_add", args=[case.pk]), {"user": personas.outsider_creditor.pk})
    assert response.status_code == 200 and not CaseShare.objects.exists()
    form = response.context["form"]
    offered = set(form.fields["user"].queryset.values_list("username", flat=True))
    assert "outsider_creditor" not in offered and "external_lawyer" not in offered
    assert "outsider_branch" in offered


def test_the_panel_is_not_shown_to_a_viewer_who_may_not_share(client, personas, case):
    client.force_login(personas.branch_manager)
    page = text(client.get(case.get_absolute_url()))
    assert 'id="case-sharing-panel"' not in page


def test_a_view_only_recipient_gets_403_on_edit_forms_and_an_unshared_user_404(client, personas, case):
    case_share(actor=personas.case_handler, case=case, user=personas.outsider_branch)
    client.force_login(personas.outsider_branch)
    assert client.get(case.get_absolute_url()).status_code == 200
    assert client.get(reverse("cases:case_edit", args=[case.pk])).status_code == 403
    client.force_login(personas.outsider_creditor)
    assert client.get(reverse("cases:case_edit", args=[case.pk])).status_code == 404
