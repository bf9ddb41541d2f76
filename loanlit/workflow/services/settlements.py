"""Settlement plans (和解 / 分期还款): the one home for creating, approving, matching, breaching and closing them.

A plan is a settlement before suit or in court (mediation). A settlement reached in enforcement (执行和解)
has its own home in the enforcement app (``enforcement.EnforcementSettlement``, recorded, paid and breached
through ``enforcement.services``): ``settlement_create`` refuses the phase "enforcement" and any plan on a
case whose enforcement is under way, and points to the enforcement page instead. This module only reads
those settlements, for the daily overdue check below.

* ``settlement_create`` — a plan with its schedule, given line by line or generated (equal instalments,
  ROUND_HALF_UP to the fen, the remainder on the last; monthly dates clamped to the month's end, Civil Code
  art. 202). A plan that waives interest, penalty interest or fees goes through the internal approval of
  kind "settlement" (``decisions.decision_run_or_request``): AWAITING_APPROVAL until the last approver
  approves (the executor registered in ``connect`` activates it), REJECTED when refused.
* ``settlement_payment_match`` — the case's recoveries received on or after the agreement are applied to
  the plan's unpaid instalments, oldest first; a recovery counts once, towards one plan (the price of a
  debt transfer is no payment by the debtor and never counts). Run by the
  ``recovery_received`` listener in the recovery's own transaction, and by hand (re-match).
* Paid in full → COMPLETED, a ``settlement_completed`` event and the tasks to withdraw the suit, apply to
  release seizures and reclaim refundable court fees.
* ``settlements_check_breaches`` (daily) — an instalment still unpaid after ``due_on + grace_days`` is
  MISSED, the plan BREACHED (``settlement_breached``) and a task to resume the suit or enforcement created,
  once (task source key ``settlement:<plan>:breach:<seq>``).
* ``enforcement_settlements_check_overdue`` (same daily job) — a settlement in enforcement still being
  performed with an instalment unpaid after its due date (no grace: the enforcement app has none, and the
  breach itself is recorded there by the handler) gets one task for the handler to record the breach and
  apply to resume enforcement (source key ``enf-settlement:<id>:overdue:<seq>``, the earliest unpaid
  instalment). The enforcement rows are only read, never written.

Everything is audited on the case stream in the same transaction; tasks notify after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.events import case_event_record, register_event_listener
from loanlit.cases.models import Case, CaseEvent, CostEntry, Proceeding, Recovery
from loanlit.cases.positions import ENFORCEMENT_KINDS
from loanlit.core import money as m
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.enforcement.models import EnforcementSettlement, Measure
from loanlit.enforcement.models import SettlementInstalment as EnforcementInstalment
from loanlit.law import enforcement as enforcement_law
from loanlit.law.money import LawInputError
from loanlit.law.periods import add_months
from loanlit.rules.selectors import law_calendar
from loanlit.workflow.models import DecisionRequest, SettlementInstalment, SettlementPayment, SettlementPlan, Task
from loanlit.workflow.models.decisions import DecisionKind
from loanlit.workflow.services import decisions
from loanlit.workflow.services.tasks import ROLE_HANDLER, TaskInput, tasks_create_batch

ZERO: Final = Decimal("0.00")
CENT: Final = Decimal("0.01")
MAX_INSTALMENTS: Final = 120
MAX_INTERVAL_MONTHS: Final = 12
MAX_GRACE_DAYS: Final = 90
NOTE_MAX: Final = 2000
# The furthest an instalment may fall due: this many years after the agreement (today for a preview).
MAX_HORIZON_YEARS: Final = 30

logger = logging.getLogger(__name__)

# Internal targets for the follow-up work (days after the breach or the last payment).
BREACH_TASK_DAYS: Final = 7
OVERDUE_TASK_DAYS: Final = 7
WITHDRAW_TASK_DAYS: Final = 7
RELEASE_TASK_DAYS: Final = 7
REFUND_TASK_DAYS: Final = 30

LIVE: Final = (SettlementPlan.Status.AWAITING_APPROVAL, SettlementPlan.Status.ACTIVE)
CANCELLABLE: Final = (
    SettlementPlan.Status.AWAITING_APPROVAL,
    SettlementPlan.Status.ACTIVE,
    SettlementPlan.Status.BREACHED,
)
UNPAID: Final = (SettlementInstalment.Status.DUE, SettlementInstalment.Status.PART_PAID)
# Court fees the court pays back when a suit ends by withdrawal or mediation (half the acceptance fee,
# 诉讼费用交纳办法 art. 15).
REFUNDABLE_KINDS: Final = (CostEntry.Kind.ACCEPTANCE_FEE,)


def _stream(case_id: int) -> str:
    return audit.stream_key("case", case_id)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _today() -> date:
    return timezone.localdate()


# --- schedules (pure) --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    seq: int
    due_on: date
    amount: Decimal


def _amount(value: object, *, label: str, allow_zero: bool = False) -> Decimal:
    try:
        amount = m.to_money(value)  # type: ignore[arg-type]
    except m.MoneyError as exc:
        raise DomainError(str(exc.message), code="invalid_amount") from None
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(
            _("%(what)s must be greater than zero.") % {"what": label}
            if not allow_zero
            else _("%(what)s cannot be negative.") % {"what": label},
            code="invalid_amount",
        )
    return amount


def horizon(agreed_on: date | None = None) -> date:
    """The last day an instalment may fall due: ``MAX_HORIZON_YEARS`` after the agreement (after today when
    no agreement date is known; an agreement date too far out to add to counts as today)."""
    base = agreed_on if isinstance(agreed_on, date) and agreed_on <= _today() else _today()
    return add_months(base, MAX_HORIZON_YEARS * 12)[0]


def _horizon_error(limit: date) -> DomainError:
    return DomainError(
        _(
            "An instalment cannot fall due more than %(years)d years after the settlement was agreed "
            "(on %(limit)s at the latest)."
        )
        % {"years": MAX_HORIZON_YEARS, "limit": limit.isoformat()},
        code="schedule_horizon",
    )


def schedule_equal(
    *, total: Decimal, count: int, first_due: date, interval_months: int = 1, agreed_on: date | None = None
) -> list[ScheduleRow]:
    """``count`` equal instalments (ROUND_HALF_UP to the fen, the remainder on the last), the first on
    ``first_due`` and each later one ``interval_months`` after it (the month's last day where the day does
    not exist, Civil Code art. 202: 31 Jan → 28/29 Feb → 31 Mar, always counted from ``first_due``).
    The last one falls due at the latest ``MAX_HORIZON_YEARS`` after ``agreed_on`` (checked before any
    date is computed)."""
    total = _amount(total, label=_("The amount to pay"))
    if not isinstance(first_due, date):
        raise DomainError(_("Enter the date the first instalment falls due."), code="invalid_date")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_INSTALMENTS:
        raise DomainError(
            _("Enter between 1 and %(max)d instalments.") % {"max": MAX_INSTALMENTS}, code="invalid_count"
        )
    if (
        isinstance(interval_months, bool)
        or not isinstance(interval_months, int)
        or not 1 <= interval_months <= MAX_INTERVAL_MONTHS
    ):
        raise DomainError(
            _("The interval is between 1 and %(max)d months.") % {"max": MAX_INTERVAL_MONTHS},
            code="invalid_interval",
        )
    each = (total / count).quantize(CENT, rounding=ROUND_HALF_UP)
    if each <= 0:
        raise DomainError(_("Each instalment must be at least 0.01."), code="invalid_count")
    last = total - each * (count - 1)
    if last <= 0:
        raise DomainError(_("Each instalment must be at least 0.01."), code="invalid_count")
    limit = horizon(agreed_on)
    # The last due date's month, counted without building a date (a year past 9999 cannot be built).
    months = (count - 1) * interval_months
    last_month = first_due.year * 12 + first_due.month - 1 + months
    if first_due > limit or last_month > limit.year * 12 + limit.month - 1:
        raise _horizon_error(limit)
    rows = []
    for index in range(count):
        due_on = add_months(first_due, index * interval_months)[0]
        if due_on > limit:
            raise _horizon_error(limit)
        rows.append(ScheduleRow(seq=index + 1, due_on=due_on, amount=last if index == count - 1 else each))
    return rows


def schedule_given(
    *, total: Decimal, rows: Sequence[tuple[date, Decimal]], agreed_on: date | None = None
) -> list[ScheduleRow]:
    """An explicit schedule: due dates in order, amounts above zero summing exactly to ``total``, the last
    at the latest ``MAX_HORIZON_YEARS`` after ``agreed_on``."""
    total = _amount(total, label=_("The amount to pay"))
    if not rows:
        raise DomainError(_("Enter at least one instalment."), code="schedule_empty")
    if len(rows) > MAX_INSTALMENTS:
        raise DomainError(
            _("Enter between 1 and %(max)d instalments.") % {"max": MAX_INSTALMENTS}, code="invalid_count"
        )
    limit = horizon(agreed_on)
    out: list[ScheduleRow] = []
    for seq, (due_on, amount) in enumerate(rows, start=1):
        if not isinstance(due_on, date):
            raise DomainError(_("Instalment %(seq)d has no due date.") % {"seq": seq}, code="invalid_date")
        if due_on > limit:
            raise _horizon_error(limit)
        value = _amount(amount, label=_("Instalment %(seq)d") % {"seq": seq})
        if out and due_on < out[-1].due_on:
            raise DomainError(
                _("Instalment %(seq)d falls due before the one before it.") % {"seq": seq}, code="schedule_order"
            )
        out.append(ScheduleRow(seq=seq, due_on=due_on, amount=value))
    given = sum((row.amount for row in out), ZERO)
    if given != total:
        raise DomainError(
            _("The instalments add up to %(sum)s, not the amount to pay (%(total)s).")
            % {"sum": m.format_money(given), "total": m.format_money(total)},
            code="schedule_sum",
        )
    return out


def schedule_build(
    *,
    total: Decimal,
    instalments: Sequence[tuple[date, Decimal]] | None = None,
    count: int | None = None,
    first_due: date | None = None,
    interval_months: int = 1,
    agreed_on: date | None = None,
) -> list[ScheduleRow]:
    """The schedule a plan would get (the create form's preview uses this too)."""
    if instalments is not None:
        return schedule_given(total=total, rows=instalments, agreed_on=agreed_on)
    if count is None or first_due is None:
        raise DomainError(_("Enter the instalments, or their number and the first due date."), code="schedule_missing")
    return schedule_equal(
        total=total, count=count, first_due=first_due, interval_months=interval_months, agreed_on=agreed_on
    )


# --- create, approve, reject, cancel ------------------------------------------------------------------------


def _require_bank_staff(actor: Any) -> None:
    """Waiving debt and calling a plan off are the bank's decisions, never a panel firm's (external roles)."""
    if actor is not None and access.is_external_lawyer(actor):
        raise PermissionDeniedError(
            _("Only the bank can waive amounts or cancel a settlement plan."), code="permission_denied"
        )


def _lock_case(case_id: int) -> Case:
    return Case.objects.select_for_update().get(pk=case_id)


def _lock_plan(plan_id: int, *, expected_version: int | None = None) -> SettlementPlan:
    plan = SettlementPlan.objects.select_for_update().get(pk=plan_id)
    if expected_version is not None and plan.version != expected_version:
        raise StaleVersionError(
            _("This settlement plan was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return plan


def _bump(plan: SettlementPlan, *fields: str) -> None:
    plan.version += 1
    plan.save(update_fields=[*fields, "version", "updated_at"])


def _event(*, actor: Any, plan: SettlementPlan, kind: str, action: str, happened_on: date, **extra: Any) -> None:
    params = {
        "plan": plan.pk,
        "phase": plan.phase,
        "amount": _money(plan.total),
        "currency": plan.currency,
        **extra,
    }
    case_event_record(
        actor=actor,
        case_id=plan.case_id,
        kind=kind,
        action=action,
        target=plan,
        happened_on=happened_on,
        params=params,
    )


# The phases of a new plan. ``Phase.ENFORCEMENT`` stays in the model's choices for the stored value only.
NEW_PLAN_PHASES: Final = (SettlementPlan.Phase.BEFORE_SUIT, SettlementPlan.Phase.IN_COURT)


def enforcement_home_message() -> str:
    """Why a plan is refused in enforcement (translated in the active language when raised)."""
    return _(
        "A settlement reached in enforcement is recorded on the case's enforcement page "
        "(Record a settlement in enforcement), not as a settlement plan."
    )


def active_enforcement_proceeding(case_id: int) -> Proceeding | None:
    """The case's enforcement under way, if any: a settlement then belongs to the enforcement app."""
    return (
        Proceeding.objects.filter(case_id=case_id, is_active=True, kind__in=ENFORCEMENT_KINDS).order_by("-pk").first()
    )


def waived_total(plan: SettlementPlan) -> Decimal:
    return plan.waived_interest + plan.waived_penalty + plan.waived_fees


@transaction.atomic
def settlement_create(
    *,
    actor: Any,
    case: Case,
    phase: str,
    agreed_on: date,
    total: Decimal,
    instalments: Sequence[tuple[date, Decimal]] | None = None,
    count: int | None = None,
    first_due: date | None = None,
    interval_months: int = 1,
    waived_interest: Decimal = ZERO,
    waived_penalty: Decimal = ZERO,
    waived_fees: Decimal = ZERO,
    grace_days: int = 0,
    note: str = "",
) -> SettlementPlan:
    """Agree a settlement plan. Waivers need the internal approval of kind "settlement" where a policy applies."""
    access.require_edit(actor, case)
    case = _lock_case(case.pk)
    if phase == SettlementPlan.Phase.ENFORCEMENT or active_enforcement_proceeding(case.pk) is not None:
        raise DomainError(enforcement_home_message(), code="settlement_in_enforcement")
    if phase not in NEW_PLAN_PHASES:
        raise DomainError(_("Unknown settlement phase."), code="invalid_phase")
    if not isinstance(agreed_on, date):
        raise DomainError(_("Enter the date the settlement was agreed."), code="invalid_date")
    if agreed_on > _today():
        raise DomainError(_("A settlement cannot be agreed in the future."), code="invalid_date")
    if isinstance(grace_days, bool) or not isinstance(grace_days, int) or not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise DomainError(
            _("The grace period is between 0 and %(max)d days.") % {"max": MAX_GRACE_DAYS}, code="invalid_grace"
        )
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_("The note has at most %(max)d characters.") % {"max": NOTE_MAX}, code="note_too_long")
    waivers = {
        "waived_interest": _amount(waived_interest, label=_("The interest waived"), allow_zero=True),
        "waived_penalty": _amount(waived_penalty, label=_("The penalty interest waived"), allow_zero=True),
        "waived_fees": _amount(waived_fees, label=_("The fees waived"), allow_zero=True),
    }
    if any(waivers.values()):
        _require_bank_staff(actor)
    rows = schedule_build(
        total=total,
        instalments=instalments,
        count=count,
        first_due=first_due,
        interval_months=interval_months,
        agreed_on=agreed_on,
    )
    if rows[0].due_on < agreed_on:
        raise DomainError(
            _("The first instalment cannot fall due before the settlement was agreed."), code="schedule_before"
        )
    if SettlementPlan.objects.filter(case_id=case.pk, status__in=LIVE).exists():
        raise DomainError(
            _("This case already has a settlement plan in force or awaiting approval. Cancel it first."),
            code="settlement_exists",
        )
    currency = case.claim_currency or m.DEFAULT_CURRENCY
    waived = sum(waivers.values(), ZERO)
    plan = SettlementPlan.objects.create(
        case=case,
        phase=phase,
        status=SettlementPlan.Status.AWAITING_APPROVAL,
        agreed_on=agreed_on,
        currency=currency,
        total=sum((row.amount for row in rows), ZERO),
        grace_days=grace_days,
        note=note,
        created_by=actor,
        **waivers,
    )
    SettlementInstalment.objects.bulk_create(
        [
            SettlementInstalment(plan=plan, seq=row.seq, due_on=row.due_on, currency=currency, amount=row.amount)
            for row in rows
        ]
    )
    audit.record(
        actor=actor,
        action="settlement.created",
        target=plan,
        stream=_stream(case.pk),
        changes={
            "phase": phase,
            "agreed_on": agreed_on.isoformat(),
            "total": _money(plan.total),
            "currency": currency,
            "grace_days": grace_days,
            **{name: _money(value) for name, value in waivers.items()},
            "schedule": [[row.due_on.isoformat(), _money(row.amount)] for row in rows],
        },
    )
    # A waiver is a decision that needs authority (maker-checker); the system (actor None: imports, the
    # demo loader) is not asked.
    if waived > 0 and actor is not None:
        request, _result = decisions.decision_run_or_request(
            actor=actor,
            kind=DecisionKind.SETTLEMENT,
            case=case,
            amount=waived,
            currency=currency,
            payload={"plan_id": plan.pk},
            summary=_("Settlement of %(total)s with %(waived)s waived")
            % {"total": m.format_money(plan.total), "waived": m.format_money(waived)},
            reason=note,
        )
        plan.refresh_from_db()
        if request is not None and plan.decision_id != request.pk:
            plan.decision = request
            _bump(plan, "decision")
    else:
        _activate(actor=actor, plan=plan, request=None)
        plan.refresh_from_db()
    return plan


def _activate(*, actor: Any, plan: SettlementPlan, request: Any) -> SettlementPlan:
    """AWAITING_APPROVAL → ACTIVE: the agreement on the timeline, then recoveries already received matched."""
    plan = _lock_plan(plan.pk)
    if plan.status != SettlementPlan.Status.AWAITING_APPROVAL:
        raise DomainError(
            _("This settlement plan no longer awaits approval (it is %(status)s).")
            % {"status": plan.get_status_display()},
            code="settlement_not_awaiting",
        )
    plan.status = SettlementPlan.Status.ACTIVE
    fields = ["status"]
    if request is not None:
        plan.decision = request
        fields.append("decision")
    _bump(plan, *fields)
    _event(
        actor=actor,
        plan=plan,
        kind=CaseEvent.Kind.SETTLEMENT_AGREED,
        action="settlement.activated",
        happened_on=plan.agreed_on,
        instalments=plan.instalments.count(),
        waived=_money(waived_total(plan)),
    )
    _match(actor=actor, plan=plan)
    return plan


def _plan_from_payload(case: Any, payload: Any) -> SettlementPlan:
    plan_id = payload.get("plan_id") if isinstance(payload, dict) else None
    plan = SettlementPlan.objects.filter(pk=plan_id).first() if isinstance(plan_id, int) else None
    if plan is None or (case is not None and plan.case_id != case.pk):
        raise DomainError(_("The settlement plan of this request no longer exists."), code="settlement_missing")
    return plan


def _check(*, actor: Any, case: Any, payload: Any) -> None:
    """Before a request is made: the plan exists on this case and awaits approval."""
    plan = _plan_from_payload(case, payload)
    if plan.status != SettlementPlan.Status.AWAITING_APPROVAL:
        raise DomainError(
            _("This settlement plan no longer awaits approval (it is %(status)s).")
            % {"status": plan.get_status_display()},
            code="settlement_not_awaiting",
        )


def _execute(*, actor: Any, request: Any, case: Any, payload: Any) -> dict[str, Any]:
    """Executor of approved "settlement" decisions: the plan comes into force."""
    plan = _activate(actor=actor, plan=_plan_from_payload(case, payload), request=request)
    return {"plan_id": plan.pk}


def _on_reject(*, actor: Any, request: Any, case: Any, payload: Any) -> None:
    plan = _lock_plan(_plan_from_payload(case, payload).pk)
    if plan.status != SettlementPlan.Status.AWAITING_APPROVAL:
        return
    plan.status = SettlementPlan.Status.REJECTED
    if request is not None:
        plan.decision = request
    _bump(plan, "status", "decision")
    audit.record(
        actor=actor,
        action="settlement.rejected",
        target=plan,
        stream=_stream(plan.case_id),
        changes={"status": [SettlementPlan.Status.AWAITING_APPROVAL, SettlementPlan.Status.REJECTED]},
    )


@transaction.atomic
def settlement_cancel(*, actor: Any, plan: SettlementPlan, version: int, reason: str) -> SettlementPlan:
    """Call a plan off (renegotiated, agreed by mistake); a pending approval request is withdrawn with it."""
    access.require_edit(actor, plan.case)
    _require_bank_staff(actor)
    _lock_case(plan.case_id)
    if plan.decision_id is not None:
        # The request before the plan, in the order an approval takes them (request, then plan).
        list(DecisionRequest.objects.select_for_update().filter(pk=plan.decision_id))
    plan = _lock_plan(plan.pk, expected_version=version)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise DomainError(_("Say why the settlement is cancelled."), code="reason_required")
    if len(reason) > NOTE_MAX:
        raise DomainError(_("The note has at most %(max)d characters.") % {"max": NOTE_MAX}, code="note_too_long")
    if plan.status not in CANCELLABLE:
        raise DomainError(
            _("This settlement plan cannot be cancelled (it is %(status)s).") % {"status": plan.get_status_display()},
            code="settlement_closed",
        )
    before = plan.status
    plan.status = SettlementPlan.Status.CANCELLED
    _bump(plan, "status")
    if before == SettlementPlan.Status.AWAITING_APPROVAL and plan.decision_id is not None:
        # After the status change, so the decision's on_reject hook finds nothing awaiting.
        _withdraw_request(actor=actor, plan=plan)
    _event(
        actor=actor,
        plan=plan,
        kind=CaseEvent.Kind.SETTLEMENT_CANCELLED,
        action="settlement.cancelled",
        happened_on=_today(),
        reason=reason,
    )
    return plan


def _withdraw_request(*, actor: Any, plan: SettlementPlan) -> None:
    if plan.decision_id is None:
        return
    request = DecisionRequest.objects.filter(pk=plan.decision_id, state=DecisionRequest.State.PENDING).first()
    if request is None:
        return
    # The requester withdraws; when someone else cancels, the request stays and its approval fails (the
    # executor no longer finds the plan awaiting approval).
    if request.requested_by_id != getattr(actor, "pk", None):
        return
    try:
        with transaction.atomic():
            decisions.decision_withdraw(actor=actor, request=request)
    except DomainError:
        pass


# --- matching recoveries ------------------------------------------------------------------------------------


def _match(*, actor: Any, plan: SettlementPlan) -> list[SettlementPayment]:
    """Apply the case's unmatched recoveries (received on/after the agreement) to ``plan``, oldest first.

    The caller holds the case lock; ``plan`` must be ACTIVE (anything else is left alone).
    """
    plan = _lock_plan(plan.pk)
    if plan.status != SettlementPlan.Status.ACTIVE:
        return []
    counted = SettlementPayment.objects.values("recovery_id")
    recoveries = list(
        Recovery.objects.filter(case_id=plan.case_id, received_on__gte=plan.agreed_on, currency=plan.currency)
        .exclude(pk__in=counted)
        # The price of the debt sold to a buyer is no payment by the debtor.
        .exclude(source=Recovery.Source.DEBT_TRANSFER)
        .order_by("received_on", "pk")
    )
    if not recoveries:
        return []
    open_rows = list(plan.instalments.filter(status__in=UNPAID).order_by("seq"))
    payments: list[SettlementPayment] = []
    changed: dict[int, SettlementInstalment] = {}
    last_paid_on: date | None = None
    for recovery in recoveries:
        left = recovery.amount
        while left > 0 and open_rows:
            row = open_rows[0]
            part = min(left, row.amount - row.paid)
            payments.append(
                SettlementPayment(
                    plan=plan,
                    instalment=row,
                    recovery=recovery,
                    received_on=recovery.received_on,
                    currency=plan.currency,
                    amount=part,
                )
            )
            row.paid += part
            left -= part
            if row.paid == row.amount:
                row.status = SettlementInstalment.Status.PAID
                row.paid_on = recovery.received_on
                open_rows.pop(0)
                last_paid_on = recovery.received_on
            else:
                row.status = SettlementInstalment.Status.PART_PAID
            changed[row.pk] = row
        if not open_rows:
            break
    SettlementPayment.objects.bulk_create(payments)
    SettlementInstalment.objects.bulk_update(list(changed.values()), ["paid", "paid_on", "status"])
    audit.record_many(
        actor=actor,
        items=[
            audit.AuditItem(
                action="settlement.payment_matched",
                target=payment,
                stream=_stream(plan.case_id),
                changes={
                    "plan": plan.pk,
                    "recovery": payment.recovery_id,
                    "instalment": payment.instalment.seq,
                    "amount": _money(payment.amount),
                    "received_on": payment.received_on.isoformat(),
                },
            )
            for payment in payments
        ],
    )
    if not open_rows and not plan.instalments.exclude(status=SettlementInstalment.Status.PAID).exists():
        _complete(actor=actor, plan=plan, completed_on=last_paid_on or recoveries[-1].received_on)
    return payments


@transaction.atomic
def settlement_payment_match(*, actor: Any, plan: SettlementPlan) -> list[SettlementPayment]:
    """Re-match by hand: recoveries not yet counted towards any plan are applied to this one."""
    access.require_edit(actor, plan.case)
    _lock_case(plan.case_id)
    fresh = SettlementPlan.objects.get(pk=plan.pk)
    if fresh.status != SettlementPlan.Status.ACTIVE:
        raise DomainError(
            _("Only a plan in force takes payments (this one is %(status)s).") % {"status": fresh.get_status_display()},
            code="settlement_not_active",
        )
    return _match(actor=actor, plan=fresh)


def _on_case_events(events: Sequence[CaseEvent]) -> None:
    """Listener: a recovery recorded on a case with a plan in force is matched in the same transaction."""
    actors = {event.case_id: event.actor for event in events if event.kind == CaseEvent.Kind.RECOVERY_RECEIVED}
    if not actors:
        return
    # One query for a whole batch of recoveries (an import records many at once).
    plans = SettlementPlan.objects.filter(case_id__in=list(actors), status=SettlementPlan.Status.ACTIVE)
    for plan in plans.order_by("pk"):
        _match(actor=actors[plan.case_id], plan=plan)


# --- completion ---------------------------------------------------------------------------------------------


def _active_court_proceeding(case_id: int) -> Proceeding | None:
    return (
        Proceeding.objects.filter(case_id=case_id, is_active=True)
        .exclude(kind__in=ENFORCEMENT_KINDS)
        .exclude(kind=Proceeding.Kind.PRESERVATION)
        .order_by("-pk")
        .first()
    )


def refundable_costs(case_id: int) -> list[CostEntry]:
    """Court fees paid and not yet refunded that the court pays (partly) back when the suit ends by
    withdrawal or mediation: the acceptance fee (halved, 诉讼费用交纳办法 art. 15) of a proceeding not
    decided by judgment or dismissal."""
    decided = (Proceeding.Result.JUDGMENT, Proceeding.Result.DISMISSED)
    costs = (
        CostEntry.objects.filter(case_id=case_id, kind__in=REFUNDABLE_KINDS)
        .exclude(proceeding__result__in=decided)
        .order_by("paid_on", "pk")
    )
    return [cost for cost in costs if cost.refunded_amount < cost.amount]


def _complete(*, actor: Any, plan: SettlementPlan, completed_on: date) -> None:
    plan.status = SettlementPlan.Status.COMPLETED
    plan.completed_on = completed_on
    _bump(plan, "status", "completed_on")
    _event(
        actor=actor,
        plan=plan,
        kind=CaseEvent.Kind.SETTLEMENT_COMPLETED,
        action="settlement.completed",
        happened_on=completed_on,
    )
    case = Case.objects.get(pk=plan.case_id)
    rows: list[TaskInput] = []
    proceeding = _active_court_proceeding(plan.case_id)
    if proceeding is not None:
        rows.append(
            TaskInput(
                title=_("Withdraw the suit: the settlement was paid in full"),
                case=case,
                assignee_role=ROLE_HANDLER,
                due_on=completed_on + timedelta(days=WITHDRAW_TASK_DAYS),
                priority=Task.Priority.HIGH,
                description=_("Apply to withdraw the %(proceeding)s (%(number)s).")
                % {"proceeding": proceeding.get_kind_display(), "number": proceeding.court_case_number or "-"},
                source=Task.Source.SETTLEMENT,
                source_key=f"settlement:{plan.pk}:withdraw",
            )
        )
    seizures = Measure.objects.filter(case_id=plan.case_id, status=Measure.Status.ACTIVE).count()
    if seizures:
        rows.append(
            TaskInput(
                title=_("Apply to release the seizures: the settlement was paid in full"),
                case=case,
                assignee_role=ROLE_HANDLER,
                due_on=completed_on + timedelta(days=RELEASE_TASK_DAYS),
                priority=Task.Priority.HIGH,
                description=_("%(count)d seizures, freezes or distraints are in force on this case.")
                % {"count": seizures},
                source=Task.Source.SETTLEMENT,
                source_key=f"settlement:{plan.pk}:release",
            )
        )
    costs = refundable_costs(plan.case_id)
    if costs:
        lines = [
            f"{cost.get_kind_display()} {cost.paid_on.isoformat()} {cost.currency} {m.format_money(cost.amount)}"
            for cost in costs
        ]
        rows.append(
            TaskInput(
                title=_("Reclaim the refundable court fees"),
                case=case,
                assignee_role=ROLE_HANDLER,
                due_on=completed_on + timedelta(days=REFUND_TASK_DAYS),
                description="\n".join(
                    [_("The acceptance fee is halved when a suit ends by withdrawal or mediation:"), *lines]
                ),
                source=Task.Source.SETTLEMENT,
                source_key=f"settlement:{plan.pk}:refund",
            )
        )
    if rows:
        tasks_create_batch(actor=actor, rows=rows)


# --- breaches -----------------------------------------------------------------------------------------------


def breach_day(instalment: SettlementInstalment, grace_days: int) -> date:
    """The first day on which an unpaid instalment is a breach: the day after the grace period ends
    (``date.max`` — never — for a due date so far out that the day cannot be counted)."""
    try:
        return instalment.due_on + timedelta(days=grace_days + 1)
    except OverflowError:
        return date.max


def settlements_check_breaches(*, today: date | None = None) -> int:
    """Mark the instalments still unpaid after their grace period MISSED and their plans BREACHED, each with
    a task to resume the suit. Idempotent: a breached plan is not looked at again. Returns
    how many plans were breached."""
    today = today or _today()
    candidates = list(
        SettlementPlan.objects.filter(
            status=SettlementPlan.Status.ACTIVE,
            instalments__status__in=UNPAID,
            instalments__due_on__lt=today,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    return _count_each(candidates, lambda plan_id: _check_plan(plan_id, today), what="settlement plan")


def _count_each(ids: list[int], check: Callable[[int], bool], *, what: str) -> int:
    """How many ``check(id)`` said yes. Each check runs in its own transaction; one row in a bad state must
    not stop the daily check for the others: it is logged, skipped (rolled back) and looked at again tomorrow."""
    done = 0
    for pk in ids:
        try:
            done += bool(check(pk))
        except Exception:
            logger.exception("daily check failed for %s %s; skipped", what, pk)
    return done


@transaction.atomic
def _check_plan(plan_id: int, today: date) -> bool:
    case_id = SettlementPlan.objects.filter(pk=plan_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return False
    _lock_case(case_id)
    plan = _lock_plan(plan_id)
    if plan.status != SettlementPlan.Status.ACTIVE:
        return False
    missed = [
        row
        for row in plan.instalments.filter(status__in=UNPAID).order_by("seq")
        if breach_day(row, plan.grace_days) <= today
    ]
    if not missed:
        return False
    _breach(plan=plan, missed=missed)
    return True


def _breach(*, plan: SettlementPlan, missed: list[SettlementInstalment]) -> None:
    first = missed[0]
    breached_on = breach_day(first, plan.grace_days)
    for row in missed:
        row.status = SettlementInstalment.Status.MISSED
    SettlementInstalment.objects.bulk_update(missed, ["status"])
    plan.status = SettlementPlan.Status.BREACHED
    plan.breached_on = breached_on
    _bump(plan, "status", "breached_on")
    unpaid = sum((row.amount - row.paid for row in missed), ZERO)
    _event(
        actor=None,
        plan=plan,
        kind=CaseEvent.Kind.SETTLEMENT_BREACHED,
        action="settlement.breached",
        happened_on=breached_on,
        instalment=first.seq,
        due_on=first.due_on.isoformat(),
        unpaid=_money(unpaid),
    )
    # Plans are settled before suit or in court; a breach in enforcement is the enforcement app's (below).
    title = _("Resume the suit: the settlement was breached")
    description = _(
        "Instalment %(seq)d of %(amount)s was due on %(due)s and is unpaid after %(grace)d days of grace "
        "(%(unpaid)s unpaid on the missed instalments)."
    ) % {
        "seq": first.seq,
        "amount": m.format_money(first.amount),
        "due": first.due_on.isoformat(),
        "grace": plan.grace_days,
        "unpaid": m.format_money(unpaid),
    }
    tasks_create_batch(
        actor=None,
        rows=[
            TaskInput(
                title=title,
                case=Case.objects.get(pk=plan.case_id),
                assignee_role=ROLE_HANDLER,
                due_on=breached_on + timedelta(days=BREACH_TASK_DAYS),
                priority=Task.Priority.HIGH,
                description=description,
                source=Task.Source.SETTLEMENT,
                source_key=f"settlement:{plan.pk}:breach:{first.seq}",
            )
        ],
    )


# --- settlements in enforcement (read only) ------------------------------------------------------------------


def enforcement_settlements_check_overdue(*, today: date | None = None) -> int:
    """A task for each settlement in enforcement still being performed whose earliest unpaid instalment fell
    due before ``today`` (no grace: the first day after the due date). Once per instalment (source key
    ``enf-settlement:<id>:overdue:<seq>``); the enforcement app's rows are only read. Returns how many
    tasks were created."""
    today = today or _today()
    candidates = list(
        EnforcementSettlement.objects.filter(
            status=EnforcementSettlement.Status.ACTIVE,
            instalments__paid_on__isnull=True,
            instalments__due_on__lt=today,
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    return _count_each(
        candidates, lambda pk: _check_enforcement_settlement(pk, today), what="settlement in enforcement"
    )


@transaction.atomic
def _check_enforcement_settlement(settlement_id: int, today: date) -> bool:
    case_id = EnforcementSettlement.objects.filter(pk=settlement_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return False
    # The case lock serialises two runs of the check (the task's source key is unique as well).
    case = _lock_case(case_id)
    settlement = EnforcementSettlement.objects.filter(pk=settlement_id).first()
    if settlement is None or settlement.status != EnforcementSettlement.Status.ACTIVE or case.is_closed:
        return False
    instalments = list(EnforcementInstalment.objects.filter(settlement_id=settlement_id).order_by("seq"))
    unpaid = [row for row in instalments if row.paid_on is None]
    if not unpaid or unpaid[0].due_on >= today:
        return False
    first = unpaid[0]
    key = f"enf-settlement:{settlement_id}:overdue:{first.seq}"
    if Task.objects.filter(source_key=key).exists():
        return False
    tasks_create_batch(
        actor=None,
        rows=[
            TaskInput(
                title=_(
                    "Instalment %(seq)d of the settlement in enforcement is overdue: record the breach and "
                    "apply to resume enforcement"
                )
                % {"seq": first.seq},
                case=case,
                assignee_role=ROLE_HANDLER,
                due_on=today + timedelta(days=OVERDUE_TASK_DAYS),
                priority=Task.Priority.HIGH,
                description=_overdue_description(settlement, first, instalments),
                source=Task.Source.SETTLEMENT,
                source_key=key,
            )
        ],
    )
    return True


def _overdue_description(
    settlement: EnforcementSettlement, first: EnforcementInstalment, instalments: list[EnforcementInstalment]
) -> str:
    # The same last performance day the enforcement service uses when the breach is recorded.
    last_day = max((row.due_on for row in instalments), default=settlement.agreed_on)
    lines = [
        _(
            "Instalment %(seq)d of %(amount)s under the settlement in enforcement agreed on %(agreed)s fell due "
            "on %(due)s and is unpaid."
        )
        % {
            "seq": first.seq,
            "amount": m.format_money(first.amount),
            "agreed": settlement.agreed_on.isoformat(),
            "due": first.due_on.isoformat(),
        },
        _(
            "If the debtor does not perform, record the breach on the case's enforcement page and apply to "
            "resume enforcement of the original title: the application is due within 2 years of the "
            "settlement's last performance day (Settlement Provisions art. 10)."
        ),
    ]
    try:
        resume_by = enforcement_law.resumption_after_settlement_deadline(last_day, calendar=law_calendar()).deadline
    except LawInputError:
        resume_by = None
    if resume_by is not None:
        lines.append(
            _("Last performance day %(last)s: apply to resume by %(deadline)s.")
            % {"last": last_day.isoformat(), "deadline": resume_by.isoformat()}
        )
    return "\n".join(lines)


# --- hooks --------------------------------------------------------------------------------------------------


def connect() -> None:
    """Register this area's hooks on the cases layer (called once from apps.ready)."""
    register_event_listener(_on_case_events)
    decisions.register_action(DecisionKind.SETTLEMENT, execute=_execute, on_reject=_on_reject, check=_check)
    from loanlit.workflow import panels_settlements

    panels_settlements.register()
