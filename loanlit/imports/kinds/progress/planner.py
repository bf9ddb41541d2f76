"""Planning one row of a progress sheet against the picture of its case: the steps it adds, or why not."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from loanlit.cases import access
from loanlit.cases import services as case_services
from loanlit.cases.models import (
    CostEntry,
    Court,
    Judgment,
    Proceeding,
    ProceedingParty,
    ServiceRecord,
)
from loanlit.core.errors import DomainError
from loanlit.imports.errors import RowError
from loanlit.imports.kinds.base import (
    KindContext,
    ParsedRow,
)
from loanlit.imports.kinds.progress.fields import (
    CLOSING_RESULTS,
    DECISION_DOCUMENT,
    ENFORCEMENT_KINDS,
    FOLLOWS,
    JUDGMENT_AMOUNTS,
    KIND_BY_CASE_TYPE,
    MSG_ACCEPTED_BEFORE_FILED,
    MSG_COURT_NEEDED,
    MSG_COURT_NOT_FOUND,
    MSG_JUDGMENT_AMOUNTS,
    MSG_JUDGMENT_EXISTS,
    MSG_KIND_MISMATCH,
    MSG_KIND_NEEDED,
    MSG_NO_PARTICIPANTS,
    MSG_NUMBER_COURT,
    MSG_NUMBER_KIND,
    MSG_OTHER_COURT,
    MSG_PROCEEDING_NEEDED,
    MSG_RESULT_EXISTS,
    MSG_RESULT_FOR_KIND,
    ROLES_BY_KIND,
    TERMINATED,
    cells_text,
)
from loanlit.imports.kinds.progress.state import (
    CaseState,
    ProcState,
    RowPlan,
    Step,
    court_name,
    iso,
    judgment_text,
    money_text,
    written,
)
from loanlit.law import caseno
from loanlit.law.money import LawInputError
from loanlit.parties.models import Party


class Planner:
    """Plans rows (see the package docstring); keeps the courts it looked up."""

    def __init__(self) -> None:
        self._courts: dict[str, Court | None] = {}

    def _court(self, text: str) -> Court | None:
        key = cells_text(text)
        if key not in self._courts:
            value = text.strip()
            self._courts[key] = (
                Court.objects.filter(Q(code=value) | Q(caseno_code=value) | Q(name=value)).order_by("pk").first()
            )
        return self._courts[key]

    def _court_by_pk(self, pk: int | None) -> Court | None:
        if pk is None:
            return None
        key = f"pk:{pk}"  # cached next to the names and codes looked up
        if key not in self._courts:
            self._courts[key] = Court.objects.filter(pk=pk).first()
        return self._courts[key]

    def _court_for_number(self, number: str) -> Court | None:
        try:
            parsed = caseno.parse_case_number(number)
        except LawInputError:
            return None
        if parsed.legacy:
            return None
        key = f"#{parsed.court}"  # cached next to the names and codes looked up
        if key not in self._courts:
            self._courts[key] = Court.objects.filter(caseno_code=parsed.court).order_by("pk").first()
        return self._courts[key]

    @staticmethod
    def _number_fits(number: str, kind: str, court: Court | None, plan: RowPlan) -> bool:
        """The service's own check of a 案号 against the kind and court, as a row error in the preview."""
        try:
            case_services.parse_court_case_number(number, kind=kind, court=court)
        except DomainError as exc:
            if exc.code == "case_number_court":
                params = {"field": "court", "number": number, "court": court.name if court else ""}
                plan.errors.append(RowError(MSG_NUMBER_COURT, params, "court"))
            else:
                params = {"field": "case_number", "number": number, "kind": kind}
                plan.errors.append(RowError(MSG_NUMBER_KIND, params, "case_number"))
            return False
        return True

    # --- planning ------------------------------------------------------------------------------------------

    def plan(self, row: ParsedRow, state: CaseState, ctx: KindContext) -> RowPlan:
        """The steps ``row`` adds to ``state`` (which it updates as if they were written)."""
        plan = RowPlan(case=state.case)
        v = row.values
        proc = self._plan_proceeding(row, state, ctx, plan)
        if plan.errors:
            return plan
        plan.proceeding = proc
        note = str(v.get("note") or "")
        if proc is not None:
            self._plan_hearing(v, proc, plan, note)
            self._plan_judgment(v, state, proc, plan)
            self._plan_service(v, proc, plan, note)
            self._plan_result(v, state, proc, plan)
        self._plan_cost(v, state, proc, plan, note, ctx)
        self._plan_recovery(v, state, proc, plan)
        return plan

    def _plan_proceeding(self, row: ParsedRow, state: CaseState, ctx: KindContext, plan: RowPlan) -> ProcState | None:
        v = row.values
        number_text = str(v.get("case_number") or "")
        number = caseno.normalize_case_number(number_text) if number_text else ""
        wanted = v.get("proceeding_kind") or ""
        kind = "enforcement" if wanted == TERMINATED else wanted
        needs_proceeding = bool(number or wanted) or any(
            v.get(k) not in (None, "")
            for k in (
                "court",
                "filed_on",
                "accepted_on",
                "judge",
                "hearing_at",
                "judged_on",
                "summons_served_on",
                "judgment_served_on",
                "result",
            )
        )
        if not needs_proceeding:
            return None
        proc: ProcState | None
        if number:
            proc = state.by_number(number)
            if proc is not None:
                if wanted and not self._kind_fits(proc.kind, wanted):
                    plan.errors.append(
                        RowError(
                            MSG_KIND_MISMATCH,
                            {"field": "proceeding_kind", "number": number, "kind": proc.kind},
                            "proceeding_kind",
                        )
                    )
                    return None
            else:
                if not kind:
                    try:
                        kind = KIND_BY_CASE_TYPE.get(caseno.parse_case_number(number).type_key, "")
                    except LawInputError:
                        kind = ""
                if not kind:
                    plan.errors.append(RowError(MSG_KIND_NEEDED, {"field": "proceeding_kind"}, "proceeding_kind"))
                    return None
                # A proceeding of that kind opened before the court gave its 案号 (filed by the bank,
                # accepted since) gets the number instead of a second proceeding.
                proc = next(
                    (
                        p
                        for p in reversed(state.proceedings)
                        if not p.number and self._kind_fits(p.kind, wanted or kind)
                    ),
                    None,
                )
                if proc is None:
                    return self._plan_open(row, state, ctx, plan, kind=kind, number=number)
        elif wanted:
            proc = state.latest({kind} if wanted != TERMINATED else set(ENFORCEMENT_KINDS))
            if proc is None:
                return self._plan_open(row, state, ctx, plan, kind=kind, number="")
        else:
            proc = state.latest()
            if proc is None:
                plan.errors.append(RowError(MSG_PROCEEDING_NEEDED, field="proceeding_kind"))
                return None
        if wanted == TERMINATED and proc.kind not in ENFORCEMENT_KINDS:
            plan.errors.append(RowError(MSG_RESULT_FOR_KIND, {"field": "proceeding_kind"}, "proceeding_kind"))
            return None
        self._plan_update(v, proc, plan, number=number)
        return proc

    @staticmethod
    def _kind_fits(on_file: str, wanted: str) -> bool:
        return on_file in ENFORCEMENT_KINDS if wanted == TERMINATED else on_file == wanted

    def _row_court(self, v: dict[str, Any], plan: RowPlan, number: str) -> tuple[Court | None, bool]:
        """(court, ok): the court the row names, else the one its 案号 names."""
        text = str(v.get("court") or "").strip()
        if text:
            court = self._court(text)
            if court is None:
                plan.errors.append(RowError(MSG_COURT_NOT_FOUND, {"field": "court", "value": text}, "court"))
                return None, False
            return court, True
        return (self._court_for_number(number) if number else None), True

    def _plan_open(
        self, row: ParsedRow, state: CaseState, ctx: KindContext, plan: RowPlan, *, kind: str, number: str
    ) -> ProcState | None:
        v = row.values
        court, ok = self._row_court(v, plan, number)
        if not ok:
            return None
        if court is None and kind != Proceeding.Kind.ARBITRATION:
            plan.errors.append(RowError(MSG_COURT_NEEDED, {"field": "court", "number": number or kind}, "court"))
            return None
        if number and not self._number_fits(number, kind, court, plan):
            return None
        follows = state.latest(FOLLOWS.get(kind, frozenset()))
        proc = ProcState(
            pk=None,
            kind=kind,
            court_id=court.pk if court else None,
            number=number,
            filed_on=v.get("filed_on"),
            accepted_on=v.get("accepted_on"),
            judge=str(v.get("judge") or ""),
        )
        wanted_people = ctx.options.get("add_participants", True) in (True, "true", "on", "1", 1, "yes")
        roles = ROLES_BY_KIND.get(kind) if wanted_people else None
        people: list[tuple[str, int | None]] = []
        if roles is not None:
            unit_role, borrower_role, guarantor_role = roles
            people = [(unit_role, None)]
            people += [(borrower_role, pk) for pk in state.borrowers]
            people += [(guarantor_role, pk) for pk in state.guarantors if (guarantor_role, pk) not in people]
        for _person in people:
            state.planned += 1
            proc.participants.append(-state.planned)
        state.proceedings.append(proc)
        case = state.case
        filed_on, accepted_on, judge = proc.filed_on, proc.accepted_on, proc.judge

        def apply(actor: Any) -> None:
            follows_obj = Proceeding.objects.get(pk=follows.pk) if follows is not None and follows.pk else None
            created = case_services.proceeding_open(
                actor=actor,
                case=case,
                kind=kind,
                court=court,
                court_case_number=number,
                filed_on=filed_on,
                accepted_on=accepted_on,
                judge=judge,
                follows=follows_obj,
            )
            proc.pk = created.pk
            real: list[int] = []
            for role, party_id in people:
                if party_id is None:
                    participant = case_services.proceeding_party_add(
                        actor=actor, proceeding=created, role=role, unit=case.handling_unit
                    )
                else:
                    participant = case_services.proceeding_party_add(
                        actor=actor, proceeding=created, role=role, party=Party.objects.get(pk=party_id)
                    )
                real.append(participant.pk)
            proc.participants = real

        court_text = court.name if court else ""
        plan.steps.append(Step("proceeding", "", " ".join(t for t in (kind, number, court_text) if t), apply))
        if people:
            plan.steps.append(Step("participants", "", str(len(people)), lambda actor: None))
        return proc

    def _plan_update(self, v: dict[str, Any], proc: ProcState, plan: RowPlan, *, number: str = "") -> None:
        """Complete or correct a proceeding on file: its 案号 (when it has none), court, dates and judge."""
        changes: dict[str, Any] = {}
        if number and not proc.number:
            changes["court_case_number"] = number
        court_text = str(v.get("court") or "").strip()
        if not court_text and proc.court_id is None and number:
            court = self._court_for_number(number)
            if court is not None:
                changes["court"] = court
        if court_text:
            court = self._court(court_text)
            if court is None:
                plan.errors.append(RowError(MSG_COURT_NOT_FOUND, {"field": "court", "value": court_text}, "court"))
                return
            if proc.court_id is None:
                changes["court"] = court
            elif proc.court_id != court.pk:
                plan.errors.append(
                    RowError(MSG_OTHER_COURT, {"field": "court", "court": court_name(proc.court_id)}, "court")
                )
                return
        for name in ("filed_on", "accepted_on"):
            value = v.get(name)
            if value is not None and value != getattr(proc, name):
                changes[name] = value
        judge = str(v.get("judge") or "").strip()
        if judge and judge != proc.judge:
            changes["judge"] = judge
        if "court_case_number" in changes:
            court = changes.get("court") or self._court_by_pk(proc.court_id)
            if not self._number_fits(number, proc.kind, court, plan):
                return
        filed = changes.get("filed_on", proc.filed_on)
        accepted = changes.get("accepted_on", proc.accepted_on)
        if filed and accepted and accepted < filed:
            plan.errors.append(RowError(MSG_ACCEPTED_BEFORE_FILED, field="accepted_on"))
            return
        attribute = {"court": "court_id", "court_case_number": "number"}
        for name, value in changes.items():
            before = getattr(proc, attribute.get(name, name))
            if name == "court":
                shown_before, shown_after = court_name(before), value.name
            else:
                shown_before = iso(before) if isinstance(before, date) else str(before or "")
                shown_after = iso(value) if isinstance(value, date) else str(value)
            plan.steps.append(Step(name, shown_before, shown_after, lambda actor: None))
            setattr(proc, attribute.get(name, name), value.pk if name == "court" else value)
        if changes:

            def apply(actor: Any) -> None:
                current = written(proc)
                case_services.proceeding_update(actor=actor, proceeding=current, version=current.version, **changes)

            plan.steps[-1].apply = apply

    def _plan_hearing(self, v: dict[str, Any], proc: ProcState, plan: RowPlan, note: str) -> None:
        starts_at = v.get("hearing_at")
        if not isinstance(starts_at, datetime):
            return
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        if starts_at in proc.hearings:
            return
        proc.hearings.add(starts_at)
        room = str(v.get("hearing_room") or "")

        def apply(actor: Any) -> None:
            case_services.hearing_schedule(
                actor=actor, proceeding=written(proc), starts_at=starts_at, room=room, note=note
            )

        shown = timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M") + (f" {room}" if room else "")
        plan.steps.append(Step("hearing_at", "", shown, apply))

    def _plan_judgment(self, v: dict[str, Any], state: CaseState, proc: ProcState, plan: RowPlan) -> None:
        judged_on = v.get("judged_on")
        if not isinstance(judged_on, date):
            return
        kind = v.get("judgment_kind") or Judgment.Kind.JUDGMENT.value
        amounts = {item: v[key] for key, item in JUDGMENT_AMOUNTS if v.get(key) is not None}
        if proc.judgment is not None:
            on_date, on_kind, on_amounts = proc.judgment
            same = on_date == judged_on and (not v.get("judgment_kind") or on_kind == kind)
            same = same and all(on_amounts.get(item) == amount for item, amount in amounts.items())
            if not same:
                plan.errors.append(
                    RowError(
                        MSG_JUDGMENT_EXISTS,
                        {
                            "on_file": judgment_text(on_date, on_kind, on_amounts),
                            "in_file": judgment_text(judged_on, kind, amounts),
                        },
                        field="judged_on",
                    )
                )
            return
        if not amounts:
            plan.errors.append(RowError(MSG_JUDGMENT_AMOUNTS, {"field": "judgment_principal"}, "judgment_principal"))
            return
        proc.judgment = (judged_on, kind, dict(amounts))
        proc.result, proc.result_on = (
            (
                Proceeding.Result.MEDIATION.value
                if kind == Judgment.Kind.MEDIATION
                else Proceeding.Result.JUDGMENT.value
            ),
            judged_on,
        )
        items = [case_services.JudgmentItemInput(kind=item, amount=amount) for item, amount in amounts.items()]

        def apply(actor: Any) -> None:
            current = written(proc)
            case_services.proceeding_record_judgment(
                actor=actor, proceeding=current, judged_on=judged_on, items=items, version=current.version, kind=kind
            )

        plan.steps.append(Step("judgment", "", judgment_text(judged_on, kind, amounts), apply))

    def _plan_service(self, v: dict[str, Any], proc: ProcState, plan: RowPlan, note: str) -> None:
        method = v.get("service_method") or ServiceRecord.Method.DIRECT.value
        decision_kind = (
            v.get("judgment_kind") or (proc.judgment[1] if proc.judgment else None) or Judgment.Kind.JUDGMENT.value
        )
        for key, document in (
            ("summons_served_on", ServiceRecord.Document.SUMMONS.value),
            ("judgment_served_on", DECISION_DOCUMENT[decision_kind]),
        ):
            served_on = v.get(key)
            if not isinstance(served_on, date):
                continue
            if not proc.participants:
                plan.errors.append(RowError(MSG_NO_PARTICIPANTS, {"field": key}, key))
                continue
            missing = [p for p in proc.participants if (p, document, served_on) not in proc.served]
            if not missing:
                continue
            for participant in missing:
                proc.served.add((participant, document, served_on))

            def apply(actor: Any, document: str = document, served_on: Any = served_on) -> None:
                for participant in (
                    ProceedingParty.objects.filter(proceeding=written(proc))
                    .select_related("proceeding__case")
                    .order_by("pk")
                ):
                    if ServiceRecord.objects.filter(
                        proceeding_party=participant, document=document, served_on=served_on
                    ).exists():
                        continue
                    case_services.service_record_add(
                        actor=actor,
                        proceeding_party=participant,
                        document=document,
                        served_on=served_on,
                        method=method,
                        note=note,
                    )

            plan.steps.append(Step(key, "", f"{served_on.isoformat()} {document} ×{len(missing)}", apply))

    def _plan_result(self, v: dict[str, Any], state: CaseState, proc: ProcState, plan: RowPlan) -> None:
        result = TERMINATED if v.get("proceeding_kind") == TERMINATED else (v.get("result") or "")
        result_on = v.get("result_on")
        if not result or not isinstance(result_on, date):
            return
        if proc.result == result and proc.result_on == result_on:
            return
        if proc.result and proc.result != result:
            plan.errors.append(
                RowError(
                    MSG_RESULT_EXISTS,
                    {
                        "field": "result",
                        "on_file": f"{proc.result} {iso(proc.result_on)}",
                        "in_file": f"{result} {iso(result_on)}",
                    },
                    "result",
                )
            )
            return
        before = f"{proc.result} {iso(proc.result_on)}".strip()
        proc.result, proc.result_on = result, result_on
        close = result in CLOSING_RESULTS

        def apply(actor: Any) -> None:
            current = written(proc)
            case_services.proceeding_record_result(
                actor=actor,
                proceeding=current,
                result=result,
                result_on=result_on,
                version=current.version,
                close=close,
            )

        plan.steps.append(Step("result", before, f"{result} {result_on.isoformat()}", apply))

    def _plan_cost(
        self, v: dict[str, Any], state: CaseState, proc: ProcState | None, plan: RowPlan, note: str, ctx: KindContext
    ) -> None:
        kind, amount, paid_on = v.get("cost_kind"), v.get("cost_amount"), v.get("cost_paid_on")
        if not kind or amount is None or not isinstance(paid_on, date):
            return
        if (kind, amount, paid_on) in state.costs:
            return
        state.costs.add((kind, amount, paid_on))
        payer = v.get("cost_payer") or (
            CostEntry.Payer.LAW_FIRM.value
            if ctx.actor is not None and access.is_external_lawyer(ctx.actor)
            else CostEntry.Payer.CREDITOR.value
        )
        case = state.case

        def apply(actor: Any) -> None:
            case_services.cost_record(
                actor=actor,
                case=case,
                kind=kind,
                amount=amount,
                paid_on=paid_on,
                payer=payer,
                borne_by_defendant=False,
                proceeding=written(proc) if proc is not None and proc.pk else None,
                note=note,
            )

        plan.steps.append(Step("cost", "", f"{kind} {money_text(amount)} {paid_on.isoformat()} {payer}", apply))

    def _plan_recovery(self, v: dict[str, Any], state: CaseState, proc: ProcState | None, plan: RowPlan) -> None:
        amount, received_on, source = v.get("recovery_amount"), v.get("recovery_received_on"), v.get("recovery_source")
        if amount is None or not isinstance(received_on, date) or not source:
            return
        if (amount, received_on, source) in state.recoveries:
            return
        state.recoveries.add((amount, received_on, source))
        case = state.case

        def apply(actor: Any) -> None:
            case_services.recovery_record(
                actor=actor,
                case=case,
                received_on=received_on,
                amount=amount,
                source=source,
                proceeding=written(proc) if proc is not None and proc.pk else None,
            )

        plan.steps.append(Step("recovery", "", f"{money_text(amount)} {received_on.isoformat()} {source}", apply))
