"""Many balance snapshots at once (the snapshots import), batch-shaped like ``loans_import_batch``.

A snapshot is never overwritten: for a (loan, day, source) already on file, the same amounts are
reported ``unchanged`` (so re-importing a file writes nothing) and different amounts are an error
(a correction is imported as a later day) — or, with ``on_conflict="keep"``, reported as a
``conflict`` that keeps the snapshot on file. New snapshots are written with one bulk INSERT and one
bulk audit append on the creditor's stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.core.bulk import bulk_insert
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract
from loanlit.loans.selectors import loans_visible_to
from loanlit.loans.services import _money, _RowError
from loanlit.parties import services as party_services
from loanlit.parties.services import require_creditor_access

AMOUNT_FIELDS: Final = ("principal", "interest_on_balance", "interest_off_balance", "penalty", "compound", "fees")
LOOKUP_CHUNK: Final = 500
OnConflict = Literal["error", "keep"]
RowOutcome = Literal["created", "unchanged", "conflict", "error"]


@dataclass(frozen=True)
class SnapshotRow:
    """One balance of ``loan`` as of ``as_of``, in the loan's currency."""

    loan: LoanContract
    as_of: date
    principal: Decimal
    interest_on_balance: Decimal = Decimal("0.00")
    interest_off_balance: Decimal = Decimal("0.00")
    penalty: Decimal = Decimal("0.00")
    compound: Decimal = Decimal("0.00")
    fees: Decimal = Decimal("0.00")

    def amounts(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in AMOUNT_FIELDS}


@dataclass
class SnapshotRowResult:
    index: int
    status: RowOutcome = "error"
    snapshot: LoanBalanceSnapshot | None = None  # the one written, or the one on file
    errors: list[str] = field(default_factory=list)
    differences: dict[str, tuple[str, str]] = field(default_factory=dict)  # amount → (on file, in the row)


def snapshot_amounts(snapshot: LoanBalanceSnapshot) -> dict[str, Decimal]:
    return {name: getattr(snapshot, name) for name in AMOUNT_FIELDS}


def snapshots_on_file(
    *, loan_ids: Sequence[int], days: Sequence[date], source: str
) -> dict[tuple[int, date], LoanBalanceSnapshot]:
    """The snapshots of ``source`` for those loans on those days, by (loan id, day)."""
    found: dict[tuple[int, date], LoanBalanceSnapshot] = {}
    wanted_days = sorted(set(days))
    ids = sorted(set(loan_ids))
    for start in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[start : start + LOOKUP_CHUNK]
        for snapshot in LoanBalanceSnapshot.objects.filter(loan_id__in=chunk, as_of__in=wanted_days, source=source):
            found[(snapshot.loan_id, snapshot.as_of)] = snapshot
    return found


def _amounts(row: SnapshotRow) -> dict[str, Decimal]:
    """The row's amounts, checked like every other amount of a loan (``loans.services._money``)."""
    amounts: dict[str, Decimal] = {}
    for name, value in row.amounts().items():
        label = capfirst(getattr(LoanBalanceSnapshot._meta.get_field(name), "verbose_name", name))
        amounts[name] = _money(value, label)  # type: ignore[assignment]  # allow_none=False: never None
    return amounts


@transaction.atomic
def balance_snapshots_add_batch(
    *,
    actor: User | None,
    creditor: Creditor,
    rows: Sequence[SnapshotRow],
    source: str = LoanBalanceSnapshot.Source.IMPORT,
    on_conflict: OnConflict = "error",
) -> list[SnapshotRowResult]:
    """Append many balance snapshots of ``creditor``'s loans (see the module docstring).

    Returns one result per row in order. A loan of another creditor or outside the actor's unit scope
    is an error for its row; two rows for the same loan and day in one call: the second is compared
    with the first like with one on file. Audit: one "loan.balance_recorded" entry per snapshot written.
    """
    if on_conflict not in ("error", "keep"):
        raise DomainError(_("on_conflict must be 'error' or 'keep'."), code="on_conflict")
    if source not in LoanBalanceSnapshot.Source.values:
        raise DomainError(_("Unknown source of a balance."), code="invalid_source")
    require_creditor_access(actor, creditor)
    results = [SnapshotRowResult(index=i) for i in range(len(rows))]
    loan_ids = sorted({row.loan.pk for row in rows})
    if actor is None or getattr(actor, "is_superuser", False):
        allowed = set(loan_ids)
    else:
        allowed = set()
        for start in range(0, len(loan_ids), LOOKUP_CHUNK):
            chunk = loan_ids[start : start + LOOKUP_CHUNK]
            allowed.update(loans_visible_to(actor).filter(pk__in=chunk).values_list("pk", flat=True))
    on_file = snapshots_on_file(loan_ids=loan_ids, days=[row.as_of for row in rows], source=source)
    recorded_by = party_services.acting_user(actor)
    new: list[LoanBalanceSnapshot] = []
    for index, row in enumerate(rows):
        result = results[index]
        loan = row.loan
        if loan.creditor_id != creditor.pk or loan.pk not in allowed:
            result.errors.append(_("Loan %(no)s was not found.") % {"no": loan.contract_no})
            continue
        try:
            amounts = _amounts(row)
        except _RowError as exc:
            result.errors.append(exc.message)
            continue
        existing = on_file.get((loan.pk, row.as_of))
        if existing is not None:
            result.snapshot = existing
            differences = {
                name: (f"{before:.2f}", f"{amounts[name]:.2f}")
                for name, before in snapshot_amounts(existing).items()
                if before != amounts[name]
            }
            if not differences:
                result.status = "unchanged"
            elif on_conflict == "keep":
                result.status, result.differences = "conflict", differences
            else:
                result.differences = differences
                result.errors.append(
                    _(
                        "Loan %(no)s already has a different balance as of %(day)s; a balance is never "
                        "overwritten: import the correction as of a later day."
                    )
                    % {"no": loan.contract_no, "day": row.as_of.isoformat()}
                )
            continue
        snapshot = LoanBalanceSnapshot(
            loan=loan, as_of=row.as_of, currency=loan.currency, source=source, recorded_by=recorded_by, **amounts
        )
        on_file[(loan.pk, row.as_of)] = snapshot
        new.append(snapshot)
        result.status, result.snapshot = "created", snapshot
    bulk_insert(LoanBalanceSnapshot, new)
    stream = audit.stream_key("creditor", creditor.pk)
    audit.record_many(
        actor=actor,
        items=[
            audit.AuditItem(
                action="loan.balance_recorded",
                target=snapshot,
                stream=stream,
                changes={
                    "loan": snapshot.loan_id,
                    "currency": snapshot.currency,
                    "as_of": snapshot.as_of,
                    "source": snapshot.source,
                    **{name: f"{value:.2f}" for name, value in snapshot_amounts(snapshot).items()},
                },
            )
            for snapshot in new
        ],
    )
    return results
