from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from loanlit.audit.models import AuditEntry
from loanlit.core import subjects
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.loans import services
from loanlit.loans.models import (
    Collateral,
    GuaranteeContract,
    LoanBalanceSnapshot,
    LoanContract,
    LoanParty,
    RepaymentInstalment,
    SecurityContract,
)
from loanlit.loans.services import CollateralInput, GuaranteeInput, SecurityInput
from loanlit.loans.tests.support import loan_row
from loanlit.parties.models import Party, PartyContact, PartyMergeCandidate
from loanlit.parties.services import PartyInput
from loanlit.parties.tests.support import make_ric, make_uscc

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2024, 7, 15)


def run(personas, rows, **kwargs):
    kwargs.setdefault("as_of", AS_OF)
    return services.loans_import_batch(actor=personas.case_handler, creditor=personas.creditor, rows=rows, **kwargs)


@pytest.mark.smoke
def test_an_imported_loan_keeps_exact_amounts_rates_and_dates(personas):
    result = run(personas, [loan_row(1, personas.beijing_chaoyang)])
    assert result.created_count == 1 and result.error_count == 0
    loan = LoanContract.objects.get()
    assert loan.contract_no == "JK-2024-000001"
    assert loan.principal == Decimal("100001.00")
    assert loan.annual_rate == Decimal("4.350000")
    assert loan.penalty_rate == Decimal("6.525000")
    assert loan.currency == "CNY"
    assert loan.unit == personas.beijing_chaoyang
    assert loan.unit_path == personas.beijing_chaoyang.path
    assert loan.overdue_since == dt.date(2024, 6, 16)
    assert loan.days_past_due == 30  # 16 June is day 1, 15 July day 30
    assert loan.days_past_due_as_of == AS_OF
    snapshot = LoanBalanceSnapshot.objects.get(loan=loan)
    assert (snapshot.principal, snapshot.interest_on_balance, snapshot.interest_off_balance) == (
        Decimal("80000.00"),
        Decimal("1234.56"),
        Decimal("100.01"),
    )
    assert (snapshot.penalty, snapshot.compound, snapshot.fees) == (Decimal("50.50"), Decimal("3.03"), Decimal("0.00"))
    assert snapshot.total == Decimal("81388.10")
    assert snapshot.currency == "CNY" and snapshot.source == "import"
    instalments = list(RepaymentInstalment.objects.filter(loan=loan).order_by("seq"))
    assert [(i.seq, i.principal, i.interest) for i in instalments] == [
        (1, Decimal("2500.00"), Decimal("362.50")),
        (2, Decimal("2509.06"), Decimal("353.44")),
    ]
    [link] = LoanParty.objects.filter(loan=loan)
    assert link.role == "borrower" and link.party.name == "借款人1"
    assert link.party.creditor == personas.creditor
    assert PartyContact.objects.get(party=link.party).phone.reveal() == "13800000001"


def test_bad_rows_get_errors_and_good_rows_are_imported(personas):
    unit = personas.beijing
    rows = [
        loan_row(1, unit),
        loan_row(2, unit, principal=1234.5),
        loan_row(3, unit, principal=Decimal("-1.00")),
        loan_row(4, unit, start_date="2023-02-30"),
        loan_row(5, unit, contract_no="JK-2024-000001"),
        loan_row(6, unit, borrowers=[PartyInput(name="好人", mobile="12")]),
        loan_row(7, unit),
    ]
    result = run(personas, rows)
    assert [row.status for row in result.rows] == ["created", "error", "error", "error", "error", "error", "created"]
    assert result.rows[1].errors == [
        "Principal: A float cannot be used as an amount (binary floating point is inexact); use Decimal or a string."
    ]
    assert result.rows[2].errors == ["Principal must be greater than zero."]
    assert result.rows[3].errors == ["Start date is not a valid date (YYYY-MM-DD): 2023-02-30."]
    assert result.rows[4].errors == ["Contract number JK-2024-000001 already exists."]
    assert result.rows[5].errors[0].startswith("Borrower 1: Mobile number")
    assert sorted(LoanContract.objects.values_list("contract_no", flat=True)) == ["JK-2024-000001", "JK-2024-000007"]
    # Nothing half-written for the bad rows: no orphan parties, contacts, snapshots or instalments.
    assert sorted(Party.objects.values_list("name", flat=True)) == ["借款人1", "借款人7"]
    assert PartyContact.objects.count() == 2
    assert LoanBalanceSnapshot.objects.count() == 2
    assert RepaymentInstalment.objects.count() == 4
    assert AuditEntry.objects.filter(action="loan.imported").count() == 2


def test_a_contract_number_on_file_is_an_error_or_skipped_as_asked(personas):
    run(personas, [loan_row(1, personas.beijing)])
    again = run(personas, [loan_row(1, personas.beijing), loan_row(2, personas.beijing)])
    assert again.rows[0].errors == ["Contract number JK-2024-000001 already exists."]
    assert again.rows[1].status == "created"
    skipped = run(personas, [loan_row(1, personas.beijing)], on_duplicate="skip")
    assert skipped.rows[0].status == "skipped" and skipped.rows[0].errors == []
    assert skipped.rows[0].loan == LoanContract.objects.get(contract_no="JK-2024-000001")
    assert LoanContract.objects.count() == 2
    assert Party.objects.count() == 2


def test_contract_numbers_are_unique_per_creditor_only(personas):
    run(personas, [loan_row(1, personas.beijing)])
    other = services.loans_import_batch(
        actor=personas.outsider_creditor,
        creditor=personas.other_creditor,
        rows=[loan_row(1, personas.other_head_office)],
    )
    assert other.created_count == 1
    assert LoanContract.objects.filter(contract_no="JK-2024-000001").count() == 2
    assert Party.objects.count() == 2  # same ID, two creditors, two parties


def test_the_same_borrower_on_two_loans_is_one_party(personas):
    borrower = PartyInput(name="共同人", id_number=make_ric(500), mobile="13912345678")
    result = run(
        personas,
        [
            loan_row(1, personas.beijing, borrowers=[borrower]),
            loan_row(2, personas.beijing, borrowers=[borrower], co_borrowers=[PartyInput(name="配偶")]),
        ],
    )
    assert result.created_count == 2
    party = Party.objects.get(name="共同人")
    assert LoanParty.objects.filter(party=party).count() == 2
    assert PartyContact.objects.filter(party=party).count() == 1
    assert LoanParty.objects.get(party__name="配偶").role == "co_borrower"


def test_a_borrower_known_under_another_name_links_the_existing_party_and_opens_a_review(personas):
    run(personas, [loan_row(1, personas.beijing, borrowers=[PartyInput(name="张三", id_number=make_ric(501))])])
    result = run(
        personas, [loan_row(2, personas.beijing, borrowers=[PartyInput(name="张叁", id_number=make_ric(501))])]
    )
    row = result.rows[0]
    assert row.status == "created"
    assert len(row.merge_candidates) == 1
    assert Party.objects.count() == 1 and Party.objects.get().name == "张三"
    assert LoanParty.objects.get(loan=row.loan).party == Party.objects.get()
    assert PartyMergeCandidate.objects.get().incoming_name == "张叁"


def test_import_audit_has_one_entry_per_loan_recording_its_new_parties_without_plaintext(personas):
    before = AuditEntry.objects.count()
    rows = [loan_row(i, personas.beijing) for i in range(1, 6)] + [loan_row(9, personas.beijing, principal=1.5)]
    run(personas, rows)
    stream = f"creditor:{personas.creditor.pk}"
    assert AuditEntry.objects.filter(stream=stream, action="loan.imported").count() == 5
    assert AuditEntry.objects.count() == before + 5
    entry = AuditEntry.objects.filter(action="loan.imported").order_by("seq").first()
    assert entry.target_type == "loans.loancontract"
    assert entry.changes["principal"] == "100001.00"
    assert entry.changes["days_past_due"] == 30
    [borrower] = entry.changes["parties"]
    assert borrower["created"] is True and borrower["role"] == "borrower"
    # Masks are sealed with the party's subject key (issue 10: erasable by crypto-shredding).
    assert subjects.reveal(borrower["id_number"]["masked"]) == "110105********" + make_ric(1, birth="19700101")[-4:]
    assert subjects.reveal(borrower["contacts"][0]["phone"]["masked"]) == "138****0001"
    dumped = str(list(AuditEntry.objects.values_list("changes", flat=True)))
    for i in range(1, 6):
        assert loan_row(i, personas.beijing).borrowers[0].id_number not in dumped
        assert f"138{i:08d}" not in dumped


def test_guarantee_and_security_are_created_once_and_cover_every_loan_of_the_batch(personas):
    guarantor = PartyInput(name="担保公司", kind="company", id_number=make_uscc(3))
    provider = PartyInput(name="抵押人", id_number=make_ric(600))
    guarantee = GuaranteeInput(contract_no="BZ-001", guarantor=guarantor, guarantee_type="joint")
    security = SecurityInput(
        contract_no="DY-001",
        kind="mortgage",
        provider=provider,
        is_maximum=True,
        cap_amount=Decimal("500000.00"),
        collateral=[
            CollateralInput(
                kind="real_estate",
                description="北京市朝阳区某小区1号楼101",
                registration_no="京(2020)朝阳区不动产权第0000001号",
            )
        ],
    )
    result = run(
        personas,
        [
            loan_row(1, personas.beijing, guarantees=[guarantee], security=[security]),
            loan_row(2, personas.beijing, guarantees=[guarantee], security=[security]),
            loan_row(
                3,
                personas.beijing,
                guarantees=[GuaranteeInput(contract_no="BZ-002", guarantor=guarantor, guarantee_type="?")],
            ),
        ],
    )
    assert result.created_count == 3
    bz1 = GuaranteeContract.objects.get(contract_no="BZ-001")
    assert bz1.guarantee_type == "joint"
    assert sorted(bz1.loans.values_list("contract_no", flat=True)) == ["JK-2024-000001", "JK-2024-000002"]
    bz2 = GuaranteeContract.objects.get(contract_no="BZ-002")
    assert bz2.guarantee_type == "general"  # unclear → general (Civil Code art. 686)
    assert any("general guarantee" in w for w in result.rows[2].warnings)
    assert bz1.guarantor == bz2.guarantor  # one company
    dy = SecurityContract.objects.get()
    assert dy.cap_amount == Decimal("500000.00") and dy.loans.count() == 2
    collateral = Collateral.objects.get()
    assert list(collateral.security_contracts.all()) == [dy]
    assert collateral.owner == dy.provider
    assert AuditEntry.objects.filter(action="guarantee_contract.created").count() == 2
    assert AuditEntry.objects.filter(action="security_contract.created").count() == 1


def test_an_import_of_2000_rows_is_correct(personas):
    rows = [loan_row(i, personas.beijing) for i in range(2000)]
    rows[7] = loan_row(7, personas.beijing, annual_rate=4.35)
    result = run(personas, rows)
    assert result.created_count == 1999 and result.error_count == 1
    assert result.rows[7].errors[0].startswith("Annual interest rate:")
    assert LoanContract.objects.count() == 1999
    assert LoanParty.objects.count() == 1999
    assert Party.objects.count() == 1999
    assert RepaymentInstalment.objects.count() == 3998
    assert AuditEntry.objects.filter(action="loan.imported").count() == 1999
    loan = LoanContract.objects.get(contract_no="JK-2024-001999")
    assert loan.principal == Decimal("101999.00")
    assert loan.loan_parties.get().party.name == "借款人1999"


def test_an_import_of_500_rows_takes_a_bounded_number_of_queries(personas, django_assert_max_num_queries):
    rows = [loan_row(i, personas.beijing) for i in range(500)]
    # Bulk INSERTs, not one query per row. SQLite allows 999 parameters per statement, so Django
    # splits each bulk INSERT into statements of a few dozen rows (68 queries measured); PostgreSQL
    # takes each chunk of 1,000 rows in one statement (16 measured).
    bound = 20 if connection.vendor == "postgresql" else 75
    with django_assert_max_num_queries(bound):
        result = run(personas, rows)
    assert result.created_count == 500


def test_a_user_may_not_import_into_a_unit_outside_their_subtree(personas):
    result = services.loans_import_batch(
        actor=personas.outsider_branch, creditor=personas.creditor, rows=[loan_row(1, personas.beijing)]
    )
    assert result.rows[0].errors == ["The unit BJ is outside your scope."]
    assert not LoanContract.objects.exists() and not Party.objects.exists()


def test_a_user_of_another_creditor_may_not_import_for_it(personas):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError):
        services.loans_import_batch(
            actor=personas.outsider_creditor, creditor=personas.creditor, rows=[loan_row(1, personas.beijing)]
        )
    assert not LoanContract.objects.exists() and not Party.objects.exists()
    assert AuditEntry.objects.count() == before


def test_loan_create_raises_the_row_error(personas):
    with pytest.raises(DomainError) as caught:
        services.loan_create(
            actor=personas.case_handler, creditor=personas.creditor, row=loan_row(1, personas.beijing, product="yacht")
        )
    assert caught.value.message == "Product: unknown value yacht."
    assert not Party.objects.exists()
    loan = services.loan_create(
        actor=personas.case_handler, creditor=personas.creditor, row=loan_row(1, personas.beijing)
    )
    assert loan.pk and loan.contract_no == "JK-2024-000001"
