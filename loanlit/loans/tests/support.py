"""Builders for loan import rows used by the tests (and handy for the demo loader)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from loanlit.core.models import OrgUnit
from loanlit.loans.services import InstalmentInput, LoanInput, SnapshotInput
from loanlit.parties.services import PartyInput
from loanlit.parties.tests.support import make_ric


def loan_row(n: int, unit: OrgUnit, **overrides: object) -> LoanInput:
    values: dict[str, object] = {
        "contract_no": f"JK-2024-{n:06d}",
        "unit": unit,
        "product": "consumer",
        "principal": Decimal("100000.00") + n,
        "annual_rate": Decimal("4.35"),
        "penalty_rate": Decimal("6.525"),
        "start_date": dt.date(2023, 1, 15),
        "maturity_date": dt.date(2026, 1, 15),
        "term_months": 36,
        "repayment_method": "equal_instalment",
        "overdue_since": dt.date(2024, 6, 16),
        "borrowers": [
            PartyInput(
                name=f"借款人{n}",
                id_number=make_ric(n % 1000, birth=f"19{70 + n // 1000 % 30}0101"),
                mobile=f"138{n:08d}",
            )
        ],
        "snapshot": SnapshotInput(
            as_of=dt.date(2024, 12, 31),
            principal=Decimal("80000.00"),
            interest_on_balance=Decimal("1234.56"),
            interest_off_balance=Decimal("100.01"),
            penalty=Decimal("50.50"),
            compound=Decimal("3.03"),
            fees=Decimal("0.00"),
        ),
        "instalments": [
            InstalmentInput(
                seq=1, due_date=dt.date(2023, 2, 15), principal=Decimal("2500.00"), interest=Decimal("362.50")
            ),
            InstalmentInput(
                seq=2, due_date=dt.date(2023, 3, 15), principal=Decimal("2509.06"), interest=Decimal("353.44")
            ),
        ],
    }
    values.update(overrides)
    return LoanInput(**values)  # type: ignore[arg-type]
