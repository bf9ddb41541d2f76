"""The case's money: costs paid (and refunded) and recoveries allocated by law.allocation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.cases import access, gates, ledger
from loanlit.cases.models import Case, CaseEvent, CostEntry, Proceeding, Recovery
from loanlit.cases.services._common import bump, law_error, lock_case, money_str, record_one, require_amount
from loanlit.core.errors import DomainError, StaleVersionError
from loanlit.law import allocation as alloc
from loanlit.law.interest import delayed_performance_interest
from loanlit.law.money import LawInputError

ZERO = Decimal("0.00")


def _check_proceeding(case: Case, proceeding: Proceeding | None) -> None:
    if proceeding is not None and proceeding.case_id != case.pk:
        raise DomainError(_("The proceeding belongs to another case."), code="proceeding_other_case")


def _check_currency(case: Case, currency: str | None) -> str:
    currency = currency or case.claim_currency
    if currency != case.claim_currency:
        raise DomainError(
            _("Amounts on this case are in %(currency)s.") % {"currency": case.claim_currency},
            code="currency_mismatch",
        )
    return currency


@transaction.atomic
def cost_record(
    *,
    actor: Any,
    case: Case,
    kind: str,
    amount: Decimal,
    paid_on: date,
    payer: str,
    borne_by_defendant: bool,
    proceeding: Proceeding | None = None,
    currency: str | None = None,
    note: str = "",
) -> CostEntry:
    access.require_edit(actor, case)
    case = lock_case(case.pk)
    if kind not in CostEntry.Kind.values:
        raise DomainError(_("Unknown kind of cost."), code="invalid_kind")
    if payer not in CostEntry.Payer.values:
        raise DomainError(_("Unknown payer."), code="invalid_payer")
    _check_proceeding(case, proceeding)
    value = require_amount(amount)
    # A payment may need internal approval first (workflow maker-checker); refused before anything is written.
    gates.require_action_allowed(gates.ACTION_COST_PAYMENT, case, value)
    cost = CostEntry.objects.create(
        case=case,
        proceeding=proceeding,
        kind=kind,
        amount=value,
        currency=_check_currency(case, currency),
        payer=payer,
        paid_on=paid_on,
        borne_by_defendant=borne_by_defendant,
        note=note,
    )
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.COST_PAID,
        action="cost.recorded",
        target=cost,
        happened_on=paid_on,
        params={"kind": kind, "amount": value, "currency": cost.currency, "borne_by_defendant": borne_by_defendant},
        changes={
            "kind": kind,
            "amount": money_str(value),
            "payer": payer,
            "paid_on": paid_on,
            "borne_by_defendant": borne_by_defendant,
            "proceeding": proceeding.pk if proceeding else None,
            "note": note,
        },
    )
    return cost


@transaction.atomic
def cost_refund(*, actor: Any, cost: CostEntry, amount: Decimal, refunded_on: date, version: int) -> CostEntry:
    """Record money the court paid back (e.g. half the acceptance fee after mediation)."""
    access.require_edit(actor, cost.case)
    lock_case(cost.case_id)
    cost = CostEntry.objects.select_for_update().get(pk=cost.pk)
    if cost.version != version:
        raise StaleVersionError(
            _("This cost was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    value = require_amount(amount)
    if cost.refunded_amount + value > cost.amount:
        raise DomainError(
            _("The refunds would exceed the cost paid (%(amount)s).") % {"amount": money_str(cost.amount)},
            code="refund_too_large",
        )
    if refunded_on < cost.paid_on:
        raise DomainError(_("A refund cannot precede the payment."), code="invalid_dates")
    before = cost.refunded_amount
    cost.refunded_amount += value
    cost.refunded_on = refunded_on
    bump(cost, "refunded_amount", "refunded_on")
    record_one(
        actor=actor,
        case_id=cost.case_id,
        kind=CaseEvent.Kind.COST_REFUNDED,
        action="cost.refunded",
        target=cost,
        happened_on=refunded_on,
        params={"kind": cost.kind, "amount": value, "currency": cost.currency},
        changes={"refunded_amount": [money_str(before), money_str(cost.refunded_amount)], "refunded_on": refunded_on},
    )
    return cost


def pre_judgment_balances(case: Case) -> list[tuple[str, Decimal]]:
    """What is owed by bucket before judgment, after earlier recoveries (Civil Code art. 561 buckets)."""
    paid = ledger.allocated_so_far(case, Recovery.Phase.PRE_JUDGMENT)
    owed = {
        alloc.COSTS: case.claim_fees + ledger.costs_borne(case),
        alloc.CONTRACT_INTEREST: case.claim_interest,
        alloc.PENALTY_INTEREST: case.claim_penalty,
        alloc.COMPOUND_INTEREST: case.claim_compound,
        alloc.PRINCIPAL: case.claim_principal,
    }
    return [(bucket, max(amount - paid[bucket], ZERO)) for bucket, amount in owed.items()]


def enforcement_balances(case: Case, received_on: date) -> list[tuple[str, Decimal]]:
    """Judgment debt (adjudicated amount + costs borne) and the doubled interest for delayed performance.

    The delayed-performance interest is computed on the judgment debt still unpaid, from the end of
    the performance period to ``received_on`` (CPL art. 264; 法释〔2014〕8号 art. 1), less what earlier
    recoveries already paid of it — a simplification that ignores how earlier partial payments
    reduced the base over time.
    """
    judgment = ledger.latest_judgment(case)
    assert judgment is not None
    paid = ledger.allocated_so_far(case, Recovery.Phase.ENFORCEMENT)
    debt = max(judgment.adjudicated_amount + ledger.costs_borne(case) - paid[alloc.JUDGMENT_DEBT], ZERO)
    delayed = ZERO
    if judgment.performance_ends is not None and received_on > judgment.performance_ends and debt > 0:
        accrued = delayed_performance_interest(debt, performance_ends=judgment.performance_ends, paid_on=received_on)
        delayed = max(accrued.interest - paid[alloc.DELAYED_PERFORMANCE_INTEREST], ZERO)
    return [(alloc.JUDGMENT_DEBT, debt), (alloc.DELAYED_PERFORMANCE_INTEREST, delayed)]


@transaction.atomic
def recovery_record(
    *,
    actor: Any,
    case: Case,
    received_on: date,
    amount: Decimal,
    source: str,
    value_note: str = "",
    after_write_off: bool = False,
    proceeding: Proceeding | None = None,
    currency: str | None = None,
    balances: Sequence[tuple[str, Decimal]] | None = None,
    order: Sequence[str] | None = None,
) -> Recovery:
    """Record money received and how it is applied: art. 561 before judgment, judgment debt first after it.

    After judgment a caller that computed the judgment debt and the delayed-performance interest itself
    (the enforcement app, by law.enforcement_debt) passes them as ``balances``, and the order the judgment
    states as ``order``; passing either before judgment is a programming error.
    """
    access.require_edit(actor, case)
    case = lock_case(case.pk)
    if source not in Recovery.Source.values:
        raise DomainError(_("Unknown source of the recovery."), code="invalid_source")
    _check_proceeding(case, proceeding)
    value = require_amount(amount)
    judgment = ledger.latest_judgment(case)
    if judgment is None and (balances is not None or order is not None):
        raise ValueError("balances and order apply only once the case has a judgment")  # a caller's bug
    try:
        if judgment is None:
            phase = Recovery.Phase.PRE_JUDGMENT
            result = alloc.allocate_pre_judgment(value, pre_judgment_balances(case))
        else:
            phase = Recovery.Phase.ENFORCEMENT
            owed = list(balances) if balances is not None else enforcement_balances(case, received_on)
            result = alloc.allocate_in_enforcement(value, owed, judgment_order=order)
    except LawInputError as error:
        raise law_error(error) from None
    allocation = {
        "order": list(result.order),
        "applied": [[bucket, money_str(part)] for bucket, part in result.applied],
        "remainder": money_str(result.remainder),
    }
    recovery = Recovery.objects.create(
        case=case,
        proceeding=proceeding,
        received_on=received_on,
        amount=value,
        currency=_check_currency(case, currency),
        source=source,
        value_note=value_note,
        after_write_off=after_write_off,
        phase=phase,
        allocation=allocation,
        recorded_by=actor,
    )
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.RECOVERY_RECEIVED,
        action="recovery.recorded",
        target=recovery,
        happened_on=received_on,
        params={"amount": value, "currency": recovery.currency, "source": source, "phase": phase},
        changes={
            "amount": money_str(value),
            "received_on": received_on,
            "source": source,
            "phase": phase,
            "allocation": allocation,
            "after_write_off": after_write_off,
        },
    )
    return recovery
