"""balance_snapshots_add_batch: bulk append, never overwrite, same amounts are unchanged, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract
from loanlit.loans.services.snapshots import SnapshotRow, balance_snapshots_add_batch

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 6, 30)


class factories:  # lower case: reads like the cases factories the other tests use
    """Loans written with the ORM (tests may write models)."""

    seq = 0

    @classmethod
    def loan(cls, creditor, unit, *, currency: str = "CNY") -> LoanContract:
        cls.seq += 1
        return LoanContract.objects.create(
            creditor=creditor,
            unit=unit,
            unit_path=unit.path,
            contract_no=f"SN-{cls.seq:05d}",
            product="consumer",
            currency=currency,
            principal=Decimal("100000.00"),
            annual_rate=Decimal("4.35"),
            start_date=dt.date(2023, 1, 10),
            maturity_date=dt.date(2024, 1, 10),
        )


def _row(loan, **kw):
    values = {
        "as_of": DAY,
        "principal": Decimal("80000.00"),
        "interest_on_balance": Decimal("1234.56"),
        "interest_off_balance": Decimal("100.01"),
        "penalty": Decimal("50.50"),
        "compound": Decimal("3.03"),
        "fees": Decimal("0.10"),
    }
    values.update(kw)
    return SnapshotRow(loan=loan, **values)


def test_new_snapshots_are_written_in_bulk_with_exact_amounts_and_one_audit_entry_each(personas):
    a = factories.loan(personas.creditor, personas.beijing)
    b = factories.loan(personas.creditor, personas.beijing_chaoyang, currency="USD")
    before = AuditEntry.objects.count()
    results = balance_snapshots_add_batch(
        actor=personas.case_handler, creditor=personas.creditor, rows=[_row(a), _row(b, principal=Decimal("7.00"))]
    )
    assert [r.status for r in results] == ["created", "created"]
    stored = LoanBalanceSnapshot.objects.get(loan=a)
    assert (stored.as_of, stored.currency, stored.source) == (DAY, "CNY", "import")
    assert (stored.principal, stored.interest_on_balance, stored.interest_off_balance) == (
        Decimal("80000.00"),
        Decimal("1234.56"),
        Decimal("100.01"),
    )
    assert (stored.penalty, stored.compound, stored.fees) == (Decimal("50.50"), Decimal("3.03"), Decimal("0.10"))
    assert stored.recorded_by == personas.case_handler
    assert LoanBalanceSnapshot.objects.get(loan=b).currency == "USD"
    entries = AuditEntry.objects.order_by("pk")[before:]
    assert [e.action for e in entries] == ["loan.balance_recorded", "loan.balance_recorded"]
    assert entries[0].changes["principal"] == "80000.00"


def test_the_same_amounts_again_are_unchanged_and_different_ones_are_refused_never_overwritten(personas):
    loan = factories.loan(personas.creditor, personas.beijing)
    balance_snapshots_add_batch(actor=None, creditor=personas.creditor, rows=[_row(loan)])
    audits = AuditEntry.objects.count()
    again = balance_snapshots_add_batch(
        actor=None, creditor=personas.creditor, rows=[_row(loan), _row(loan, penalty=Decimal("50.51"))]
    )
    assert again[0].status == "unchanged"
    assert again[1].status == "error"
    assert again[1].differences == {"penalty": ("50.50", "50.51")}
    assert "import the correction as of a later day" in again[1].errors[0]
    assert LoanBalanceSnapshot.objects.get(loan=loan).penalty == Decimal("50.50")
    assert AuditEntry.objects.count() == audits

    kept = balance_snapshots_add_batch(
        actor=None, creditor=personas.creditor, rows=[_row(loan, fees=Decimal("9.99"))], on_conflict="keep"
    )
    assert (kept[0].status, kept[0].errors, kept[0].differences) == ("conflict", [], {"fees": ("0.10", "9.99")})
    assert LoanBalanceSnapshot.objects.get(loan=loan).fees == Decimal("0.10")


def test_a_later_day_is_appended_next_to_the_earlier_one(personas):
    loan = factories.loan(personas.creditor, personas.beijing)
    balance_snapshots_add_batch(actor=None, creditor=personas.creditor, rows=[_row(loan)])
    later = dt.date(2025, 7, 31)
    result = balance_snapshots_add_batch(
        actor=None, creditor=personas.creditor, rows=[_row(loan, as_of=later, principal=Decimal("79000.00"))]
    )
    assert result[0].status == "created"
    assert list(LoanBalanceSnapshot.objects.filter(loan=loan).order_by("as_of").values_list("as_of", "principal")) == [
        (DAY, Decimal("80000.00")),
        (later, Decimal("79000.00")),
    ]


def test_loans_outside_the_actors_scope_or_creditor_are_not_found_and_nothing_is_written(personas):
    beijing = factories.loan(personas.creditor, personas.beijing)
    other = factories.loan(personas.other_creditor, personas.other_head_office)
    results = balance_snapshots_add_batch(
        actor=personas.outsider_branch, creditor=personas.creditor, rows=[_row(beijing), _row(other)]
    )
    assert [r.status for r in results] == ["error", "error"]
    assert results[0].errors == [f"Loan {beijing.contract_no} was not found."]
    assert not LoanBalanceSnapshot.objects.exists()
    with pytest.raises(PermissionDeniedError):
        balance_snapshots_add_batch(actor=personas.outsider_creditor, creditor=personas.creditor, rows=[_row(beijing)])


def test_negative_amounts_and_unknown_options_are_refused(personas):
    loan = factories.loan(personas.creditor, personas.beijing)
    results = balance_snapshots_add_batch(
        actor=None, creditor=personas.creditor, rows=[_row(loan, principal=Decimal("-1.00"))]
    )
    assert results[0].status == "error"
    assert results[0].errors == ["Outstanding principal cannot be negative."]
    results = balance_snapshots_add_batch(
        actor=None,
        creditor=personas.creditor,
        rows=[_row(loan, fees=1.5)],  # type: ignore[arg-type]
    )
    assert results[0].status == "error" and len(results[0].errors) == 1
    assert results[0].errors[0].startswith("Fees: ")
    with pytest.raises(DomainError):
        balance_snapshots_add_batch(actor=None, creditor=personas.creditor, rows=[], on_conflict="overwrite")  # type: ignore[arg-type]
    with pytest.raises(DomainError):
        balance_snapshots_add_batch(actor=None, creditor=personas.creditor, rows=[], source="nowhere")
    assert not LoanBalanceSnapshot.objects.exists()
