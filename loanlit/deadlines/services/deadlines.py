"""Writes of legal deadlines: derived from case events, recomputed on new data, closed by people.

Every case deadline is *derived* from the case's own records (service records, proceedings, judgments and
the fee-notice / preservation events), identified by a ``source_key``. Recording an event re-derives the
case: new deadlines are created, changed ones updated — except those done, waived or set by hand, which
are never touched. A moved date is written on the timeline (old → new) and, when it moves earlier, the
responsible user is told in the application (internal case number, type, date and a link; nothing personal,
DESIGN rule 11). Monitors (limitation, guarantee periods) are derived from loans the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.accounts.selectors import scope_q
from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.events import case_event_record
from loanlit.cases.models import Case, CaseEvent, Judgment, Proceeding, ProceedingParty, ServiceRecord
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.deadlines.explain import local
from loanlit.deadlines.models import CollectionAction, Deadline
from loanlit.law.calendar import Calendar
from loanlit.law.deadline_events import compute_event_deadline
from loanlit.law.periods import DeadlineResult
from loanlit.loans.models import GuaranteeContract, LoanContract

K = Deadline.Kind

DEFENDANT_ROLES: Final = frozenset(
    {
        ProceedingParty.Role.DEFENDANT,
        ProceedingParty.Role.GUARANTOR_DEFENDANT,
        ProceedingParty.Role.THIRD_PARTY,
        ProceedingParty.Role.RESPONDENT,
    }
)
APPEALABLE_KINDS: Final = frozenset({Proceeding.Kind.FIRST_INSTANCE})
TRIAL_RULES: Final[dict[str, str]] = {
    Proceeding.Kind.FIRST_INSTANCE: "trial_ordinary",
    Proceeding.Kind.SECOND_INSTANCE: "trial_second_instance",
}
FIRST_INSTANCE_PROCEDURES: Final = ("trial_ordinary", "trial_summary", "trial_small_claims")
ENFORCEMENT_KINDS: Final = frozenset({Proceeding.Kind.ENFORCEMENT, Proceeding.Kind.RESUMED_ENFORCEMENT})
ASSET_RULES: Final = {
    "deposit": "preservation_deposit",
    "movable": "preservation_movable",
    "real_estate": "preservation_real_estate",
}
# Events that can change what a case's deadlines are; the rest (stage changes, costs …) are ignored.
TRIGGER_KINDS: Final = frozenset(
    {
        CaseEvent.Kind.PROCEEDING_OPENED,
        CaseEvent.Kind.PROCEEDING_UPDATED,
        CaseEvent.Kind.SERVED,
        CaseEvent.Kind.JUDGMENT_RECORDED,
        CaseEvent.Kind.JUDGMENT_EFFECTIVE,
        CaseEvent.Kind.FEE_NOTICE,
        CaseEvent.Kind.PRESERVATION_EFFECTIVE,
        CaseEvent.Kind.CLOSED,
    }
)
NOTIFY_CODE_MOVED_EARLIER: Final = "deadline.moved_earlier"
SETTLED_STATUSES: Final = (Deadline.Status.DONE, Deadline.Status.WAIVED)


def law_calendar() -> Calendar:
    from loanlit.rules.selectors import law_calendar as rules_calendar

    return rules_calendar()


# --- derivation ---------------------------------------------------------------------------------------------


@dataclass
class Spec:
    """What one deadline should be, before computing its dates."""

    source_key: str
    kind: str
    rule: str
    start: date
    creditor_id: int
    unit_path: str
    case_id: int | None = None
    responsible_id: int | None = None
    event_id: int | None = None
    proceeding_id: int | None = None
    proceeding_party_id: int | None = None
    loan_id: int | None = None
    guarantee_contract_id: int | None = None
    fixed_due: date | None = None  # a date given, not computed (agreed guarantee end, effective date)
    fixed_confirmed: bool = True
    notes: list[dict[str, Any]] = field(default_factory=list)
    # The case has moved past what the deadline waits for (a judgment ends the trial limit, an
    # enforcement filing answers the application period): it is done, not open or missed.
    satisfied: bool = False


@dataclass(frozen=True)
class Computed:
    start: date
    nominal_end: date
    due_on: date
    rolled: bool
    confirmed: bool
    reminder_date: date
    explanation: list[dict[str, Any]]


def _compute(spec: Spec, calendar: Calendar) -> Computed:
    if spec.fixed_due is not None:
        return Computed(
            start=spec.start,
            nominal_end=spec.fixed_due,
            due_on=spec.fixed_due,
            rolled=False,
            confirmed=spec.fixed_confirmed,
            reminder_date=spec.fixed_due,
            explanation=list(spec.notes),
        )
    result: DeadlineResult = compute_event_deadline(spec.rule, spec.start, calendar=calendar)
    explanation = [*spec.notes, *(msg.as_json() for msg in result.explanation)]
    due = result.deadline
    if spec.kind == K.PRESERVATION_RENEWAL:
        due = result.reminder_date
        explanation.append(local("deadlines.renewal_due"))
    return Computed(
        start=spec.start,
        nominal_end=result.nominal_end,
        due_on=due,
        rolled=result.rolled,
        confirmed=result.confirmed,
        reminder_date=min(result.reminder_date, due),
        explanation=explanation,
    )


def _case_spec(case: Case, **kwargs: Any) -> Spec:
    return Spec(
        creditor_id=case.creditor_id,
        unit_path=case.unit_path,
        case_id=case.pk,
        responsible_id=case.handler_id,
        **kwargs,
    )


def _first_service(records: Iterable[ServiceRecord], documents: set[str]) -> ServiceRecord | None:
    found = [r for r in records if r.document in documents]
    return min(found, key=lambda r: (r.served_on, r.pk)) if found else None


def _service_start(record: ServiceRecord, calendar: Calendar, specs: list[Spec], case: Case) -> tuple[date, list]:
    """When the period runs from: the service date, or the day publication is deemed served (CPL art. 95)."""
    if record.method != ServiceRecord.Method.PUBLICATION:
        return record.served_on, []
    spec = _case_spec(
        case,
        source_key=f"deemed:sr{record.pk}",
        kind=K.DEEMED_SERVICE,
        rule="publication",
        start=record.served_on,
        proceeding_id=record.proceeding_id,
        proceeding_party_id=record.proceeding_party_id,
    )
    specs.append(spec)
    deemed = compute_event_deadline("publication", record.served_on, calendar=calendar).deadline
    return deemed, [local("deadlines.after_publication", date=deemed.isoformat())]


def case_specs(case: Case, *, calendar: Calendar, existing: dict[str, Deadline]) -> list[Spec]:
    """Every deadline the case's records call for now (rules.md §6)."""
    from loanlit.cases.services.proceedings import effective_dates

    specs: list[Spec] = []
    proceedings = list(Proceeding.objects.filter(case=case).order_by("pk"))
    participants = list(
        ProceedingParty.objects.filter(proceeding__case=case).prefetch_related("service_records").order_by("pk")
    )
    by_proceeding = {p.pk: p for p in proceedings}
    judged = set(Judgment.objects.filter(proceeding__case=case).values_list("proceeding_id", flat=True))
    enforcement_filed = [p for p in proceedings if p.kind in ENFORCEMENT_KINDS]
    for participant in participants:
        proceeding = by_proceeding[participant.proceeding_id]
        records = list(participant.service_records.all())
        complaint = _first_service(records, {ServiceRecord.Document.COMPLAINT})
        if complaint is not None and participant.role in DEFENDANT_ROLES:
            start, notes = _service_start(complaint, calendar, specs, case)
            specs.append(
                _case_spec(
                    case,
                    source_key=f"answer:pp{participant.pk}",
                    kind=K.ANSWER,
                    rule="answer",
                    start=start,
                    proceeding_id=proceeding.pk,
                    proceeding_party_id=participant.pk,
                    notes=notes,
                )
            )
        decision = _first_service(records, {ServiceRecord.Document.JUDGMENT, ServiceRecord.Document.RULING})
        if decision is not None and proceeding.kind in APPEALABLE_KINDS:
            start, notes = _service_start(decision, calendar, specs, case)
            rule = "appeal_ruling" if decision.document == ServiceRecord.Document.RULING else "appeal_judgment"
            specs.append(
                _case_spec(
                    case,
                    source_key=f"appeal:pp{participant.pk}",
                    kind=K.APPEAL,
                    rule=rule,
                    start=start,
                    proceeding_id=proceeding.pk,
                    proceeding_party_id=participant.pk,
                    notes=notes,
                )
            )
    for proceeding in proceedings:
        began = proceeding.accepted_on or proceeding.filed_on
        if began is not None and proceeding.kind in TRIAL_RULES:
            key = f"trial:p{proceeding.pk}"
            rule = TRIAL_RULES[proceeding.kind]
            previous = existing.get(key)
            if previous is not None and previous.rule in FIRST_INSTANCE_PROCEDURES and rule == "trial_ordinary":
                rule = previous.rule  # the procedure chosen on the deadline (summary, small claims) is kept
            specs.append(
                _case_spec(
                    case,
                    source_key=key,
                    kind=K.TRIAL_LIMIT,
                    rule=rule,
                    start=began,
                    proceeding_id=proceeding.pk,
                    satisfied=proceeding.pk in judged or proceeding.result_on is not None,
                )
            )
        if began is not None and proceeding.kind in ENFORCEMENT_KINDS:
            specs.append(
                _case_spec(
                    case,
                    source_key=f"enforcement:p{proceeding.pk}",
                    kind=K.ENFORCEMENT_LIMIT,
                    rule="enforcement_limit",
                    start=began,
                    proceeding_id=proceeding.pk,
                    satisfied=proceeding.result_on is not None,
                )
            )
    for judgment in Judgment.objects.filter(proceeding__case=case).select_related("proceeding"):
        effective, confirmed, ends = effective_dates(judgment, judgment.proceeding)
        if effective is None:
            continue
        on_service = judgment.kind == Judgment.Kind.MEDIATION or judgment.proceeding.kind not in APPEALABLE_KINDS
        specs.append(
            _case_spec(
                case,
                source_key=f"effective:j{judgment.pk}",
                kind=K.JUDGMENT_EFFECTIVE,
                rule="",
                start=judgment.judged_on,
                proceeding_id=judgment.proceeding_id,
                fixed_due=effective,
                fixed_confirmed=confirmed,
                notes=[
                    local(
                        "deadlines.effective_on_service" if on_service else "deadlines.effective_on",
                        date=effective.isoformat(),
                    )
                ],
            )
        )
        start = ends or effective
        specs.append(
            _case_spec(
                case,
                source_key=f"enforce_apply:j{judgment.pk}",
                kind=K.ENFORCEMENT_APPLICATION,
                rule="enforcement_application",
                start=start,
                proceeding_id=judgment.proceeding_id,
                notes=[local("deadlines.performance_ends", date=start.isoformat())],
                satisfied=any(p.pk > judgment.proceeding_id for p in enforcement_filed),
            )
        )
    trigger_events = CaseEvent.objects.filter(
        case=case, kind__in=[CaseEvent.Kind.FEE_NOTICE, CaseEvent.Kind.PRESERVATION_EFFECTIVE]
    ).order_by("pk")
    for event in trigger_events:
        specs.extend(_event_specs(case, event))
    return specs


def _event_specs(case: Case, event: CaseEvent) -> list[Spec]:
    params = event.params or {}
    proceeding_id = params.get("proceeding") or None
    if event.kind == CaseEvent.Kind.FEE_NOTICE:
        return [
            _case_spec(
                case,
                source_key=f"fee:e{event.pk}",
                kind=K.FEE_PAYMENT,
                rule="fee_payment",
                start=event.happened_on,
                event_id=event.pk,
                proceeding_id=proceeding_id,
            )
        ]
    measure = params.get("measure_key") or f"e{event.pk}"
    rule = ASSET_RULES.get(params.get("asset_type", ""))
    specs: list[Spec] = []
    if rule is not None:
        for kind, suffix in ((K.PRESERVATION_EXPIRY, "expiry"), (K.PRESERVATION_RENEWAL, "renewal")):
            specs.append(
                _case_spec(
                    case,
                    source_key=f"measure:{measure}:{suffix}",
                    kind=kind,
                    rule=rule,
                    start=event.happened_on,
                    event_id=event.pk,
                    proceeding_id=proceeding_id,
                )
            )
    if params.get("pre_suit"):
        specs.append(
            _case_spec(
                case,
                source_key=f"measure:{measure}:sue",
                kind=K.SUE_AFTER_PRESERVATION,
                rule="sue_after_preservation",
                start=event.happened_on,
                event_id=event.pk,
                proceeding_id=proceeding_id,
            )
        )
    return specs


# --- applying specs -------------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    created: list[Deadline] = field(default_factory=list)
    moved: list[tuple[Deadline, date]] = field(default_factory=list)  # (deadline, old due date)
    confirmed: list[Deadline] = field(default_factory=list)
    unchanged: int = 0
    skipped_settled: int = 0

    def merge(self, other: SyncResult) -> None:
        self.created += other.created
        self.moved += other.moved
        self.confirmed += other.confirmed
        self.unchanged += other.unchanged
        self.skipped_settled += other.skipped_settled


_COMPUTED_FIELDS: Final = ("start", "nominal_end", "due_on", "rolled", "confirmed", "reminder_date", "explanation")


def _apply(
    specs: Sequence[Spec], existing: dict[str, Deadline], *, calendar: Calendar, event_ids: dict[str, int] | None = None
) -> SyncResult:
    result = SyncResult()
    to_create: list[Deadline] = []
    to_update: list[Deadline] = []
    seen: set[str] = set()
    for spec in specs:
        if spec.source_key in seen:
            continue
        seen.add(spec.source_key)
        computed = _compute(spec, calendar)
        row = existing.get(spec.source_key)
        if row is None:
            to_create.append(
                Deadline(
                    case_id=spec.case_id,
                    event_id=spec.event_id or (event_ids or {}).get(spec.source_key),
                    proceeding_id=spec.proceeding_id,
                    proceeding_party_id=spec.proceeding_party_id,
                    loan_id=spec.loan_id,
                    guarantee_contract_id=spec.guarantee_contract_id,
                    kind=spec.kind,
                    rule=spec.rule,
                    source_key=spec.source_key,
                    responsible_id=spec.responsible_id,
                    unit_path=spec.unit_path,
                    creditor_id=spec.creditor_id,
                    computed_due_on=computed.due_on,
                    **{name: getattr(computed, name) for name in _COMPUTED_FIELDS},
                    **({"status": Deadline.Status.DONE, "done_at": timezone.now()} if spec.satisfied else {}),
                )
            )
            continue
        if row.is_settled:
            result.skipped_settled += 1
            continue
        changed = [name for name in _COMPUTED_FIELDS if getattr(row, name) != getattr(computed, name)]
        if row.rule != spec.rule:
            changed.append("rule")
        if spec.satisfied and row.status in (Deadline.Status.OPEN, Deadline.Status.MISSED):
            row.status, row.done_at = Deadline.Status.DONE, timezone.now()
            changed.append("status")
        if not changed:
            result.unchanged += 1
            continue
        old_due, was_confirmed = row.due_on, row.confirmed
        for name in _COMPUTED_FIELDS:
            setattr(row, name, getattr(computed, name))
        row.rule = spec.rule
        row.computed_due_on = computed.due_on
        row.version += 1
        to_update.append(row)
        if old_due != row.due_on:
            result.moved.append((row, old_due))
        if row.confirmed and not was_confirmed:
            result.confirmed.append(row)
    if to_create:
        result.created = Deadline.objects.bulk_create(to_create)
    if to_update:
        now = timezone.now()
        for row in to_update:
            row.updated_at = now  # bulk_update does not apply auto_now
        Deadline.objects.bulk_update(
            to_update, [*_COMPUTED_FIELDS, "rule", "computed_due_on", "version", "updated_at", "status", "done_at"]
        )
    return result


def _moved_side_effects(result: SyncResult, *, actor: Any, reason: str) -> None:
    """Timeline (old → new) for every moved case deadline; an in-app notice when it moved earlier."""
    notices: list[tuple[Deadline, date]] = []
    audit_items: list[audit.AuditItem] = []
    for row, old_due in result.moved:
        changes = {"due_on": [old_due.isoformat(), row.due_on.isoformat()], "reason": reason}
        if row.case_id is not None:
            case_event_record(
                actor=actor,
                case_id=row.case_id,
                kind=CaseEvent.Kind.DEADLINE_CHANGED,
                action="deadline.moved",
                target=row,
                happened_on=timezone.localdate(),
                params={
                    "deadline": row.pk,
                    "deadline_kind": row.kind,
                    "change": "moved",
                    "old": old_due,
                    "new": row.due_on,
                    "reason": reason,
                },
                changes=changes,
            )
        else:
            audit_items.append(
                audit.AuditItem(
                    action="deadline.moved", target=row, stream=audit.stream_key("loan", row.loan_id), changes=changes
                )
            )
        if row.due_on < old_due and row.responsible_id is not None:
            notices.append((row, old_due))
    if audit_items:
        audit.record_many(actor=actor, items=audit_items)
    if notices:
        _notify_moved_earlier(notices)


def _notify_moved_earlier(notices: list[tuple[Deadline, date]]) -> None:
    from loanlit.accounts.models import User
    from loanlit.notifications.services import notify

    cases = {c.pk: c.internal_no for c in Case.objects.filter(pk__in={r.case_id for r, _old in notices if r.case_id})}
    users = {u.pk: u for u in User.objects.filter(pk__in={r.responsible_id for r, _old in notices})}
    for row, old_due in notices:
        user = users.get(row.responsible_id)  # type: ignore[arg-type]
        if user is None:
            continue
        reference = cases.get(row.case_id, "") if row.case_id else _("loan monitor")  # type: ignore[arg-type]
        notify(
            recipients=[user],
            code=NOTIFY_CODE_MOVED_EARLIER,
            title=_("Deadline moved earlier: %(case)s") % {"case": reference},
            body=_("%(kind)s is now due on %(new)s (was %(old)s).")
            % {"kind": row.get_kind_display(), "new": row.due_on.isoformat(), "old": old_due.isoformat()},
            link=reverse("deadlines:detail", args=[row.pk]),
            target=row,
        )


def _existing_for_case(case_id: int) -> dict[str, Deadline]:
    return {
        d.source_key: d for d in Deadline.objects.select_for_update().filter(case_id=case_id).exclude(source_key="")
    }


def _sync_case(
    case: Case, *, calendar: Calendar, actor: Any, reason: str, event_ids: dict[str, int] | None = None
) -> SyncResult:
    existing = _existing_for_case(case.pk)
    specs = case_specs(case, calendar=calendar, existing=existing)
    derived = {s.source_key for s in specs}
    # Deadlines whose source is not derivable from the case's records keep their rule and start.
    for key, row in existing.items():
        if key not in derived and not row.is_settled and row.rule and row.start is not None:
            specs.append(
                Spec(
                    source_key=key,
                    kind=row.kind,
                    rule=row.rule,
                    start=row.start,
                    creditor_id=row.creditor_id,
                    unit_path=row.unit_path,
                    case_id=row.case_id,
                    responsible_id=row.responsible_id,
                )
            )
    result = _apply(specs, existing, calendar=calendar, event_ids=event_ids)
    _moved_side_effects(result, actor=actor, reason=reason)
    return result


def deadlines_for_events(events: Sequence[CaseEvent]) -> SyncResult:
    """The case-event listener: re-derive the deadlines of every case an event touched (same transaction)."""
    relevant = [e for e in events if e.kind in TRIGGER_KINDS]
    if not relevant:
        return SyncResult()
    calendar = law_calendar()
    total = SyncResult()
    case_ids = sorted({e.case_id for e in relevant})
    actor = relevant[0].actor
    for case in Case.objects.filter(pk__in=case_ids).order_by("pk"):
        if case.is_closed:
            continue
        total.merge(_sync_case(case, calendar=calendar, actor=actor, reason="event"))
    _link_events(total.created, relevant)
    return total


def _link_events(created: list[Deadline], events: Sequence[CaseEvent]) -> None:
    """Point new deadlines at the event that created them (for the timeline), where the event has an id."""
    by_case: dict[int, CaseEvent] = {}
    for event in events:
        if event.pk is not None:
            by_case[event.case_id] = event
    updates = []
    for row in created:
        if row.event_id is None and row.case_id in by_case and row.pk is not None:
            row.event_id = by_case[row.case_id].pk
            updates.append(row)
    if updates:
        Deadline.objects.bulk_update(updates, ["event"])


@dataclass(frozen=True)
class RecomputeResult:
    checked_cases: int
    checked_loans: int
    moved: int
    confirmed: int


@transaction.atomic
def deadlines_recompute(
    *, case: Case | None = None, reason: str, actor: Any = None, years: Iterable[int] | None = None
) -> RecomputeResult:
    """Recompute open deadlines from current data (an event date, holiday data or an LPR row changed).

    ``case`` limits it to one case; ``years`` to deadlines whose period touches those calendar years (or that
    are still provisional). Done, waived and overridden deadlines are never touched.
    """
    calendar = law_calendar()
    candidates = Deadline.objects.exclude(status__in=SETTLED_STATUSES).filter(overridden=False)
    if case is not None:
        candidates = candidates.filter(case=case)
    year_list = sorted(set(years or ()))
    if year_list:
        low, high = date(year_list[0] - 1, 12, 1), date(year_list[-1], 12, 31)
        candidates = candidates.filter(Q(due_on__gte=low, start__lte=high) | Q(confirmed=False))
    case_ids = sorted(set(candidates.filter(case__isnull=False).values_list("case_id", flat=True)))
    loan_ids = sorted(set(candidates.filter(case__isnull=True).values_list("loan_id", flat=True)))
    total = SyncResult()
    for row in Case.objects.filter(pk__in=case_ids).order_by("pk"):
        total.merge(_sync_case(row, calendar=calendar, actor=actor, reason=reason))
    if loan_ids:
        total.merge(
            _monitors_sync(LoanContract.objects.filter(pk__in=loan_ids), calendar=calendar, actor=actor, reason=reason)
        )
    return RecomputeResult(
        checked_cases=len(case_ids), checked_loans=len(loan_ids), moved=len(total.moved), confirmed=len(total.confirmed)
    )


# --- trigger events recorded here ----------------------------------------------------------------------------


def _require_case_edit(actor: Any, case: Case) -> None:
    access.require_edit(actor, case)
    if case.is_closed:
        raise DomainError(_("This case is closed."), code="case_closed")


@transaction.atomic
def fee_notice_record(
    *, actor: Any, case: Case, received_on: date, proceeding: Proceeding | None = None
) -> list[Deadline]:
    """Record a court's fee notice (交费通知): the fee is due within 7 days (Fee Measures art. 22)."""
    _require_case_edit(actor, case)
    if proceeding is not None and proceeding.case_id != case.pk:
        raise DomainError(_("The proceeding belongs to another case."), code="proceeding_other_case")
    if received_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), code="future_date")
    case_event_record(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.FEE_NOTICE,
        action="fee_notice.recorded",
        target=proceeding,
        happened_on=received_on,
        params={"proceeding": proceeding.pk if proceeding else None},
    )
    return list(Deadline.objects.filter(case=case, kind=K.FEE_PAYMENT).order_by("-pk")[:1])


@transaction.atomic
def deadline_create_for_measure(
    *,
    actor: Any,
    case: Case,
    kind: str,
    took_effect_on: date,
    asset_type: str,
    pre_suit: bool = False,
    measure_key: str = "",
    proceeding: Proceeding | None = None,
) -> list[Deadline]:
    """A preservation or seizure measure took effect: expiry and renewal by asset type (CPL Interpretation art.
    485; Preservation Provisions art. 18), and for a pre-suit measure the 30 days to sue (CPL art. 104).

    ``kind`` is "preservation" or "seizure"; ``measure_key`` identifies the measure for the caller (e.g.
    "seizure:12"), so recording it again updates rather than duplicates; a renewal is a new measure_key.
    """
    _require_case_edit(actor, case)
    if kind not in ("preservation", "seizure"):
        raise DomainError(_("Unknown kind of measure."), code="invalid_measure_kind")
    if asset_type not in ASSET_RULES:
        raise DomainError(_("Choose the type of asset."), code="invalid_asset_type")
    if proceeding is not None and proceeding.case_id != case.pk:
        raise DomainError(_("The proceeding belongs to another case."), code="proceeding_other_case")
    if measure_key and Deadline.objects.filter(source_key=f"measure:{measure_key}:expiry").exclude(case=case).exists():
        raise DomainError(_("This measure belongs to another case."), code="measure_other_case")
    case_event_record(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.PRESERVATION_EFFECTIVE,
        action="measure.took_effect",
        target=proceeding,
        happened_on=took_effect_on,
        params={
            "measure_kind": kind,
            "asset_type": asset_type,
            "pre_suit": pre_suit,
            "measure_key": measure_key,
            "proceeding": proceeding.pk if proceeding else None,
        },
    )
    event = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.PRESERVATION_EFFECTIVE).order_by("-pk").first()
    key = measure_key or (f"e{event.pk}" if event else "")
    return list(Deadline.objects.filter(case=case, source_key__startswith=f"measure:{key}:").order_by("due_on"))


# --- people closing a deadline --------------------------------------------------------------------------------


def _lock(deadline: Deadline, version: int) -> Deadline:
    row = Deadline.objects.select_for_update().get(pk=deadline.pk)  # no join: NULL case side cannot be locked
    if row.version != version:
        raise StaleVersionError(
            _("This deadline was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return row


def may_edit_deadline(user: Any, deadline: Deadline) -> bool:
    if deadline.case_id is not None:
        return access.can_edit(user, deadline.case)  # type: ignore[arg-type]
    if not getattr(user, "is_authenticated", False) or not user.has_code("cases.edit"):
        return False
    if access.is_external_lawyer(user):
        return False
    return Deadline.objects.filter(scope_q(user), pk=deadline.pk).exists()


def _require_edit(actor: Any, deadline: Deadline) -> None:
    if actor is not None and not may_edit_deadline(actor, deadline):
        raise PermissionDeniedError(_("You may not change this deadline."), code="permission_denied")


def _record_change(*, actor: Any, row: Deadline, change: str, changes: dict[str, Any]) -> None:
    if row.case_id is not None:
        case_event_record(
            actor=actor,
            case_id=row.case_id,
            kind=CaseEvent.Kind.DEADLINE_CHANGED,
            action=f"deadline.{change}",
            target=row,
            happened_on=timezone.localdate(),
            params={"deadline": row.pk, "deadline_kind": row.kind, "change": change, "due_on": row.due_on},
            changes=changes,
        )
    else:
        audit.record(
            actor=actor,
            action=f"deadline.{change}",
            target=row,
            stream=audit.stream_key("loan", row.loan_id),
            changes=changes,
        )


def _require_open(row: Deadline) -> None:
    if row.status in SETTLED_STATUSES:
        raise DomainError(_("This deadline is already closed."), code="deadline_closed")


@transaction.atomic
def deadline_mark_done(*, actor: Any, deadline: Deadline, version: int, note: str = "") -> Deadline:
    """The duty was performed (appeal filed, fee paid, renewal applied for)."""
    _require_edit(actor, deadline)
    row = _lock(deadline, version)
    _require_open(row)
    before = row.status
    row.status, row.done_at, row.done_by = Deadline.Status.DONE, timezone.now(), actor
    row.note = note.strip()[:300]
    row.version += 1
    row.save(update_fields=["status", "done_at", "done_by", "note", "version", "updated_at"])
    _record_change(actor=actor, row=row, change="done", changes={"status": [before, row.status], "note": row.note})
    return row


@transaction.atomic
def deadline_waive(*, actor: Any, deadline: Deadline, reason: str, version: int) -> Deadline:
    """Decide not to act (no appeal wanted, measure released); a reason is required."""
    _require_edit(actor, deadline)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for waiving this deadline."), code="reason_required")
    row = _lock(deadline, version)
    _require_open(row)
    before = row.status
    row.status, row.done_at, row.done_by, row.note = Deadline.Status.WAIVED, timezone.now(), actor, reason[:300]
    row.version += 1
    row.save(update_fields=["status", "done_at", "done_by", "note", "version", "updated_at"])
    _record_change(actor=actor, row=row, change="waived", changes={"status": [before, row.status], "reason": reason})
    return row


@transaction.atomic
def deadlines_reassign(*, actor: Any, deadlines: Sequence[Deadline], responsible: Any) -> int:
    """Make ``responsible`` answer for open deadlines (a hand-over); done or waived ones stay as they were.

    Refused as a whole, nothing changed, when the actor may not change one of them or the new person cannot
    see one of them. Each change is on its case's timeline (or its loan's audit stream). Returns how many moved.
    """
    from loanlit.deadlines.selectors import deadlines_visible_to

    ids = sorted({d.pk for d in deadlines})
    rows = list(Deadline.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for row in rows:
        _require_edit(actor, row)
    if deadlines_visible_to(responsible).filter(pk__in=ids).count() != len(rows):
        raise DomainError(
            _("%(user)s cannot see one of these deadlines.") % {"user": responsible}, code="invalid_responsible"
        )
    changed = 0
    for row in rows:
        if row.status in SETTLED_STATUSES or row.responsible_id == responsible.pk:
            continue
        before = row.responsible_id
        row.responsible = responsible
        row.version += 1
        row.save(update_fields=["responsible", "version", "updated_at"])
        _record_change(actor=actor, row=row, change="reassigned", changes={"responsible": [before, responsible.pk]})
        changed += 1
    return changed


@transaction.atomic
def deadline_override(*, actor: Any, deadline: Deadline, due_on: date, reason: str, version: int) -> Deadline:
    """Set the date by hand (the court fixed another date); recomputation leaves it alone from now on."""
    _require_edit(actor, deadline)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for setting the date by hand."), code="reason_required")
    row = _lock(deadline, version)
    _require_open(row)
    old = row.due_on
    row.overridden, row.override_reason = True, reason[:300]
    row.due_on, row.reminder_date, row.confirmed = due_on, due_on, True
    row.version += 1
    row.save(
        update_fields=["overridden", "override_reason", "due_on", "reminder_date", "confirmed", "version", "updated_at"]
    )
    _record_change(
        actor=actor,
        row=row,
        change="overridden",
        changes={"due_on": [old.isoformat(), due_on.isoformat()], "reason": reason},
    )
    return row


@transaction.atomic
def deadlines_mark_missed(*, today: date | None = None) -> int:
    """Open deadlines whose day has passed become missed (batch; for the scheduler)."""
    today = today or timezone.localdate()
    now = timezone.now()
    passed = Deadline.objects.filter(status=Deadline.Status.OPEN, due_on__lt=today)
    # The effective date is a date the case reaches, not something anybody has to do by then.
    reached = passed.filter(kind=Deadline.Kind.JUDGMENT_EFFECTIVE)
    reached.update(status=Deadline.Status.DONE, done_at=now, updated_at=now)
    return passed.exclude(kind=Deadline.Kind.JUDGMENT_EFFECTIVE).update(status=Deadline.Status.MISSED, updated_at=now)


# --- monitors: limitation and guarantee periods on loans not yet sued ---------------------------------------------


def _loan_monitor_specs(
    loan: LoanContract, interrupted_on: date | None, guarantees: list[GuaranteeContract]
) -> list[Spec]:
    due = loan.due_date
    if due is None:
        return []
    base: dict[str, Any] = {"creditor_id": loan.creditor_id, "unit_path": loan.unit_path, "loan_id": loan.pk}
    start, notes = due, []
    if interrupted_on is not None and interrupted_on > due:
        # Civil Code art. 195: the period runs afresh from the interruption.
        start, notes = interrupted_on, [local("deadlines.limitation_restarted", date=interrupted_on.isoformat())]
    specs = [
        Spec(
            source_key=f"limitation:l{loan.pk}", kind=K.LIMITATION, rule="limitation", start=start, notes=notes, **base
        )
    ]
    for contract in guarantees:
        key = f"guarantee:g{contract.pk}:l{loan.pk}"
        agreed = contract.period_agreed_end
        if agreed is not None and agreed > due:
            specs.append(
                Spec(
                    source_key=key,
                    kind=K.GUARANTEE_PERIOD,
                    rule="",
                    start=due,
                    guarantee_contract_id=contract.pk,
                    fixed_due=agreed,
                    notes=[local("deadlines.guarantee_agreed_end", end=agreed.isoformat())],
                    **base,
                )
            )
            continue
        notes = [local("deadlines.guarantee_agreed_ignored", end=agreed.isoformat())] if agreed else []
        specs.append(
            Spec(
                source_key=key,
                kind=K.GUARANTEE_PERIOD,
                rule="guarantee_period",
                start=due,
                guarantee_contract_id=contract.pk,
                notes=notes,
                **base,
            )
        )
    return specs


def _monitors_sync(loans: Any, *, calendar: Calendar, actor: Any, reason: str) -> SyncResult:
    loans = list(loans.prefetch_related("guarantee_contracts"))
    loan_ids = [loan.pk for loan in loans]
    sued = set(LoanContract.objects.filter(pk__in=loan_ids, case_links__active=True).values_list("pk", flat=True))
    interrupted = dict(
        CollectionAction.objects.filter(loan_id__in=loan_ids, interrupts_limitation=True)
        .values("loan_id")
        .annotate(last=Max("acted_on"))
        .values_list("loan_id", "last")
    )
    existing = {
        d.source_key: d
        for d in Deadline.objects.select_for_update()
        .filter(loan_id__in=loan_ids, case__isnull=True)
        .exclude(source_key="")
    }
    specs: list[Spec] = []
    closing: list[int] = []
    for loan in loans:
        if loan.written_off or loan.pk in sued:
            closing.append(loan.pk)
            continue
        specs.extend(_loan_monitor_specs(loan, interrupted.get(loan.pk), list(loan.guarantee_contracts.all())))
    result = _apply(specs, existing, calendar=calendar)
    _moved_side_effects(result, actor=actor, reason=reason)
    if closing:
        # Sued or written off: the monitor has done its work (the case's own deadlines take over).
        Deadline.objects.filter(
            loan_id__in=closing, case__isnull=True, status__in=[Deadline.Status.OPEN, Deadline.Status.MISSED]
        ).update(status=Deadline.Status.DONE, done_at=timezone.now(), updated_at=timezone.now())
    return result


@transaction.atomic
def monitors_refresh(*, loans: Iterable[LoanContract] | None = None, actor: Any = None) -> SyncResult:
    """Create or update the limitation and guarantee-period monitors of ``loans`` (all loans when None)."""
    qs = (
        LoanContract.objects.all() if loans is None else LoanContract.objects.filter(pk__in=[loan.pk for loan in loans])
    )
    return _monitors_sync(qs.order_by("pk"), calendar=law_calendar(), actor=actor, reason="monitors")


def may_edit_loan(user: Any, loan: LoanContract) -> bool:
    """Bank staff with ``cases.edit`` whose scope holds the loan (never an external lawyer)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_code("cases.edit")
        and not access.is_external_lawyer(user)
        and LoanContract.objects.filter(scope_q(user), pk=loan.pk).exists()
    )


def _require_loan_edit(actor: Any, loan: LoanContract) -> None:
    if actor is not None and not may_edit_loan(actor, loan):
        raise PermissionDeniedError(_("You may not change this loan."), code="permission_denied")


@transaction.atomic
def collection_action_record(
    *,
    actor: Any,
    loan: LoanContract,
    acted_on: date,
    method: str,
    proof: str = "",
    interrupts_limitation: bool = False,
) -> CollectionAction:
    """Log a collection step (催收); one that reaches the debtor restarts limitation (Civil Code art. 195)."""
    _require_loan_edit(actor, loan)
    if method not in CollectionAction.Method.values:
        raise DomainError(_("Unknown collection method."), code="invalid_method")
    if acted_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), code="future_date")
    if interrupts_limitation and not proof.strip():
        raise DomainError(_("Describe the proof: an interruption of limitation must be proven."), code="proof_required")
    row = CollectionAction.objects.create(
        loan=loan,
        acted_on=acted_on,
        method=method,
        proof=proof.strip()[:300],
        interrupts_limitation=interrupts_limitation,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="collection_action.recorded",
        target=row,
        stream=audit.stream_key("loan", loan.pk),
        changes={
            "acted_on": acted_on.isoformat(),
            "method": method,
            "interrupts_limitation": interrupts_limitation,
        },
    )
    _monitors_sync(LoanContract.objects.filter(pk=loan.pk), calendar=law_calendar(), actor=actor, reason="collection")
    return row


def deadline_change_procedure(*, actor: Any, deadline: Deadline, rule: str, version: int) -> Deadline:
    """Switch a first-instance trial limit between ordinary, summary and small-claims procedure."""
    if rule not in FIRST_INSTANCE_PROCEDURES or deadline.kind != K.TRIAL_LIMIT:
        raise DomainError(_("Choose ordinary, summary or small-claims procedure."), code="invalid_procedure")
    with transaction.atomic():
        _require_edit(actor, deadline)
        row = _lock(deadline, version)
        _require_open(row)
        if row.overridden:
            raise DomainError(_("This date was set by hand."), code="overridden")
        row.rule = rule
        row.version += 1
        row.save(update_fields=["rule", "version", "updated_at"])
        assert row.case is not None
        _sync_case(row.case, calendar=law_calendar(), actor=actor, reason="procedure")
        row.refresh_from_db()
        return row


__all__ = [
    "RecomputeResult",
    "SyncResult",
    "collection_action_record",
    "deadline_change_procedure",
    "deadline_create_for_measure",
    "deadline_mark_done",
    "deadline_override",
    "deadline_waive",
    "deadlines_for_events",
    "deadlines_mark_missed",
    "deadlines_recompute",
    "fee_notice_record",
    "may_edit_deadline",
    "may_edit_loan",
    "monitors_refresh",
]
