"""Proceedings, their participants, hearings, service of documents and the judgment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.cases import access, gates
from loanlit.cases.models import (
    ADJUDICATED_KINDS,
    Case,
    CaseEvent,
    Court,
    Hearing,
    Judgment,
    JudgmentItem,
    Proceeding,
    ProceedingParty,
    ServiceRecord,
)
from loanlit.cases.services._common import (
    assign_changes,
    bump,
    law_error,
    lock_case,
    lock_proceeding,
    money_str,
    record_one,
    require_amount,
)
from loanlit.core.errors import DomainError
from loanlit.core.fields import money_sum
from loanlit.core.models import OrgUnit
from loanlit.law import caseno, periods
from loanlit.law.calendar import Calendar
from loanlit.law.money import LawInputError
from loanlit.parties.models import Party

# Which case-number types fit which kind of proceeding (Case Number Provisions, 法〔2015〕137号).
CASE_TYPES_BY_KIND: Final[dict[str, frozenset[str]]] = {
    "pre_filing_mediation": frozenset({"pre_filing_mediation", "pre_filing_mediation_short"}),
    "first_instance": frozenset({"civil_first"}),
    "second_instance": frozenset({"civil_second"}),
    "retrial": frozenset({"civil_retrial", "civil_retrial_review"}),
    "enforcement": frozenset({"enforcement"}),
    "resumed_enforcement": frozenset({"enforcement_resumed"}),
    "preservation": frozenset({"property_preservation", "enforcement_preservation"}),
    "payment_order": frozenset({"payment_order"}),
    "enforcement_objection": frozenset({"enforcement_objection", "enforcement_review"}),
    "notarised_enforcement": frozenset({"enforcement"}),
    "bankruptcy_claim": frozenset({"bankruptcy", "bankruptcy_application"}),
}
# Documents whose service starts the appeal period (or, for a mediation statement, makes it binding).
DECISION_DOCUMENTS: Final = frozenset(
    {ServiceRecord.Document.JUDGMENT, ServiceRecord.Document.RULING, ServiceRecord.Document.MEDIATION_STATEMENT}
)
FINAL_INSTANCE_KINDS: Final = frozenset({"second_instance", "retrial"})


@dataclass(frozen=True)
class JudgmentItemInput:
    """One item of the operative part (判决主文)."""

    kind: str
    amount: Decimal | None = None
    base: Decimal | None = None
    rate: Decimal | None = None
    from_date: date | None = None
    until_text: str = ""
    collateral: Any = None
    party: Party | None = None
    text: str = ""


def law_calendar() -> Calendar:
    """The calendar with the administrators' holiday overrides (rules app), else the package's."""
    try:
        from loanlit.rules.selectors import law_calendar as rules_calendar
    except ImportError:  # pragma: no cover - the rules app is installed with this one
        return Calendar()
    return rules_calendar()


def parse_court_case_number(raw: str, *, kind: str, court: Court | None) -> str:
    """Validate a 案号 for a proceeding of ``kind`` before ``court``; returns it normalized."""
    try:
        number = caseno.parse_case_number(raw)
    except LawInputError as error:
        raise DomainError(
            _("The court case number “%(value)s” is not valid: %(reason)s")
            % {"value": raw, "reason": law_error(error).message},
            code="invalid_case_number",
        ) from None
    allowed = CASE_TYPES_BY_KIND.get(kind)
    if allowed is not None and number.type_key not in allowed:
        raise DomainError(
            _("The court case number “%(value)s” is not a number of this kind of proceeding.") % {"value": raw},
            code="case_number_kind",
        )
    if court is not None and court.caseno_code and not number.legacy and number.court != court.caseno_code:
        raise DomainError(
            _("The court case number “%(value)s” belongs to another court than %(court)s.")
            % {"value": raw, "court": court.name},
            code="case_number_court",
        )
    return number.normalized


@transaction.atomic
def proceeding_open(
    *,
    actor: Any,
    case: Case,
    kind: str,
    court: Court | None,
    court_case_number: str = "",
    filed_on: date | None = None,
    accepted_on: date | None = None,
    judge: str = "",
    clerk: str = "",
    follows: Proceeding | None = None,
) -> Proceeding:
    """Open a proceeding; the one it ``follows`` (一审 before 二审, judgment before 执行) stops being active."""
    access.require_edit(actor, case)
    case = lock_case(case.pk)
    if kind not in Proceeding.Kind.values:
        raise DomainError(_("Unknown kind of proceeding."), code="invalid_kind")
    if court is None and kind != Proceeding.Kind.ARBITRATION:
        raise DomainError(_("Choose the court."), code="court_required")
    normalized = parse_court_case_number(court_case_number, kind=kind, court=court) if court_case_number else ""
    if follows is not None and follows.case_id != case.pk:
        raise DomainError(_("The earlier proceeding belongs to another case."), code="follows_other_case")
    if filed_on and accepted_on and accepted_on < filed_on:
        raise DomainError(_("A case cannot be accepted before it was filed."), code="invalid_dates")
    if follows is not None and follows.is_active:
        follows = lock_proceeding(follows.pk)
        follows.is_active = False
        bump(follows, "is_active")
    proceeding = Proceeding.objects.create(
        case=case,
        kind=kind,
        court=court,
        court_case_number=normalized,
        filed_on=filed_on,
        accepted_on=accepted_on,
        judge=judge,
        clerk=clerk,
        follows=follows,
    )
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.PROCEEDING_OPENED,
        action="proceeding.opened",
        target=proceeding,
        happened_on=filed_on or timezone.localdate(),
        params={
            "kind": kind,
            "court": court.code if court else "",
            "court_case_number": normalized,
            "follows": follows.pk if follows else None,
        },
    )
    return proceeding


@transaction.atomic
def proceeding_set_case_number(
    *, actor: Any, proceeding: Proceeding, court_case_number: str, accepted_on: date | None = None, version: int
) -> Proceeding:
    """Record the 案号 the court gave (usually on acceptance)."""
    access.require_edit(actor, proceeding.case)
    proceeding = lock_proceeding(proceeding.pk, expected_version=version)
    normalized = parse_court_case_number(court_case_number, kind=proceeding.kind, court=proceeding.court)
    before = proceeding.court_case_number
    proceeding.court_case_number = normalized
    fields = ["court_case_number"]
    if accepted_on is not None:
        proceeding.accepted_on = accepted_on
        fields.append("accepted_on")
    bump(proceeding, *fields)
    record_one(
        actor=actor,
        case_id=proceeding.case_id,
        kind=CaseEvent.Kind.PROCEEDING_OPENED,
        action="proceeding.case_number_set",
        target=proceeding,
        happened_on=accepted_on,
        params={"court_case_number": normalized},
        changes={"court_case_number": [before, normalized], "accepted_on": accepted_on},
    )
    return proceeding


_UNSET: Any = object()


@transaction.atomic
def proceeding_update(
    *,
    actor: Any,
    proceeding: Proceeding,
    version: int,
    court: Court | None = _UNSET,
    court_case_number: str = _UNSET,
    filed_on: date | None = _UNSET,
    accepted_on: date | None = _UNSET,
    judge: str = _UNSET,
    clerk: str = _UNSET,
) -> Proceeding:
    """Correct or complete a proceeding's court, 案号, dates, judge and clerk; only the arguments passed change.

    The 案号 is checked against the (new) court and the kind; nothing changed writes nothing.
    """
    access.require_edit(actor, proceeding.case)
    proceeding = lock_proceeding(proceeding.pk, expected_version=version)
    wanted: dict[str, Any] = {
        name: value
        for name, value in (
            ("court", court),
            ("court_case_number", court_case_number),
            ("filed_on", filed_on),
            ("accepted_on", accepted_on),
            ("judge", judge),
            ("clerk", clerk),
        )
        if value is not _UNSET
    }
    for name in ("court_case_number", "judge", "clerk"):
        if name in wanted:
            wanted[name] = (wanted[name] or "").strip()
    new_court = wanted.get("court", proceeding.court)
    if new_court is None and proceeding.kind != Proceeding.Kind.ARBITRATION:
        raise DomainError(_("Choose the court."), code="court_required")
    number = wanted.get("court_case_number", proceeding.court_case_number)
    if number and ("court" in wanted or "court_case_number" in wanted):
        wanted["court_case_number"] = parse_court_case_number(number, kind=proceeding.kind, court=new_court)
    filed = wanted.get("filed_on", proceeding.filed_on)
    accepted = wanted.get("accepted_on", proceeding.accepted_on)
    if filed and accepted and accepted < filed:
        raise DomainError(_("A case cannot be accepted before it was filed."), code="invalid_dates")
    changes = assign_changes(proceeding, wanted)
    if not changes:
        return proceeding
    bump(proceeding, *changes)
    record_one(
        actor=actor,
        case_id=proceeding.case_id,
        kind=CaseEvent.Kind.PROCEEDING_UPDATED,
        action="proceeding.updated",
        target=proceeding,
        params={
            "proceeding": proceeding.pk,
            "kind": proceeding.kind,
            "changed": sorted(changes),
            "court_case_number": proceeding.court_case_number,
        },
        changes=changes,
    )
    return proceeding


@transaction.atomic
def proceeding_party_add(
    *, actor: Any, proceeding: Proceeding, role: str, party: Party | None = None, unit: OrgUnit | None = None
) -> ProceedingParty:
    """Add a participant: a party of the case's creditor, or the creditor's suing unit — exactly one."""
    access.require_edit(actor, proceeding.case)
    proceeding = lock_proceeding(proceeding.pk)
    if (party is None) == (unit is None):
        raise DomainError(_("Choose either a party or the suing unit."), code="party_or_unit")
    if role not in ProceedingParty.Role.values:
        raise DomainError(_("Unknown role in the proceeding."), code="invalid_role")
    if party is not None and party.creditor_id != proceeding.case.creditor_id:
        raise DomainError(_("This party belongs to another creditor."), code="party_other_creditor")
    existing = ProceedingParty.objects.filter(proceeding=proceeding, role=role)
    if existing.filter(party=party, unit=unit).exists():
        raise DomainError(_("This participant is already in the proceeding in this role."), code="duplicate")
    participant = ProceedingParty.objects.create(proceeding=proceeding, role=role, party=party, unit=unit)
    record_one(
        actor=actor,
        case_id=proceeding.case_id,
        kind=CaseEvent.Kind.PARTY_ADDED,
        action="proceeding.party_added",
        target=participant,
        params={"proceeding": proceeding.pk, "role": role, "party": party.pk if party else None},
    )
    return participant


@transaction.atomic
def hearing_schedule(
    *, actor: Any, proceeding: Proceeding, starts_at: datetime, kind: str = "hearing", room: str = "", note: str = ""
) -> Hearing:
    access.require_edit(actor, proceeding.case)
    proceeding = lock_proceeding(proceeding.pk)
    if timezone.is_naive(starts_at):
        raise DomainError(_("Enter the hearing time with its time zone."), code="naive_datetime")
    if kind not in Hearing.Kind.values:
        raise DomainError(_("Unknown kind of hearing."), code="invalid_kind")
    hearing = Hearing.objects.create(
        proceeding=proceeding, starts_at=starts_at, kind=kind, room=room, note=note, created_by=actor
    )
    record_one(
        actor=actor,
        case_id=proceeding.case_id,
        kind=CaseEvent.Kind.HEARING_SET,
        action="hearing.scheduled",
        target=hearing,
        happened_on=timezone.localdate(),
        params={"proceeding": proceeding.pk, "kind": kind, "starts_at": timezone.localtime(starts_at).isoformat()},
    )
    return hearing


@transaction.atomic
def service_record_add(
    *,
    actor: Any,
    proceeding_party: ProceedingParty,
    document: str,
    served_on: date,
    method: str,
    note: str = "",
) -> ServiceRecord:
    """Record service of a document on one participant; a decision's effective date is recomputed."""
    proceeding = proceeding_party.proceeding
    access.require_edit(actor, proceeding.case)
    proceeding = lock_proceeding(proceeding.pk)
    if document not in ServiceRecord.Document.values:
        raise DomainError(_("Unknown document."), code="invalid_document")
    if method not in ServiceRecord.Method.values:
        raise DomainError(_("Unknown method of service."), code="invalid_method")
    record = ServiceRecord.objects.create(
        proceeding=proceeding,
        proceeding_party=proceeding_party,
        document=document,
        served_on=served_on,
        method=method,
        note=note,
    )
    record_one(
        actor=actor,
        case_id=proceeding.case_id,
        kind=CaseEvent.Kind.SERVED,
        action="service.recorded",
        target=record,
        happened_on=served_on,
        params={
            "proceeding": proceeding.pk,
            "participant": proceeding_party.pk,
            "role": proceeding_party.role,
            "document": document,
            "method": method,
        },
    )
    if document in DECISION_DOCUMENTS:
        judgment = Judgment.objects.filter(proceeding=proceeding).first()
        if judgment is not None:
            _refresh_effective_date(actor=actor, judgment=judgment, proceeding=proceeding)
    return record


def decision_service_dates(proceeding: Proceeding) -> dict[str, date] | None:
    """Each participant's first service of the decision, or None while anyone is still unserved."""
    dates: dict[str, date] = {}
    for participant in ProceedingParty.objects.filter(proceeding=proceeding).order_by("pk"):
        served = (
            ServiceRecord.objects.filter(proceeding_party=participant, document__in=DECISION_DOCUMENTS)
            .order_by("served_on")
            .values_list("served_on", flat=True)
            .first()
        )
        if served is None:
            return None
        dates[str(participant.pk)] = served
    return dates or None


def effective_dates(judgment: Judgment, proceeding: Proceeding) -> tuple[date | None, bool, date | None]:
    """(effective_on, confirmed, performance_ends) from the service records.

    A first-instance judgment takes effect the day after the last participant's appeal period ends
    (CPL arts. 171, 85; Interpretation art. 244: each party's period from its own service). An
    appealable ruling the same with the 10-day period. A mediation statement is binding once every
    party has signed for it (CPL art. 100), and a second-instance or retrial decision on service
    (CPL art. 182), both on the last service date. The performance period ("within N days of the
    judgment taking effect") runs from the day after the effective date (CPL art. 85 para 2: the
    first day is not counted) and rolls over to the next working day (art. 85 para 3).
    """
    dates = decision_service_dates(proceeding)
    if dates is None:
        return None, False, None
    calendar = law_calendar()
    if judgment.kind == Judgment.Kind.MEDIATION or proceeding.kind in FINAL_INSTANCE_KINDS:
        effective, confirmed = max(dates.values()), True
    else:
        rule = "appeal_ruling" if judgment.kind == Judgment.Kind.RULING else "appeal_judgment"
        result = periods.judgment_effective_date(dates, calendar=calendar, rule=rule)
        effective, confirmed = result.effective_on, result.confirmed
    ends, _rolled = calendar.next_working_day(effective + timedelta(days=judgment.performance_days))
    return effective, confirmed, ends


def _refresh_effective_date(*, actor: Any, judgment: Judgment, proceeding: Proceeding) -> None:
    effective, confirmed, ends = effective_dates(judgment, proceeding)
    if (effective, confirmed, ends) == (judgment.effective_on, judgment.effective_confirmed, judgment.performance_ends):
        return
    before = (judgment.effective_on, judgment.performance_ends)
    judgment.effective_on, judgment.effective_confirmed, judgment.performance_ends = effective, confirmed, ends
    bump(judgment, "effective_on", "effective_confirmed", "performance_ends")
    if effective is not None:
        record_one(
            actor=actor,
            case_id=proceeding.case_id,
            kind=CaseEvent.Kind.JUDGMENT_EFFECTIVE,
            action="judgment.effective_date_computed",
            target=judgment,
            happened_on=effective,
            params={"effective_on": effective, "performance_ends": ends, "confirmed": confirmed},
            changes={"effective_on": [before[0], effective], "performance_ends": [before[1], ends]},
        )


@transaction.atomic
def proceeding_record_judgment(
    *,
    actor: Any,
    proceeding: Proceeding,
    judged_on: date,
    items: list[JudgmentItemInput],
    version: int,
    kind: str = Judgment.Kind.JUDGMENT,
    performance_days: int = 10,
) -> Judgment:
    """Record the court's decision (判决主文) as items; ``version`` is the proceeding's."""
    access.require_edit(actor, proceeding.case)
    proceeding = lock_proceeding(proceeding.pk, expected_version=version)
    if Judgment.objects.filter(proceeding=proceeding).exists():
        raise DomainError(_("This proceeding already has a judgment."), code="judgment_exists")
    if kind not in Judgment.Kind.values:
        raise DomainError(_("Unknown kind of decision."), code="invalid_kind")
    if not 0 < performance_days <= 365:
        raise DomainError(_("Enter the days to perform, between 1 and 365."), code="invalid_days")
    if not items:
        raise DomainError(_("Enter at least one item of the judgment."), code="no_items")
    case = proceeding.case
    currency = case.claim_currency
    rows = [_item(case, seq, item, currency) for seq, item in enumerate(items, start=1)]
    judgment = Judgment.objects.create(
        proceeding=proceeding,
        kind=kind,
        judged_on=judged_on,
        performance_days=performance_days,
        currency=currency,
    )
    for row in rows:
        row.judgment = judgment
    JudgmentItem.objects.bulk_create(rows)
    judgment.adjudicated_amount = money_sum(
        JudgmentItem.objects.filter(judgment=judgment, kind__in=ADJUDICATED_KINDS, amount__isnull=False), "amount"
    )
    judgment.save(update_fields=["adjudicated_amount"])
    proceeding.result = Proceeding.Result.MEDIATION if kind == Judgment.Kind.MEDIATION else Proceeding.Result.JUDGMENT
    proceeding.result_on = judged_on
    bump(proceeding, "result", "result_on")
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.JUDGMENT_RECORDED,
        action="judgment.recorded",
        target=judgment,
        happened_on=judged_on,
        params={
            "proceeding": proceeding.pk,
            "kind": kind,
            "adjudicated_amount": judgment.adjudicated_amount,
            "currency": currency,
        },
        changes={
            "kind": kind,
            "judged_on": judged_on,
            "performance_days": performance_days,
            "items": [
                {
                    "seq": r.seq,
                    "kind": r.kind,
                    "amount": money_str(r.amount),
                    "base": money_str(r.base),
                    "rate": str(r.rate) if r.rate is not None else None,
                    "from_date": r.from_date,
                    "party": r.party_id,
                    "collateral": r.collateral_id,
                }
                for r in rows
            ],
            "adjudicated_amount": money_str(judgment.adjudicated_amount),
        },
    )
    _refresh_effective_date(actor=actor, judgment=judgment, proceeding=proceeding)
    return judgment


def _item(case: Case, seq: int, item: JudgmentItemInput, currency: str) -> JudgmentItem:
    if item.kind not in JudgmentItem.Kind.values:
        raise DomainError(_("Unknown kind of judgment item."), code="invalid_item_kind")
    amount = require_amount(item.amount, allow_zero=True) if item.amount is not None else None
    base = require_amount(item.base, allow_zero=True) if item.base is not None else None
    if item.kind in ADJUDICATED_KINDS and amount is None:
        raise DomainError(
            _("Item %(seq)d needs an amount.") % {"seq": seq},
            code="item_amount_required",
        )
    if item.party is not None and item.party.creditor_id != case.creditor_id:
        raise DomainError(_("This party belongs to another creditor."), code="party_other_creditor")
    if item.collateral is not None and item.collateral.creditor_id != case.creditor_id:
        raise DomainError(_("This collateral belongs to another creditor."), code="collateral_other_creditor")
    return JudgmentItem(
        seq=seq,
        kind=item.kind,
        currency=currency,
        amount=amount,
        base=base,
        rate=item.rate,
        from_date=item.from_date,
        until_text=item.until_text,
        collateral=item.collateral,
        party=item.party,
        text=item.text,
    )


@transaction.atomic
def proceeding_record_result(
    *, actor: Any, proceeding: Proceeding, result: str, result_on: date, version: int, close: bool = False
) -> Proceeding:
    """Record how a proceeding ended (e.g. 终本 for an enforcement); ``close`` makes it inactive."""
    access.require_edit(actor, proceeding.case)
    proceeding = lock_proceeding(proceeding.pk, expected_version=version)
    if result not in Proceeding.Result.values or not result:
        raise DomainError(_("Choose the result."), code="invalid_result")
    started = proceeding.filed_on or proceeding.accepted_on
    if started is not None and result_on < started:
        raise DomainError(
            _("The result cannot be dated before the proceeding was filed (%(date)s).") % {"date": started},
            code="result_before_filing",
            params={"filed_on": started.isoformat()},
        )
    if result == Proceeding.Result.WITHDRAWN and proceeding.result != result:
        # Withdrawing a suit may need internal approval first (workflow maker-checker).
        gates.require_action_allowed(gates.ACTION_WITHDRAWAL, proceeding.case, proceeding.case.claim_total)
    before = proceeding.result
    proceeding.result, proceeding.result_on = result, result_on
    fields = ["result", "result_on"]
    if close:
        proceeding.is_active = False
        fields.append("is_active")
    bump(proceeding, *fields)
    record_one(
        actor=actor,
        case_id=proceeding.case_id,
        kind=CaseEvent.Kind.PROCEEDING_RESULT,
        action="proceeding.result_recorded",
        target=proceeding,
        happened_on=result_on,
        params={"proceeding": proceeding.pk, "result": result},
        changes={"result": [before, result], "result_on": result_on, "closed": close},
    )
    return proceeding
