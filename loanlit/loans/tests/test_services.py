from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError, StaleVersionError
from loanlit.law.calendar import Calendar
from loanlit.loans import selectors, services
from loanlit.loans.models import GuaranteeContract, LoanBalanceSnapshot, LoanContract
from loanlit.loans.tests.support import loan_row
from loanlit.parties.models import Party
from loanlit.parties.services import PartyInput
from loanlit.parties.tests.support import make_ric

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan(personas) -> LoanContract:
    return services.loan_create(
        actor=personas.case_handler, creditor=personas.creditor, row=loan_row(1, personas.beijing_chaoyang)
    )


@pytest.mark.parametrize(
    ("overdue_since", "as_of", "expected"),
    [
        (None, dt.date(2024, 7, 1), 0),
        (dt.date(2024, 7, 2), dt.date(2024, 7, 1), 0),
        (dt.date(2024, 7, 1), dt.date(2024, 7, 1), 1),
        (dt.date(2024, 1, 31), dt.date(2024, 3, 1), 31),
    ],
)
def test_days_past_due_counts_the_first_overdue_day_as_day_one(overdue_since, as_of, expected):
    assert services.days_past_due(overdue_since, as_of) == expected


def test_guarantee_period_defaults_to_six_months_after_maturity_rolled_past_rest_days(personas, loan):
    contract = GuaranteeContract(guarantee_type="joint")
    loan.maturity_date = dt.date(2024, 4, 4)  # + 6 months = 4 Oct 2024, National Day holiday
    assert services.guarantee_period_end(contract, loan, calendar=Calendar()) == dt.date(2024, 10, 8)
    loan.maturity_date = dt.date(2024, 3, 15)
    assert services.guarantee_period_end(contract, loan, calendar=Calendar()) == dt.date(2024, 9, 18)


def test_guarantee_period_runs_from_an_earlier_acceleration_date(personas, loan):
    loan.maturity_date, loan.accelerated_on = dt.date(2026, 1, 15), dt.date(2024, 5, 20)
    contract = GuaranteeContract()
    assert services.guarantee_period_end(contract, loan, calendar=Calendar()) == dt.date(2024, 11, 20)


def test_an_agreed_guarantee_period_is_used_unless_it_ends_with_the_main_debt(personas, loan):
    loan.maturity_date = dt.date(2024, 3, 15)
    assert services.guarantee_period_end(
        GuaranteeContract(period_agreed_end=dt.date(2027, 3, 15)), loan, calendar=Calendar()
    ) == dt.date(2027, 3, 15)
    # Ending on or before the main debt's due date counts as no agreement (Civil Code art. 692 para 2).
    assert services.guarantee_period_end(
        GuaranteeContract(period_agreed_end=dt.date(2024, 3, 15)), loan, calendar=Calendar()
    ) == dt.date(2024, 9, 18)


def test_guarantee_contract_create_treats_an_unclear_type_as_general(personas, loan):
    guarantor = Party.objects.get()
    contract = services.guarantee_contract_create(
        actor=personas.case_handler,
        creditor=personas.creditor,
        contract_no="BZ-9",
        guarantor=guarantor,
        loans=[loan],
        guarantee_type="unclear wording",
        is_maximum=True,
        cap_amount=Decimal("300000.00"),
    )
    assert contract.guarantee_type == "general"
    assert contract.cap_amount == Decimal("300000.00")
    assert list(contract.loans.all()) == [loan]
    assert AuditEntry.objects.filter(action="guarantee_contract.created", target_id=str(contract.pk)).count() == 1


def test_security_and_collateral_may_secure_several_loans(personas, loan):
    second = services.loan_create(actor=None, creditor=personas.creditor, row=loan_row(2, personas.beijing))
    provider = Party.objects.first()
    contract = services.security_contract_create(
        actor=personas.case_handler,
        creditor=personas.creditor,
        contract_no="DY-9",
        kind="mortgage",
        provider=provider,
        loans=[loan, second],
    )
    item = services.collateral_create(
        actor=personas.case_handler,
        creditor=personas.creditor,
        kind="real_estate",
        description="Room 101",
        appraised_value=Decimal("1200000.00"),
        security_contracts=[contract],
        owner=provider,
    )
    assert item.appraised_value == Decimal("1200000.00")
    assert sorted(lp.pk for lp in contract.loans.all()) == sorted([loan.pk, second.pk])


def test_loan_update_is_versioned_recomputes_days_past_due_and_moves_the_scope(personas, loan):
    updated = services.loan_update(
        actor=personas.legal_manager,
        loan=loan,
        version=1,
        overdue_since=dt.date(2024, 6, 1),
        unit=personas.guangdong,
        as_of=dt.date(2024, 6, 30),
    )
    assert updated.version == 2
    assert updated.days_past_due == 30
    assert updated.unit_path == personas.guangdong.path
    entry = AuditEntry.objects.get(action="loan.updated")
    assert entry.changes["unit"] == {"old": "BJ-CY", "new": "GD"}
    with pytest.raises(StaleVersionError):
        services.loan_update(actor=personas.legal_manager, loan=loan, version=1, risk_class="loss")
    assert LoanContract.objects.get().risk_class == "normal"


def test_loan_update_refuses_a_float_and_writes_nothing(personas, loan):
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        services.loan_update(actor=personas.case_handler, loan=loan, version=1, principal=1000.5)
    loan.refresh_from_db()
    assert loan.principal == Decimal("100001.00") and loan.version == 1
    assert AuditEntry.objects.count() == before


def test_balance_snapshot_add_is_exact_and_one_per_day_and_source(personas, loan):
    snap = services.balance_snapshot_add(
        actor=personas.case_handler,
        loan=loan,
        as_of=dt.date(2025, 1, 31),
        principal=Decimal("79000.00"),
        interest_on_balance="10.10",
        penalty=Decimal("0.01"),
    )
    assert snap.total == Decimal("79010.11") and snap.currency == "CNY" and snap.source == "manual"
    with pytest.raises(DomainError):
        services.balance_snapshot_add(
            actor=personas.case_handler, loan=loan, as_of=dt.date(2025, 1, 31), principal=Decimal("1.00")
        )
    assert LoanBalanceSnapshot.objects.filter(loan=loan).count() == 2  # the imported one and this one


def test_loans_are_scoped_by_unit_subtree_and_creditor(personas, loan):
    assert selectors.loan_get_for_user(user=personas.case_handler, pk=loan.pk) == loan  # Beijing ⊃ Chaoyang
    assert selectors.loan_get_for_user(user=personas.legal_manager, pk=loan.pk) == loan  # head office
    for outsider in (personas.outsider_branch, personas.outsider_creditor):
        with pytest.raises(Http404):
            selectors.loan_get_for_user(user=outsider, pk=loan.pk)


def test_loans_for_party_lists_only_loans_in_scope(personas, loan):
    borrower = PartyInput(name="借款人1", id_number=make_ric(1, birth="19700101"))
    services.loan_create(
        actor=None, creditor=personas.creditor, row=loan_row(2, personas.guangdong, borrowers=[borrower])
    )
    party = Party.objects.get()
    assert [lo.contract_no for lo in selectors.loans_for_party(user=personas.legal_manager, party=party)] == [
        "JK-2024-000002",
        "JK-2024-000001",
    ]
    assert [lo.contract_no for lo in selectors.loans_for_party(user=personas.case_handler, party=party)] == [
        "JK-2024-000001"
    ]
    assert list(selectors.loans_for_party(user=personas.outsider_creditor, party=party)) == []
