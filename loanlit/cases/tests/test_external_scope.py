"""What an external lawyer sees (issue 10), asserted against the real pages and selectors.

The lawyer works for the panel firm the Beijing case is placed with. The same borrower has a second loan at
the Beijing branch that is not linked to the case; a second case of the same creditor is placed with another
firm. The lawyer's persona has a unit (Beijing), which must never widen the scope. What the lawyer sees and
may do in the apps above cases (documents, comments, tasks, settlements, approvals) is asserted in
tests/test_external_scope_across_apps.py on the same world (``build_placed``).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from loanlit.accounts import services as account_services
from loanlit.accounts.models import Role
from loanlit.cases import access, selectors
from loanlit.cases import services as cases
from loanlit.cases.tests import factories
from loanlit.cases.tests.views_support import build_case_world, text
from loanlit.loans import selectors as loan_selectors
from loanlit.parties import services as party_services
from loanlit.parties.models import PartyContact
from loanlit.parties.tests.support import make_ric

pytestmark = pytest.mark.django_db

ADDRESS = "北京市朝阳区建国路88号"


@pytest.fixture
def placed(personas):
    return build_placed(personas)


def build_placed(personas):
    """The Beijing case placed with the lawyer's firm; the borrower's address; an unlinked second loan."""
    cw = build_case_world(personas)
    firm = cases.law_firm_create(actor=None, name="Panel Firm", creditors=[personas.creditor])
    cases.law_firm_member_add(actor=None, law_firm=firm, user=personas.external_lawyer)
    cases.case_place_with_firm(actor=None, case=cw.case, law_firm=firm, version=cw.case.version)
    cw.case.refresh_from_db()
    party_services.party_contact_add(
        actor=None,
        party=cw.borrower,
        kind=PartyContact.Kind.ADDRESS,
        value=ADDRESS,
        address_kind=PartyContact.AddressKind.DOMICILE,
    )
    # The same borrower's other loan at the same branch, not linked to the placed case.
    cw.other_loan = factories.loan(
        personas.creditor, personas.beijing, borrower=cw.borrower, contract_no="LN-NOT-PLACED"
    )
    cw.firm = firm
    return cw


@pytest.fixture
def other_firm_case(personas):
    cw = build_case_world(personas, name="Li Si", seq=2)
    firm = cases.law_firm_create(actor=None, name="Other Firm", creditors=[personas.creditor])
    cases.case_place_with_firm(actor=None, case=cw.case, law_firm=firm, version=cw.case.version)
    return cw.case


def _lawyer(client, personas):
    client.force_login(personas.external_lawyer)
    return client


def test_lawyer_sees_the_placed_case_page_with_case_number_court_stage_and_amounts(client, personas, placed):
    proceeding = cases.proceeding_set_case_number(
        actor=None,
        proceeding=placed.proceeding,
        court_case_number="(2026)京0105民初123号",
        version=placed.proceeding.version,
    )
    page = text(_lawyer(client, personas).get(reverse("cases:case_detail", args=[placed.case.pk])))
    assert placed.case.internal_no in page
    assert placed.case.stage.name in page
    assert "12,345.67" in page  # the claim total (principal 12,000.00 + interest 345.67)
    proceedings = text(client.get(reverse("cases:case_tab", args=[placed.case.pk, "proceedings"])))
    assert placed.court.name in proceedings
    assert proceeding.court_case_number in proceedings
    assert placed.case.opened_on.isoformat() in page


def test_lawyer_sees_party_names_and_addresses_with_the_id_number_masked(client, personas, placed):
    ric = make_ric(1)
    _lawyer(client, personas)
    parties = text(client.get(reverse("cases:case_tab", args=[placed.case.pk, "parties"])))
    assert "Zhang San" in parties
    assert ric[:6] + "********" + ric[-4:] in parties
    assert ric not in parties
    party_page = text(client.get(reverse("cases:party_detail", args=[placed.borrower.pk])))
    assert ADDRESS in party_page
    assert ric not in party_page
    reveal = client.post(reverse("cases:party_reveal", args=[placed.borrower.pk]))
    assert reveal.status_code == 403
    assert ric not in reveal.content.decode()


def test_lawyer_cannot_open_a_loan_of_the_same_borrower_outside_the_placement(client, personas, placed):
    _lawyer(client, personas)
    assert client.get(reverse("loans:loan_detail", args=[placed.other_loan.pk])).status_code == 404
    visible = set(loan_selectors.loans_visible_to(personas.external_lawyer).values_list("pk", flat=True))
    assert visible == {placed.loan.pk}
    party = selectors.party_page_for_user(user=personas.external_lawyer, pk=placed.borrower.pk)
    assert party.loans == []
    loans_tab = text(client.get(reverse("cases:case_tab", args=[placed.case.pk, "loans"])))
    assert placed.loan.contract_no in loans_tab
    assert "LN-NOT-PLACED" not in loans_tab


def test_a_bank_handler_still_sees_the_branch_loan_book(personas, placed):
    visible = set(loan_selectors.loans_visible_to(personas.case_handler).values_list("pk", flat=True))
    assert {placed.loan.pk, placed.other_loan.pk} <= visible


def test_a_recalled_placement_removes_the_case_and_its_loans(client, personas, placed):
    _lawyer(client, personas)
    cases.case_recall(actor=None, case=placed.case, version=placed.case.version)
    assert client.get(reverse("cases:case_detail", args=[placed.case.pk])).status_code == 404
    assert client.get(reverse("cases:party_detail", args=[placed.borrower.pk])).status_code == 404
    assert loan_selectors.loans_visible_to(personas.external_lawyer).count() == 0
    assert selectors.case_list_for_user(user=personas.external_lawyer).count() == 0


def test_lawyer_gets_404_on_another_firms_case_and_it_is_not_listed(client, personas, placed, other_firm_case):
    _lawyer(client, personas)
    assert client.get(reverse("cases:case_detail", args=[other_firm_case.pk])).status_code == 404
    listed = list(selectors.case_list_for_user(user=personas.external_lawyer).values_list("pk", flat=True))
    assert listed == [placed.case.pk]


def test_a_custom_role_marked_external_is_scoped_like_the_lawyer_role(personas, placed):
    role = Role.objects.create(
        code="panel_paralegal", name="Panel paralegal", permissions=["cases.view"], is_external=True
    )
    user = account_services.user_create(
        actor=None,
        username="paralegal",
        password=None,
        role_code=role.code,
        unit=personas.beijing,
        creditors=[personas.creditor],
    )
    assert access.is_external_lawyer(user)
    # Has a Beijing unit, yet sees nothing until the firm takes the user on.
    assert selectors.case_list_for_user(user=user).count() == 0
    assert loan_selectors.loans_visible_to(user).count() == 0
    cases.law_firm_member_add(actor=None, law_firm=placed.firm, user=user)
    user = type(user).objects.get(pk=user.pk)
    assert list(selectors.case_list_for_user(user=user).values_list("pk", flat=True)) == [placed.case.pk]
    assert user not in access.case_staff(placed.case)


def test_a_role_without_cases_view_sees_no_loan_even_at_head_office(client, personas, placed):
    assert loan_selectors.loans_visible_to(personas.security_admin).count() == 0
    client.force_login(personas.security_admin)
    assert client.get(reverse("loans:loan_detail", args=[placed.loan.pk])).status_code == 404
    assert client.get(reverse("cases:party_detail", args=[placed.borrower.pk])).status_code == 404
