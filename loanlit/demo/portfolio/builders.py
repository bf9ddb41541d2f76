"""Turn source records into a seeded plan of loans and cases; ``loader`` carries the plan out through services.

Pure: no database. Every choice (branch, handler, stage, court, dates, numbers) is drawn from a random
stream seeded with the row's key, so the same input always gives the same plan and tests can assert
exact counts. Dates are relative to ``today`` (cases opened in the last two years, some hearings ahead);
the source figures (amounts, rates, issue months, as-of dates) are kept as the data states them.

Stated demo assumptions (the sources do not say):
* UCI statements are as of 2005-09-30 (the data's last month); the credit line (LIMIT_BAL) is the
  contract amount, the September bill (BILL_AMT1) the outstanding principal, PAY_0 months of delay
  × 30 the days past due; the account opened 2004-01-01; the card rate is 18.25 % a year (0.05 % a
  day, the long-standing card rate) and the penalty 1.5 times it.
* The LendingClub sample gives no snapshot date; the payments made fit 2018-06-30, used as the as-of
  date. Days past due follow the status band; penalty interest is the rate plus 50 % (PRC practice).
* A negative or zero card statement is a credit balance: nothing to sue on, the case stays pre-litigation.
* About one judged case in four (a draw of its own, ``ENFORCEMENT_DEMO_SHARE``) goes on into the
  enforcement app: applied for a month or more after the judgment was served (its 15-day appeal period run,
  holidays included), its life starting as early as a case in enforcement so that a freeze made about
  eleven months ago is due for renewal in the coming weeks. The scenarios are dealt per branch group.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from loanlit.demo.portfolio.pseudonyms import Person, PseudonymBook, names_data, seeded
from loanlit.demo.portfolio.readers import CardDefaulter, DefaultedLoan

ZERO: Final = Decimal("0.00")
RATE_PLACES: Final = Decimal("0.000001")

# CNY per unit, for figures that must be in CNY (court fees). Demo rates, not market data.
DEMO_RATES_TO_CNY: Final[dict[str, Decimal]] = {
    "CNY": Decimal("1"),
    "USD": Decimal("7.1000"),  # demo rate
    "TWD": Decimal("0.2200"),  # demo rate
}

UCI_AS_OF: Final = date(2005, 9, 30)
CARD_START: Final = date(2004, 1, 1)  # the card account predates the data window; assumed
CARD_RATE: Final = Decimal("18.25")
LENDINGCLUB_AS_OF: Final = date(2018, 6, 30)
LENDINGCLUB_DPD: Final[dict[str, int]] = {
    "In Grace Period": 10,
    "Late (16-30 days)": 23,
    "Late (31-120 days)": 75,
    "Charged Off": 150,
}

CARD_CAUSE: Final = "credit_card"
LOAN_CAUSE: Final = "financial_loan"

UNITS: Final = ("BJ", "BJ-CY", "GD", "GD-TH")
HANDLERS: Final[dict[str, str]] = {"BJ": "handler.bj", "BJ-CY": "handler.bj", "GD": "handler.gd", "GD-TH": "handler.gd"}
LAW_FIRM_FOR_UNIT: Final[dict[str, int]] = {"BJ": 0, "BJ-CY": 0, "GD": 1, "GD-TH": 1}

# Stage mix of a litigation portfolio, and the days each stage needs behind "today".
STAGE_WEIGHTS: Final = (
    ("pre_litigation", 18),
    ("filed", 12),
    ("in_trial", 22),
    ("judged", 16),
    ("enforcement", 14),
    ("terminated_enforcement", 6),
    ("settled", 6),
    ("closed", 6),
)
STAGE_SPAN_DAYS: Final[dict[str, int]] = {
    "pre_litigation": 10,
    "filed": 30,
    "in_trial": 60,
    "judged": 200,
    "enforcement": 330,
    "terminated_enforcement": 480,
    "settled": 150,
    "closed": 400,
}
# Judged cases taken on into the enforcement app (``enforcement.services.enforcement_demo_build``): the
# share drawn per case (the import presets plan each row alone, so the choice cannot be portfolio-wide),
# then the scenarios dealt in this order to each branch group's cases in a seeded shuffle (the real
# inputs: 5 in Beijing, 4 in Guangdong, so 4 seizures, 3 terminated for now (终本), 2 written off).
ENFORCEMENT_DEMO_SHARE: Final = 0.25
ENFORCEMENT_DEMO_DEAL: Final = ("seizure", "terminated", "seizure", "written_off", "terminated")
ENFORCEMENT_DEMO_STAGE: Final[dict[str, str]] = {
    "seizure": "enforcement",
    "terminated": "terminated_enforcement",
    "written_off": "terminated_enforcement",
}
# Days after the judgment was served before enforcement may be applied for in the demo: the 15-day appeal
# period plus any holiday roll-over (the longest, the Spring Festival, adds about a week).
ENFORCEMENT_DEMO_AFTER_SERVICE: Final = 30

# Stage order as the legal moves walk it (cases.migrations.0002 TRANSITIONS).
STAGE_PATH: Final[dict[str, tuple[str, ...]]] = {
    "pre_litigation": (),
    "filed": ("filed",),
    "in_trial": ("filed", "in_trial"),
    "judged": ("filed", "in_trial", "judged"),
    "enforcement": ("filed", "in_trial", "judged", "enforcement"),
    "terminated_enforcement": ("filed", "in_trial", "judged", "enforcement", "terminated_enforcement"),
    "settled": ("filed", "in_trial", "settled"),
    "closed": ("filed", "in_trial", "judged", "enforcement", "closed"),
}


def to_cny(amount: Decimal, currency: str) -> Decimal:
    """CNY equivalent at the stated demo rate, rounded half up to the fen."""
    return (amount * DEMO_RATES_TO_CNY[currency]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SnapshotPlan:
    as_of: date
    principal: Decimal
    interest: Decimal = ZERO
    penalty: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty + self.fees


@dataclass(frozen=True)
class LoanPlan:
    source: str
    external_ref: str
    unit_code: str
    contract_no: str
    product: str
    currency: str
    principal: Decimal
    annual_rate: Decimal
    penalty_rate: Decimal | None
    term_months: int | None
    start_date: date
    maturity_date: date | None
    repayment_method: str
    days_past_due: int
    overdue_since: date | None
    risk_class: str
    written_off: bool
    written_off_on: date | None
    snapshot: SnapshotPlan
    borrower: Person
    address: str
    occupation: str = ""


@dataclass(frozen=True)
class ProceedingPlan:
    kind: str
    court_code: str
    filed_on: date
    accepted_on: date | None
    case_number_format: str = ""  # names.json case_numbers key; "" = no number yet
    case_number_seq: int = 0
    judge: str = ""
    clerk: str = ""
    result: str = ""
    result_on: date | None = None


@dataclass(frozen=True)
class HearingPlan:
    starts_at: datetime  # naive local time; the loader makes it aware
    room: str
    kind: str = "hearing"


@dataclass(frozen=True)
class JudgmentPlan:
    judged_on: date
    served_on: date
    with_interest: bool


@dataclass(frozen=True)
class RecoveryPlan:
    received_on: date
    share: Decimal  # of the claim total
    source: str


@dataclass(frozen=True)
class EnforcementDemoPlan:
    scenario: str  # enforcement.services.demo SCENARIOS
    applied_on: date


@dataclass(frozen=True)
class CasePlan:
    loan: LoanPlan
    cause_key: str
    unit_code: str
    handler: str
    stage: str
    opened_on: date
    priority: str
    tags: tuple[str, ...]
    first_instance: ProceedingPlan | None = None
    summons_served_on: date | None = None
    hearing: HearingPlan | None = None
    judgment: JudgmentPlan | None = None
    enforcement: ProceedingPlan | None = None
    recoveries: tuple[RecoveryPlan, ...] = ()
    law_firm: int | None = None
    placed_on: date | None = None
    closed_on: date | None = None
    enforcement_demo: EnforcementDemoPlan | None = None

    @property
    def final_stage(self) -> str:
        """The stage after the load: a judged case taken into enforcement moves on."""
        if self.enforcement_demo is not None:
            return ENFORCEMENT_DEMO_STAGE[self.enforcement_demo.scenario]
        return self.stage

    @property
    def claim_total(self) -> Decimal:
        return self.loan.snapshot.total


@dataclass
class PortfolioPlan:
    cases: list[CasePlan] = field(default_factory=list)

    def by_source(self, source: str) -> list[CasePlan]:
        return [c for c in self.cases if c.loan.source == source]


def _pick_stage(rng: random.Random) -> str:
    names = [s for s, _ in STAGE_WEIGHTS]
    return rng.choices(names, weights=[w for _, w in STAGE_WEIGHTS])[0]


class _CaseNumbers:
    """Sequence numbers per (court, year, kind) that are never issued twice."""

    def __init__(self) -> None:
        self._used: set[tuple[str, int, str, int]] = set()

    def issue(self, rng: random.Random, court: str, year: int, kind: str) -> int:
        seq = rng.randrange(1000, 39999)
        while (court, year, kind, seq) in self._used:
            seq += 1
        self._used.add((court, year, kind, seq))
        return seq


def _before(limit: date, day: date) -> date:
    return min(day, limit)


def plan_case(
    loan: LoanPlan,
    *,
    cause_key: str,
    unit_code: str,
    key: object,
    today: date,
    book: PseudonymBook,
    numbers: _CaseNumbers,
    enforcement_scenario: str = "",
) -> CasePlan:
    rng = seeded("case", key)
    branch = names_data()["branches"][unit_code]
    stage = _pick_stage(rng) if loan.snapshot.total > 0 else "pre_litigation"
    # A judged case going on into enforcement has lived as long as a case in enforcement.
    enforced = stage == "judged" and goes_to_enforcement(key)
    opened_on = today - timedelta(days=STAGE_SPAN_DAYS["enforcement" if enforced else stage] + rng.randrange(5, 200))
    priority = rng.choices(("low", "normal", "high", "urgent"), weights=(2, 10, 4, 1))[0]
    tags = ("demo", loan.source)
    handler = HANDLERS[unit_code]
    path = STAGE_PATH[stage]
    if not path:
        return CasePlan(loan, cause_key, unit_code, handler, stage, opened_on, priority, tags)

    court = rng.choice(branch["courts"])
    filed_on = opened_on + timedelta(days=rng.randrange(5, 25))
    accepted_on = None
    number_fmt = ""
    number_seq = 0
    if "in_trial" in path or rng.random() < 0.4:
        accepted_on = _before(today, filed_on + timedelta(days=rng.randrange(1, 8)))
        number_fmt = "first_instance"
        number_seq = numbers.issue(rng, court, accepted_on.year, number_fmt)
    judge = book.staff_name((key, "judge"))
    clerk = book.staff_name((key, "clerk"))
    judged = "judged" in path
    first = ProceedingPlan(
        kind="first_instance",
        court_code=court,
        filed_on=filed_on,
        accepted_on=accepted_on,
        case_number_format=number_fmt,
        case_number_seq=number_seq,
        judge=judge if accepted_on else "",
        clerk=clerk if accepted_on else "",
    )
    summons = hearing = judgment = enforcement = None
    recoveries: list[RecoveryPlan] = []
    if accepted_on is not None and "in_trial" in path:
        summons = _before(today, accepted_on + timedelta(days=rng.randrange(3, 15)))
        hearing_day = accepted_on + timedelta(days=rng.randrange(25, 80))
        if not judged and rng.random() < 0.5:
            # Half the cases in trial have their hearing ahead: the home page's "upcoming hearings".
            hearing_day = today + timedelta(days=rng.randrange(1, 45))
        if judged:
            hearing_day = min(hearing_day, today - timedelta(days=120))
            hearing_day = max(hearing_day, summons + timedelta(days=15))
        hearing = HearingPlan(
            starts_at=datetime.combine(hearing_day, time(rng.choice((9, 10, 14, 15)), rng.choice((0, 30)))),
            room=rng.choice(branch["rooms"]),
            kind=rng.choice(("hearing", "hearing", "pre_trial", "mediation")) if not judged else "hearing",
        )
    if judged and hearing is not None:
        judged_on = hearing.starts_at.date() + timedelta(days=rng.randrange(7, 30))
        judgment = JudgmentPlan(
            judged_on=judged_on,
            served_on=judged_on + timedelta(days=rng.randrange(2, 10)),
            with_interest=loan.annual_rate > 0,
        )
        first = ProceedingPlan(**{**first.__dict__, "result": "judgment", "result_on": judged_on})
    if "enforcement" in path and judgment is not None:
        enf_filed = _before(today - timedelta(days=5), judgment.served_on + timedelta(days=rng.randrange(40, 90)))
        enf_accepted = _before(today, enf_filed + timedelta(days=rng.randrange(1, 6)))
        enf_court = branch["enforcement_court"]
        terminated = stage == "terminated_enforcement"
        enforcement = ProceedingPlan(
            kind="enforcement",
            court_code=enf_court,
            filed_on=enf_filed,
            accepted_on=enf_accepted,
            case_number_format="enforcement",
            case_number_seq=numbers.issue(rng, enf_court, enf_accepted.year, "enforcement"),
            judge=book.staff_name((key, "enforcement judge")),
            result="terminated_for_now" if terminated else ("concluded" if stage == "closed" else ""),
            result_on=_before(today, enf_accepted + timedelta(days=rng.randrange(60, 120)))
            if terminated or stage == "closed"
            else None,
        )
        if stage == "closed":
            recoveries.append(RecoveryPlan(enforcement.result_on or today, Decimal("1"), "court_enforcement"))
        elif rng.random() < 0.5:
            share = Decimal(rng.randrange(5, 40)) / 100
            day = _before(today, enf_accepted + timedelta(days=rng.randrange(20, 60)))
            recoveries.append(RecoveryPlan(day, share, rng.choice(("court_enforcement", "auction"))))
    closed_on = None
    if stage == "settled":
        recoveries.append(
            RecoveryPlan(
                _before(today, filed_on + timedelta(days=rng.randrange(30, 90))), Decimal("0.6"), "borrower_payment"
            )
        )
    elif stage in ("in_trial", "filed") and rng.random() < 0.2:
        recoveries.append(
            RecoveryPlan(
                _before(today, filed_on + timedelta(days=rng.randrange(1, 20))), Decimal("0.1"), "borrower_payment"
            )
        )
    if stage == "closed":
        closed_on = recoveries[-1].received_on if recoveries else today
    law_firm = None
    placed_on = None
    if rng.random() < 0.35:
        law_firm = LAW_FIRM_FOR_UNIT[unit_code]
        placed_on = opened_on + timedelta(days=rng.randrange(1, 5))
    enforcement_demo = None
    if enforced and enforcement_scenario and judgment is not None:
        enforcement_demo = _enforcement_demo(enforcement_scenario, judgment, key=key, today=today)
    return CasePlan(
        loan=loan,
        cause_key=cause_key,
        unit_code=unit_code,
        handler=handler,
        stage=stage,
        opened_on=opened_on,
        priority=priority,
        tags=tags,
        first_instance=first,
        summons_served_on=summons,
        hearing=hearing,
        judgment=judgment,
        enforcement=enforcement,
        recoveries=tuple(recoveries),
        law_firm=law_firm,
        placed_on=placed_on,
        closed_on=closed_on,
        enforcement_demo=enforcement_demo,
    )


def _enforcement_demo(scenario: str, judgment: JudgmentPlan, *, key: object, today: date) -> EnforcementDemoPlan:
    """Apply within a month of the earliest safe day after service; a seizure case applies 310-349 days
    ago when its judgment allows, so that its freeze (a week later, 12 months for a deposit) is due for
    renewal 2-8 weeks ahead. A stream of its own: the case's other draws stay as they were."""
    rng = seeded("enforcement demo", key)
    earliest = judgment.served_on + timedelta(days=ENFORCEMENT_DEMO_AFTER_SERVICE)
    if scenario == "seizure":
        wanted = today - timedelta(days=rng.randrange(310, 350))
    else:
        wanted = earliest + timedelta(days=rng.randrange(0, 30))
    return EnforcementDemoPlan(scenario=scenario, applied_on=min(max(earliest, wanted), today))


def _planned_stage(key: object, total: Decimal) -> str:
    """The stage ``plan_case`` draws first for ``key`` (the same seeded stream)."""
    return _pick_stage(seeded("case", key)) if total > 0 else "pre_litigation"


def goes_to_enforcement(key: object) -> bool:
    """Whether a judged case goes on into the enforcement app (a stream of its own, fixed by ``key``)."""
    return seeded("enforcement", key).random() < ENFORCEMENT_DEMO_SHARE


def enforcement_scenarios(candidates: list[tuple[str, str, bool]]) -> dict[str, str]:
    """Scenario per external reference: ``candidates`` are the judged cases that go to enforcement
    (reference, unit, written off already), shuffled by a seeded stream per branch group (BJ, GD) and dealt
    ``ENFORCEMENT_DEMO_DEAL`` in turn, round again when there are more; a loan the bank wrote off already
    gets 终本 instead of a write-off."""
    chosen: dict[str, str] = {}
    for group in ("BJ", "GD"):
        pool = sorted(
            (c for c in candidates if c[1].split("-")[0] == group),
            key=lambda c: (seeded("enforcement demo", "order", c[0]).random(), c[0]),
        )
        for index, (ref, _unit, written_off) in enumerate(pool):
            scenario = ENFORCEMENT_DEMO_DEAL[index % len(ENFORCEMENT_DEMO_DEAL)]
            chosen[ref] = "terminated" if scenario == "written_off" and written_off else scenario
    return chosen


def _address(unit_code: str, rng: random.Random) -> str:
    return str(names_data()["branches"][unit_code]["address"]).format(n=rng.randrange(1, 400))


def _overdue_since(as_of: date, days: int, *, earliest: date) -> date | None:
    """The first overdue day (day 1 of the count, as loans.services.days_past_due counts)."""
    if days <= 0:
        return None
    return max(as_of - timedelta(days=days - 1), earliest)


def _dpd(as_of: date, overdue_since: date | None) -> int:
    return 0 if overdue_since is None else (as_of - overdue_since).days + 1


def _risk_class(dpd: int) -> str:
    # Five-tier guidance: past 90 days at least substandard, past 180 doubtful.
    if dpd > 180:
        return "doubtful"
    if dpd > 90:
        return "substandard"
    return "special_mention"


def card_loan(row: CardDefaulter, *, source: str, unit_code: str, book: PseudonymBook) -> LoanPlan:
    rng = seeded(source, "loan", row.source_id)
    region = rng.choice(names_data()["branches"][unit_code]["id_regions"])
    sex = {1: "male", 2: "female"}.get(row.sex or 0)
    person = book.person((source, row.source_id), region=region, sex=sex, age=row.age, age_on=UCI_AS_OF)  # type: ignore[arg-type]
    outstanding = max(row.latest_bill, ZERO)
    overdue_since = _overdue_since(UCI_AS_OF, row.days_past_due, earliest=CARD_START)
    return LoanPlan(
        source=source,
        external_ref=f"{source}:{row.source_id}",
        unit_code=unit_code,
        contract_no=f"CC-{source.upper()}-{int(row.source_id):05d}",
        product="credit_card",
        currency="TWD",
        principal=row.credit_limit,
        annual_rate=CARD_RATE,
        penalty_rate=(CARD_RATE * Decimal("1.5")).quantize(RATE_PLACES),
        term_months=None,
        start_date=CARD_START,
        maturity_date=None,
        repayment_method="revolving",
        days_past_due=_dpd(UCI_AS_OF, overdue_since),
        overdue_since=overdue_since,
        risk_class=_risk_class(_dpd(UCI_AS_OF, overdue_since)),
        written_off=False,
        written_off_on=None,
        snapshot=SnapshotPlan(as_of=UCI_AS_OF, principal=outstanding),
        borrower=person,
        address=_address(unit_code, rng),
    )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def lendingclub_loan(row: DefaultedLoan, *, source: str, unit_code: str, book: PseudonymBook) -> LoanPlan:
    rng = seeded(source, "loan", row.source_line)
    region = rng.choice(names_data()["branches"][unit_code]["id_regions"])
    person = book.person((source, row.source_line), region=region)
    # The first instalment falls due a month after issue: no loan is overdue before that.
    overdue_since = _overdue_since(
        LENDINGCLUB_AS_OF, LENDINGCLUB_DPD[row.status], earliest=_add_months(row.issued_on, 1)
    )
    charged_off = row.status == "Charged Off"
    return LoanPlan(
        source=source,
        external_ref=f"{source}:{row.source_line}",
        unit_code=unit_code,
        contract_no=f"LN-{source.upper()}-{row.source_line:05d}",
        product="consumer",
        currency="USD",
        principal=row.loan_amount,
        annual_rate=row.interest_rate,
        penalty_rate=(row.interest_rate * Decimal("1.5")).quantize(RATE_PLACES),
        term_months=row.term_months,
        start_date=row.issued_on,
        maturity_date=_add_months(row.issued_on, row.term_months),
        repayment_method="equal_instalment",
        days_past_due=_dpd(LENDINGCLUB_AS_OF, overdue_since),
        overdue_since=overdue_since,
        risk_class="loss" if charged_off else _risk_class(_dpd(LENDINGCLUB_AS_OF, overdue_since)),
        written_off=charged_off,
        written_off_on=LENDINGCLUB_AS_OF if charged_off else None,
        snapshot=SnapshotPlan(as_of=LENDINGCLUB_AS_OF, principal=row.balance),
        borrower=person,
        address=_address(unit_code, rng),
        occupation=row.emp_title,
    )


def build_plan(
    *,
    cards: list[CardDefaulter],
    loans: list[DefaultedLoan],
    today: date,
    card_source: str = "uci",
    loan_source: str = "lendingclub",
) -> PortfolioPlan:
    """Cases for every card defaulter and every defaulted loan, spread over the demo branches."""
    book = PseudonymBook()
    numbers = _CaseNumbers()
    plan = PortfolioPlan()
    judged: list[tuple[str, str, bool]] = []
    for row in cards:
        ref = f"{card_source}:{row.source_id}"
        if _planned_stage(ref, max(row.latest_bill, ZERO)) == "judged" and goes_to_enforcement(ref):
            judged.append((ref, seeded(card_source, "unit", row.source_id).choice(UNITS), False))
    for loan_row in loans:
        ref = f"{loan_source}:{loan_row.source_line}"
        if _planned_stage(ref, loan_row.balance) == "judged" and goes_to_enforcement(ref):
            unit_code = seeded(loan_source, "unit", loan_row.source_line).choice(UNITS)
            judged.append((ref, unit_code, loan_row.status == "Charged Off"))
    scenarios = enforcement_scenarios(judged)
    for row in cards:
        unit = seeded(card_source, "unit", row.source_id).choice(UNITS)
        loan = card_loan(row, source=card_source, unit_code=unit, book=book)
        plan.cases.append(
            plan_case(
                loan,
                cause_key=CARD_CAUSE,
                unit_code=unit,
                key=loan.external_ref,
                today=today,
                book=book,
                numbers=numbers,
                enforcement_scenario=scenarios.get(loan.external_ref, ""),
            )
        )
    for loan_row in loans:
        unit = seeded(loan_source, "unit", loan_row.source_line).choice(UNITS)
        loan = lendingclub_loan(loan_row, source=loan_source, unit_code=unit, book=book)
        plan.cases.append(
            plan_case(
                loan,
                cause_key=LOAN_CAUSE,
                unit_code=unit,
                key=loan.external_ref,
                today=today,
                book=book,
                numbers=numbers,
                enforcement_scenario=scenarios.get(loan.external_ref, ""),
            )
        )
    return plan
