"""Batch-shaped updates of loans on file (DESIGN rule 1): what an import does to loans it already has.

``loans_update_batch`` changes the terms and status of many loans at once: every row is checked with
the same rules as ``loan_update`` before anything is written, each changed loan gets a version bump,
its ``import_baseline`` entries are merged (so a later import can tell a user's edit from its own),
balance snapshots are appended in bulk (a balance is never overwritten: a second one for the same day
and source is refused), and one bulk audit append records it all on the creditor's stream.

A row with errors writes nothing; the other rows are written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.core.bulk import bulk_insert
from loanlit.core.models import Creditor, OrgUnit
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract
from loanlit.loans.services import (
    _LOAN_CHOICES,
    _LOAN_UPDATABLE,
    LOOKUP_CHUNK,
    SnapshotInput,
    _choice,
    _date,
    _money,
    _rate,
    _RowError,
    _text,
    _unit_in_scope,
    days_past_due,
)
from loanlit.parties import services as party_services
from loanlit.parties.services import require_creditor_access

# An import may also correct the start date (loan_update keeps it: a user edits it rarely and by form).
UPDATABLE: Final[dict[str, str]] = {**_LOAN_UPDATABLE, "start_date": "date"}


@dataclass(frozen=True)
class LoanUpdate:
    """Changes to one loan of the creditor.

    ``changes``: field → new value, the names ``loan_update`` takes plus ``start_date`` ("unit" takes an
    ``OrgUnit``). ``version``: the version the caller read (None: whatever is current). ``baseline``:
    ``import_baseline`` entries to merge (field → the text an import wrote). ``snapshot``: a balance to
    append. ``as_of``: the day ``days_past_due`` is computed for when the overdue date changes.
    """

    loan: LoanContract
    changes: Mapping[str, Any] = field(default_factory=dict)
    version: int | None = None
    baseline: Mapping[str, str] | None = None
    snapshot: SnapshotInput | None = None
    as_of: date | None = None


@dataclass
class LoanUpdateResult:
    """``status``: "updated", "unchanged" (nothing differed) or "error" (nothing written)."""

    index: int
    loan: LoanContract | None = None
    status: str = "error"
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    snapshot: LoanBalanceSnapshot | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _validated(name: str, value: Any, actor: User | None) -> Any:
    kind = UPDATABLE.get(name)
    if kind is None:
        raise _RowError(_("These loan fields cannot be changed: %(fields)s.") % {"fields": name})
    label = str(getattr(LoanContract._meta.get_field(name), "verbose_name", name))
    if kind == "choice":
        return _choice(value, _LOAN_CHOICES[name], label)
    if kind == "money":
        return _money(value, label, positive=True)
    if kind.startswith("rate"):
        return _rate(value, label, allow_none=kind.endswith("?"))
    if kind == "date":
        return _date(value, label, allow_none=False)
    if kind == "date?":
        return _date(value, label)
    if kind == "int?":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 1200):
            raise _RowError(_("The term must be a whole number of months between 1 and 1200."))
        return value
    if kind == "bool":
        return bool(value)
    if kind == "text":
        return _text(value, label, max_length=100)
    if not isinstance(value, OrgUnit) or value.pk is None:
        raise _RowError(_("The originating unit is missing."))
    if not _unit_in_scope(actor, value):
        raise _RowError(_("The unit %(unit)s is outside your scope.") % {"unit": value.code})
    return value


def _prepared_snapshot(loan: LoanContract, snap: SnapshotInput, actor: User | None) -> LoanBalanceSnapshot:
    if not isinstance(snap, SnapshotInput):
        raise _RowError(_("The balance snapshot is malformed."))
    label = gettext_lazy("Balance snapshot")
    return LoanBalanceSnapshot(
        loan=loan,
        as_of=_date(snap.as_of, label, allow_none=False),  # type: ignore[misc]  # required: never None
        currency=loan.currency,
        principal=_money(snap.principal, label),
        interest_on_balance=_money(snap.interest_on_balance, label),
        interest_off_balance=_money(snap.interest_off_balance, label),
        penalty=_money(snap.penalty, label),
        compound=_money(snap.compound, label),
        fees=_money(snap.fees, label),
        source=_choice(snap.source, LoanBalanceSnapshot.Source, label),
        recorded_by=party_services.acting_user(actor),
    )


def _snapshot_audit(snapshot: LoanBalanceSnapshot) -> dict[str, Any]:
    return {
        "loan": snapshot.loan_id,
        "currency": snapshot.currency,
        "as_of": snapshot.as_of,
        "principal": snapshot.principal,
        "interest_on_balance": snapshot.interest_on_balance,
        "interest_off_balance": snapshot.interest_off_balance,
        "penalty": snapshot.penalty,
        "compound": snapshot.compound,
        "fees": snapshot.fees,
        "source": snapshot.source,
    }


def _locked_loans(creditor: Creditor, pks: list[int]) -> dict[int, LoanContract]:
    found: dict[int, LoanContract] = {}
    for start in range(0, len(pks), LOOKUP_CHUNK):
        chunk = pks[start : start + LOOKUP_CHUNK]
        query = LoanContract.objects.select_for_update().select_related("unit")
        for loan in query.filter(creditor=creditor, pk__in=chunk).order_by("pk"):
            found[loan.pk] = loan
    return found


def _snapshot_days_on_file(pks: list[int]) -> set[tuple[int, date, str]]:
    days: set[tuple[int, date, str]] = set()
    for start in range(0, len(pks), LOOKUP_CHUNK):
        chunk = pks[start : start + LOOKUP_CHUNK]
        rows = LoanBalanceSnapshot.objects.filter(loan_id__in=chunk).values_list("loan_id", "as_of", "source")
        days.update((loan_id, as_of, source) for loan_id, as_of, source in rows)
    return days


@transaction.atomic
def loans_update_batch(
    *, actor: User | None, creditor: Creditor, updates: Sequence[LoanUpdate], as_of: date | None = None
) -> list[LoanUpdateResult]:
    """Apply ``updates`` to loans of ``creditor`` (see the module docstring); one result per update, in order.

    ``as_of`` (default today) is the day ``days_past_due`` is recomputed for when an update gives none.
    A loan of another creditor or outside the actor's unit subtree is an error for its row.
    Audit: one "loan.updated" entry per loan changed (old → new per field) and one "loan.balance_recorded"
    per snapshot appended, on ``audit.stream_key("creditor", creditor.pk)``, in one bulk append.
    """
    require_creditor_access(actor, creditor)
    updates = list(updates)
    results = [LoanUpdateResult(index=index) for index in range(len(updates))]
    pks = sorted({u.loan.pk for u in updates if isinstance(u, LoanUpdate) and u.loan.pk is not None})
    locked = _locked_loans(creditor, pks)
    snapshot_days = _snapshot_days_on_file(sorted(locked)) if any(u.snapshot for u in updates) else set()
    default_day = as_of or timezone.localdate()
    now = timezone.now()
    seen: set[int] = set()
    changed: list[LoanContract] = []
    changed_fields: set[str] = {"version", "updated_at"}
    snapshots: list[tuple[int, LoanBalanceSnapshot]] = []

    for index, update in enumerate(updates):
        result = results[index]
        loan = locked.get(update.loan.pk) if isinstance(update, LoanUpdate) else None
        if loan is None or not _unit_in_scope(actor, loan.unit):  # out of scope answers like missing
            result.errors.append(_("This loan is not on file for this creditor."))
            continue
        result.loan = loan
        if loan.pk in seen:
            result.errors.append(_("Loan %(no)s appears twice in one update.") % {"no": loan.contract_no})
            continue
        seen.add(loan.pk)
        if update.version is not None and update.version != loan.version:
            result.errors.append(
                _("Loan %(no)s was changed by somebody else since it was read. Check it again.")
                % {"no": loan.contract_no}
            )
            continue
        try:
            wanted = {name: _validated(name, value, actor) for name, value in update.changes.items()}
            start = wanted.get("start_date", loan.start_date)
            maturity = wanted.get("maturity_date", loan.maturity_date)
            overdue = wanted.get("overdue_since", loan.overdue_since)
            if maturity is not None and maturity < start:
                raise _RowError(_("The maturity date is before the start date."))
            if overdue is not None and overdue < start:
                raise _RowError(_("The loan cannot be overdue before it starts."))
            if wanted.get("written_off_on", loan.written_off_on) and not wanted.get("written_off", loan.written_off):
                raise _RowError(_("A write-off date is given but the loan is not written off."))
            snapshot = _prepared_snapshot(loan, update.snapshot, actor) if update.snapshot is not None else None
        except _RowError as exc:
            result.errors.append(exc.message)
            continue
        if snapshot is not None:
            key = (loan.pk, snapshot.as_of, snapshot.source)
            if key in snapshot_days:
                result.errors.append(_("This loan already has a balance from this source on that day."))
                continue
            snapshot_days.add(key)

        diff: dict[str, dict[str, Any]] = {}
        for name, value in wanted.items():
            old = getattr(loan, name)
            if old != value:
                diff[name] = {
                    "old": old.code if name == "unit" else old,
                    "new": value.code if name == "unit" else value,
                }
                setattr(loan, name, value)
                changed_fields.add(name)
        if "unit" in diff:
            loan.unit_path = loan.unit.path
            changed_fields.add("unit_path")
        if "overdue_since" in diff or update.as_of is not None:
            day = update.as_of or default_day
            dpd = days_past_due(loan.overdue_since, day)
            if dpd != loan.days_past_due:
                diff["days_past_due"] = {"old": loan.days_past_due, "new": dpd}
            loan.days_past_due, loan.days_past_due_as_of = dpd, day if loan.overdue_since else None
            changed_fields.update({"days_past_due", "days_past_due_as_of"})
        if update.baseline:
            baseline = {**(loan.import_baseline or {}), **{k: str(v) for k, v in update.baseline.items()}}
            if baseline != (loan.import_baseline or {}):
                diff["import_baseline"] = {
                    "old": {k: (loan.import_baseline or {}).get(k) for k in update.baseline},
                    "new": {k: baseline[k] for k in update.baseline},
                }
                loan.import_baseline = baseline
                changed_fields.add("import_baseline")
        result.changes = diff
        if snapshot is not None:
            snapshots.append((index, snapshot))
        if diff:
            loan.version += 1
            loan.updated_at = now
            changed.append(loan)
        result.status = "updated" if diff or snapshot is not None else "unchanged"

    if changed:
        LoanContract.objects.bulk_update(changed, sorted(changed_fields), batch_size=500)
    bulk_insert(LoanBalanceSnapshot, [snapshot for _index, snapshot in snapshots])
    stream = audit.stream_key("creditor", creditor.pk)
    items: list[audit.AuditItem] = []
    for result in results:
        if result.status == "updated" and result.changes and result.loan is not None:
            items.append(
                audit.AuditItem(action="loan.updated", target=result.loan, stream=stream, changes=result.changes)
            )
    for index, snapshot in snapshots:
        results[index].snapshot = snapshot
        items.append(
            audit.AuditItem(
                action="loan.balance_recorded", target=snapshot, stream=stream, changes=_snapshot_audit(snapshot)
            )
        )
    if items:
        audit.record_many(actor=actor, items=items)
    return results
