from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from loanlit.audit.models import AuditEntry
from loanlit.core.errors import PermissionDeniedError
from loanlit.loans import services
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract
from loanlit.loans.services import SnapshotInput
from loanlit.loans.services.updates import LoanUpdate, loans_update_batch
from loanlit.loans.tests.support import loan_row

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2024, 7, 15)


def _loans(personas, count=2):
    result = services.loans_import_batch(
        actor=personas.case_handler,
        creditor=personas.creditor,
        rows=[loan_row(n, personas.beijing_chaoyang) for n in range(1, count + 1)],
        as_of=AS_OF,
    )
    assert result.error_count == 0
    return sorted(result.created, key=lambda loan: loan.contract_no)


def _update(personas, updates, actor=None, **kwargs):
    return loans_update_batch(
        actor=actor or personas.case_handler, creditor=personas.creditor, updates=updates, **kwargs
    )


def test_changes_are_written_with_a_version_bump_baseline_and_one_audit_entry_each(personas):
    first, second = _loans(personas)
    before = AuditEntry.objects.count()
    results = _update(
        personas,
        [
            LoanUpdate(
                loan=first,
                version=first.version,
                changes={
                    "principal": Decimal("123456.78"),
                    "risk_class": "doubtful",
                    "overdue_since": dt.date(2024, 7, 1),
                },
                baseline={"principal": "123456.78", "risk_class": "doubtful", "overdue_since": "2024-07-01"},
                as_of=dt.date(2024, 7, 31),
            ),
            LoanUpdate(loan=second, changes={"maturity_date": dt.date(2026, 6, 30)}),
        ],
    )
    assert [r.status for r in results] == ["updated", "updated"]
    first.refresh_from_db()
    assert first.principal == Decimal("123456.78")
    assert first.risk_class == "doubtful"
    assert first.overdue_since == dt.date(2024, 7, 1)
    assert (first.days_past_due, first.days_past_due_as_of) == (31, dt.date(2024, 7, 31))
    assert first.version == 2
    assert first.import_baseline == {"principal": "123456.78", "risk_class": "doubtful", "overdue_since": "2024-07-01"}
    assert results[0].changes["principal"] == {"old": Decimal("100001.00"), "new": Decimal("123456.78")}
    assert results[0].changes["days_past_due"] == {"old": 30, "new": 31}
    second.refresh_from_db()
    assert (second.maturity_date, second.version) == (dt.date(2026, 6, 30), 2)
    entries = AuditEntry.objects.filter(pk__gt=0).order_by("-pk")[:2]
    assert AuditEntry.objects.count() == before + 2
    assert {e.action for e in entries} == {"loan.updated"}


def test_equal_values_write_nothing_and_bump_no_version(personas):
    (loan,) = _loans(personas, 1)
    before = AuditEntry.objects.count()
    (result,) = _update(
        personas, [LoanUpdate(loan=loan, changes={"principal": Decimal("100001.00"), "risk_class": "normal"})]
    )
    assert result.status == "unchanged" and result.changes == {}
    loan.refresh_from_db()
    assert loan.version == 1
    assert AuditEntry.objects.count() == before


def test_a_balance_is_appended_as_a_new_snapshot_never_over_one_of_the_same_day(personas):
    (loan,) = _loans(personas, 1)
    before = AuditEntry.objects.count()
    new = SnapshotInput(as_of=dt.date(2025, 1, 31), principal=Decimal("79000.10"), penalty=Decimal("12.34"))
    (result,) = _update(personas, [LoanUpdate(loan=loan, snapshot=new)])
    assert result.status == "updated"
    snapshots = list(LoanBalanceSnapshot.objects.filter(loan=loan).order_by("as_of"))
    assert [(s.as_of, s.principal, s.penalty) for s in snapshots] == [
        (dt.date(2024, 12, 31), Decimal("80000.00"), Decimal("50.50")),
        (dt.date(2025, 1, 31), Decimal("79000.10"), Decimal("12.34")),
    ]
    assert snapshots[1].source == "import" and snapshots[1].currency == "CNY"
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.order_by("-pk").first().action == "loan.balance_recorded"

    again = SnapshotInput(as_of=dt.date(2025, 1, 31), principal=Decimal("1.00"))
    (refused,) = _update(personas, [LoanUpdate(loan=loan, snapshot=again, changes={"risk_class": "loss"})])
    assert refused.status == "error"
    assert refused.errors == ["This loan already has a balance from this source on that day."]
    loan.refresh_from_db()
    assert loan.risk_class == "normal" and loan.version == 1
    assert LoanBalanceSnapshot.objects.filter(loan=loan).count() == 2


def test_a_stale_version_refuses_that_row_and_writes_the_others(personas):
    first, second = _loans(personas)
    results = _update(
        personas,
        [
            LoanUpdate(loan=first, version=first.version + 1, changes={"risk_class": "loss"}),
            LoanUpdate(loan=second, version=second.version, changes={"risk_class": "loss"}),
        ],
    )
    assert [r.status for r in results] == ["error", "updated"]
    assert "was changed by somebody else" in results[0].errors[0]
    assert LoanContract.objects.get(pk=first.pk).risk_class == "normal"
    assert LoanContract.objects.get(pk=second.pk).risk_class == "loss"


def test_bad_values_and_broken_rules_are_row_errors_with_nothing_written(personas):
    (loan,) = _loans(personas, 1)
    before = AuditEntry.objects.count()
    results = _update(
        personas,
        [
            LoanUpdate(loan=loan, changes={"maturity_date": dt.date(2020, 1, 1)}),
            LoanUpdate(loan=loan, changes={"risk_class": "terrible"}),
        ],
    )
    assert results[0].errors == ["The maturity date is before the start date."]
    assert results[1].status == "error"
    loan.refresh_from_db()
    assert loan.maturity_date == dt.date(2026, 1, 15) and loan.version == 1
    assert AuditEntry.objects.count() == before


def test_a_unit_outside_the_actors_scope_is_refused(personas):
    (loan,) = _loans(personas, 1)
    (result,) = _update(personas, [LoanUpdate(loan=loan, changes={"unit": personas.guangdong})])
    assert result.errors == ["The unit GD is outside your scope."]
    loan.refresh_from_db()
    assert loan.unit == personas.beijing_chaoyang


def test_a_loan_outside_the_actors_unit_subtree_is_refused_like_a_missing_one(personas):
    result = services.loans_import_batch(
        actor=personas.administrator,
        creditor=personas.creditor,
        rows=[loan_row(1, personas.guangdong)],
        as_of=AS_OF,
    )
    (loan,) = result.created
    before = AuditEntry.objects.count()
    (row,) = _update(
        personas, [LoanUpdate(loan=loan, changes={"principal": Decimal("5.00"), "unit": personas.beijing_chaoyang})]
    )
    assert (row.status, row.errors, row.changes) == ("error", ["This loan is not on file for this creditor."], {})
    loan.refresh_from_db()
    assert (loan.unit, loan.principal, loan.version) == (personas.guangdong, Decimal("100001.00"), 1)
    assert AuditEntry.objects.count() == before


def test_a_unit_change_moves_the_scope_path(personas):
    (loan,) = _loans(personas, 1)
    (result,) = _update(personas, [LoanUpdate(loan=loan, changes={"unit": personas.beijing})])
    assert result.changes["unit"] == {"old": "BJ-CY", "new": "BJ"}
    loan.refresh_from_db()
    assert (loan.unit, loan.unit_path) == (personas.beijing, personas.beijing.path)


def test_another_creditors_loan_and_an_outsider_are_refused(personas):
    (loan,) = _loans(personas, 1)
    results = loans_update_batch(
        actor=None, creditor=personas.other_creditor, updates=[LoanUpdate(loan=loan, changes={"risk_class": "loss"})]
    )
    assert results[0].errors == ["This loan is not on file for this creditor."]
    with pytest.raises(PermissionDeniedError):
        _update(personas, [LoanUpdate(loan=loan, changes={"risk_class": "loss"})], actor=personas.outsider_creditor)
    assert LoanContract.objects.get(pk=loan.pk).risk_class == "normal"
