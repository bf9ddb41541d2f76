"""The statistics dashboard at volume (issue 11): summaries vs the live aggregate queries they replace.

Sizes: BENCH_DASHBOARD_CASES cases (default 1,000,000 on PostgreSQL, 100,000 on SQLite); ``--smoke``
500. The cases come from ``generate_cases`` (the batch services: loans, borrowers, cases) under one
head office with three branches in three provinces (Beijing, Shanghai, Guangdong) and two
sub-branches each, so nine courts; filing dates spread over about 33 months. Generated cases have no
outcomes, so the bench adds them with bulk inserts from a seeded random stream: claims, first-instance
proceedings with judgments or mediations (won / partly won / lost), withdrawals and dismissals,
enforcement proceedings (some terminated for now), recoveries from every source (some after a write-off),
costs with refunds, placements with eight law firms, write-offs and closures. Bulk writes fire no
signals, so nothing is refreshed until the bench says so.

Figures (each the median of several runs unless noted):

* ``facts_rebuild_all()`` (facts, then every summary table) and ``summaries_rebuild_all()`` alone, with
  ``loan_defaults_rebuild()``, in rows per second.
* The dashboard for a head-office user (every case in scope) and for a branch user: the whole view
  (``GET /dashboard/`` through Django's test client: middleware, selectors, template) and the selector
  calls alone (stats, every breakdown, aging, cycle times, regional signal, firm ranking). The
  comparison is the live aggregate SQL the summaries replace, hand-written over the base tables (cases,
  proceedings, judgments and their items, recoveries, costs, write-offs, loans) for the same scope: the
  totals and one breakdown per dimension with the same measures, the aging, the cycle-time medians and
  the overdue signal (the borrower's registered region is missing there: it lives in the encrypted
  resident ID, which SQL cannot read; PostgreSQL's JIT is off for it, as it would only add compile
  time). The dashboard's totals must equal the live SQL's, measure by measure, or the bench fails.
  Target: <= 300 ms.
* The drill-down list: ``drilldown_for_user`` + ``keyset_page`` page 1 (50 rows, with the related rows
  the list shows) next to the selector's own SQL through a raw cursor and a hand-written query over
  the facts; target <= 50 ms (the case-list target). The view itself is timed as well.
* One on-write refresh: ``facts_refresh(case_ids=[one case])`` with its cell and cycle refresh.
"""

from __future__ import annotations

import logging
import os
import random
import statistics
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.common import Figure

SMOKE = 500
SQLITE_DEFAULT = 100_000
POSTGRES_DEFAULT = 1_000_000
SEED = 11
CHUNK = 2000  # cases per generate_cases batch
OUTCOME_CHUNK = 20_000  # cases per synthetic-outcome batch
PAGE = 50
RUNS = 9
TARGET_DASHBOARD_MS = 300.0
TARGET_DRILL_MS = 50.0

# (code, name, kind, parent code, region code): three provinces, nine basic courts.
UNITS = (
    ("BSH", "Dashboard bench head office", "head_office", None, "110000"),
    ("BSBJ", "Beijing branch", "branch", "BSH", "110000"),
    ("BSBJ1", "Beijing Chaoyang sub-branch", "sub_branch", "BSBJ", "110105"),
    ("BSBJ2", "Beijing Haidian sub-branch", "sub_branch", "BSBJ", "110108"),
    ("BSSH", "Shanghai branch", "branch", "BSH", "310000"),
    ("BSSH1", "Shanghai Xuhui sub-branch", "sub_branch", "BSSH", "310104"),
    ("BSSH2", "Shanghai Pudong sub-branch", "sub_branch", "BSSH", "310115"),
    ("BSGD", "Guangdong branch", "branch", "BSH", "440000"),
    ("BSGD1", "Guangzhou Tianhe sub-branch", "sub_branch", "BSGD", "440106"),
    ("BSGD2", "Shenzhen Nanshan sub-branch", "sub_branch", "BSGD", "440305"),
)
BRANCH_USER_UNIT = "BSGD"
# Law firms with how often they are instructed and how well they recover (the ranking has something to rank).
FIRMS = (
    ("Bench Firm A", 5, 0.70),
    ("Bench Firm B", 4, 0.55),
    ("Bench Firm C", 3, 0.45),
    ("Bench Firm D", 3, 0.40),
    ("Bench Firm E", 2, 0.35),
    ("Bench Firm F", 2, 0.30),
    ("Bench Firm G", 1, 0.25),
    ("Bench Firm H", 1, 0.15),
)
TRIAL_KINDS = ("pre_filing_mediation", "first_instance", "second_instance", "retrial", "payment_order", "arbitration")
ENFORCEMENT_KINDS = ("enforcement", "resumed_enforcement", "notarised_enforcement")
SOURCES = (
    ("borrower_payment", 5),
    ("court_enforcement", 3),
    ("auction", 1),
    ("guarantor", 1),
    ("settlement_in_kind", 1),
    ("debt_transfer", 1),
)


def _size(smoke: bool) -> int:
    if smoke:
        return SMOKE
    default = POSTGRES_DEFAULT if connection.vendor == "postgresql" else SQLITE_DEFAULT
    return int(os.environ.get("BENCH_DASHBOARD_CASES", default))


def _median(fn: Callable[[], object], runs: int, *, warm: bool = True) -> float:
    if warm:
        fn()  # warm caches and the query plans
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _once(fn: Callable[[], object]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@contextmanager
def _no_refresh_on_write() -> Iterator[None]:
    """Generation through the services must not refresh statistics per batch (the rebuild is timed)."""
    from django.test import override_settings

    with override_settings(STATS_REFRESH_ON_WRITE=False):
        yield


# --- data --------------------------------------------------------------------------------------------------


def _setup(count: int, smoke: bool) -> dict[str, Any]:
    from loanlit.accounts import services as accounts
    from loanlit.cases.management.commands.generate_cases import generate_cases

    creditor = accounts.creditor_create(
        actor=None, code="BENCH-DASH", name="Dashboard Bench Bank", kind="bank", legal_name="Dashboard Bench Bank Co."
    )
    units: dict[str, Any] = {}
    for code, name, kind, parent, region in UNITS:
        units[code] = accounts.org_unit_create(
            actor=None,
            code=code,
            name=name,
            kind=kind,
            parent=units[parent] if parent else None,
            region_code=region,
        )
    head = units["BSH"]
    admin = accounts.user_create(
        actor=None,
        username="bench.dash.admin",
        password=None,
        role_code="administrator",
        unit=head,
        creditors=[creditor],
        is_superuser=True,
    )
    manager = accounts.user_create(
        actor=None,
        username="bench.dash.manager",
        password=None,
        role_code="legal_manager",
        unit=head,
        creditors=[creditor],
    )
    branch_user = accounts.user_create(
        actor=None,
        username="bench.dash.branch",
        password=None,
        role_code="branch_manager",
        unit=units[BRANCH_USER_UNIT],
        creditors=[creditor],
    )
    for code, _name, kind, _parent, _region in UNITS:
        if kind != "head_office":  # a handler per branch and sub-branch: the handler dimension has nine keys
            accounts.user_create(
                actor=None,
                username=f"bench.dash.h.{code.lower()}",
                password=None,
                role_code="case_handler",
                unit=units[code],
                creditors=[creditor],
            )
    started = time.perf_counter()
    with _no_refresh_on_write():
        result = generate_cases(
            actor=admin, creditor=creditor, count=count, seed=SEED, chunk=CHUNK, proceeding_share=0.0
        )
    print(
        f"   generated {result.cases:,} cases (loans, borrowers, cases through the batch services) in "
        f"{time.perf_counter() - started:.1f}s = {result.rate:,.0f} cases/s ({connection.vendor}); "
        "fresh database for this run (no reuse)"
    )
    started = time.perf_counter()
    made = _outcomes(creditor=creditor, units=units, admin=admin)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"   synthetic outcomes (bulk inserts, seed {SEED}) in {time.perf_counter() - started:.1f}s: "
        + ", ".join(f"{n:,} {what}" for what, n in made.items())
    )
    return {"creditor": creditor, "units": units, "manager": manager, "branch_user": branch_user, "head": head}


@dataclass
class _Made:
    proceedings: list[Any] = field(default_factory=list)
    judgments: list[Any] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    recoveries: list[Any] = field(default_factory=list)
    costs: list[Any] = field(default_factory=list)
    placements: list[Any] = field(default_factory=list)
    write_offs: list[Any] = field(default_factory=list)
    case_rows: list[tuple[Any, ...]] = field(default_factory=list)


def _money(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _court_for(region: str, courts: list[Any]) -> Any:
    exact = [c for c in courts if c.region_code == region and c.level == "basic"]
    same_province = [c for c in courts if c.region_code[:2] == region[:2] and c.level == "basic"]
    pool = exact or same_province
    return pool[0] if pool else None


CASE_UPDATE_COLUMNS = (
    "id",
    "claim_currency",
    "claim_principal",
    "claim_interest",
    "claim_penalty",
    "claim_fees",
    "claim_total",
    "claim_as_of",
    "stage_id",
    "outcome",
    "is_closed",
    "closed_on",
    "law_firm_id",
)


def _outcomes(*, creditor: Any, units: dict[str, Any], admin: Any) -> dict[str, int]:
    """Claims, proceedings, judgments, money, placements, write-offs and closures for every case."""
    from loanlit.cases.models import Case, Court, LawFirm

    today = timezone.localdate()
    courts = list(Court.objects.filter(is_active=True).order_by("code"))
    court_by_unit = {u.pk: _court_for(u.region_code, courts) for u in units.values()}
    firms = []
    for name, _weight, _skill in FIRMS:
        firm = LawFirm.objects.create(name=name, is_panel=True)
        firm.creditors.add(creditor)
        firms.append(firm)
    rng = random.Random(f"dashboard:{SEED}")
    totals: dict[str, int] = {}
    ids = list(Case.objects.filter(creditor=creditor).order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_dash_case ("
            "id bigint PRIMARY KEY, claim_currency varchar(3), claim_principal bigint, claim_interest bigint, "
            "claim_penalty bigint, claim_fees bigint, claim_total bigint, claim_as_of date, stage_id varchar(40), "
            "outcome varchar(30), is_closed boolean, closed_on date, law_firm_id bigint)"
        )
    for start in range(0, len(ids), OUTCOME_CHUNK):
        chunk = ids[start : start + OUTCOME_CHUNK]
        rows = list(
            Case.objects.filter(pk__in=chunk, case_loans__isnull=False)
            .order_by("pk")
            .values_list("pk", "opened_on", "handling_unit_id", "case_loans__loan_id", "case_loans__loan__principal")
        )
        seen: set[int] = set()
        made = _Made()
        for pk, opened_on, unit_id, loan_id, principal in rows:
            if pk in seen:
                continue
            seen.add(pk)
            _one_case(
                made, rng, today=today, case_id=pk, opened_on=opened_on, loan_id=loan_id, principal=principal,
                court=court_by_unit.get(unit_id), firms=firms, admin=admin,
            )  # fmt: skip
        with transaction.atomic():
            _write(made)
        for key, value in (
            ("proceedings", len(made.proceedings)),
            ("judgments", len(made.judgments)),
            ("judgment items", len(made.items)),
            ("recoveries", len(made.recoveries)),
            ("costs", len(made.costs)),
            ("placements", len(made.placements)),
            ("write-offs", len(made.write_offs)),
        ):
            totals[key] = totals.get(key, 0) + value
        totals["closed cases"] = totals.get("closed cases", 0) + sum(1 for r in made.case_rows if r[10])
    columns = ", ".join(f"{c} = t.{c}" for c in CASE_UPDATE_COLUMNS[1:])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE cases_case SET {columns} FROM bench_dash_case t WHERE cases_case.id = t.id")
        cursor.execute("DROP TABLE bench_dash_case")
    return totals


def _one_case(
    made: _Made,
    rng: random.Random,
    *,
    today: date,
    case_id: int,
    opened_on: date,
    loan_id: int,
    principal: Decimal,
    court: Any,
    firms: list[Any],
    admin: Any,
) -> None:
    from loanlit.cases.models import CostEntry, Judgment, JudgmentItem, Placement, Proceeding, Recovery
    from loanlit.enforcement.models import WriteOff

    yesterday = today - timedelta(days=1)

    def day(base: date, low: int, high: int) -> date:
        return min(base + timedelta(days=rng.randrange(low, high)), yesterday)

    currency = "USD" if rng.random() < 0.01 else "CNY"
    loan_fen = int(principal * 100)
    claim_principal = int(loan_fen * rng.uniform(0.3, 1.0))
    claim_interest = int(claim_principal * rng.uniform(0.02, 0.25))
    claim_penalty = int(claim_principal * rng.uniform(0.0, 0.05))
    claim_fees = rng.choice((0, 0, 300_000, 500_000, 1_000_000))
    claim_total = claim_principal + claim_interest + claim_penalty + claim_fees
    stage, outcome, closed_on = "pre_litigation", "", None
    judged_on: date | None = None
    result = ""
    enforcement_started = terminated = concluded = False
    firm = None
    skill = 0.2
    sued = court is not None and rng.random() < 0.6 and opened_on + timedelta(days=20) < today
    if sued:
        stage = "filed"
        if rng.random() < 0.6:
            index = rng.choices(range(len(firms)), weights=[w for _, w, _ in FIRMS])[0]
            firm, skill = firms[index], FIRMS[index][2]
            made.placements.append(
                Placement(case_id=case_id, law_firm=firm, placed_on=opened_on + timedelta(days=5), placed_by=admin)
            )
        filed_on = opened_on + timedelta(days=10)
        trial = Proceeding(
            case_id=case_id,
            kind="first_instance",
            court=court,
            filed_on=filed_on,
            accepted_on=filed_on + timedelta(days=3),
            is_active=True,
        )
        made.proceedings.append(trial)
        acceptance_fee = CostEntry(
            case_id=case_id,
            proceeding=trial,
            kind="acceptance_fee",
            currency="CNY",
            amount=_money(5_000 + claim_total // 200),
            payer="creditor",
            paid_on=filed_on,
        )
        made.costs.append(acceptance_fee)
        if firm is not None and rng.random() < 0.7:
            made.costs.append(
                CostEntry(
                    case_id=case_id,
                    proceeding=trial,
                    kind="lawyer_fee",
                    currency="CNY",
                    amount=_money(rng.randrange(200_000, 1_500_000)),
                    payer="creditor",
                    paid_on=day(filed_on, 1, 60),
                )
            )
        if filed_on + timedelta(days=60) < today and rng.random() < 0.8:
            result = rng.choices(("judgment", "mediation", "withdrawn", "dismissed"), weights=(55, 15, 20, 10))[0]
            result_on = day(filed_on, 60, 400)
            trial.result, trial.result_on, trial.is_active = result, result_on, False
            stage = "judged"
            if result in ("judgment", "mediation"):
                judged_on = result_on
                verdict = rng.choices(("won", "partly_won", "lost"), weights=(60, 30, 10))[0]
                awarded_principal = (
                    claim_principal if verdict != "lost" else int(claim_principal * rng.uniform(0.5, 0.95))
                )
                share = 1.0 if verdict == "won" else rng.uniform(0.3, 0.9)
                awarded = [
                    ("principal", awarded_principal),
                    ("interest", int(claim_interest * share)),
                    ("penalty", int(claim_penalty * share)),
                    ("lawyer_fee", int(claim_fees * share)),
                ]
                if verdict == "won":
                    awarded[1] = ("interest", claim_interest)
                    awarded[2] = ("penalty", claim_penalty)
                    awarded[3] = ("lawyer_fee", claim_fees)
                judgment = Judgment(
                    proceeding=trial,
                    kind=result,
                    judged_on=judged_on,
                    currency=currency,
                    adjudicated_amount=_money(sum(a for _, a in awarded)),
                    effective_on=judged_on + timedelta(days=15),
                    effective_confirmed=True,
                )
                made.judgments.append(judgment)
                for seq, (kind, amount) in enumerate(awarded, start=1):
                    made.items.append(
                        JudgmentItem(judgment=judgment, seq=seq, kind=kind, currency=currency, amount=_money(amount))
                    )
                if judged_on + timedelta(days=30) < today and rng.random() < 0.55:
                    enforcement_started = True
                    stage = "enforcement"
                    enforce_on = judged_on + timedelta(days=30)
                    enforcement = Proceeding(
                        case_id=case_id,
                        kind="enforcement",
                        court=court,
                        filed_on=enforce_on,
                        accepted_on=enforce_on + timedelta(days=5),
                        follows=trial,
                        is_active=True,
                    )
                    made.proceedings.append(enforcement)
                    made.costs.append(
                        CostEntry(
                            case_id=case_id,
                            proceeding=enforcement,
                            kind="enforcement_fee",
                            currency="CNY",
                            amount=_money(5_000 + claim_total // 400),
                            payer="creditor",
                            paid_on=enforce_on,
                            borne_by_defendant=True,
                        )
                    )
                    fate = rng.random()
                    if fate < 0.3 and enforce_on + timedelta(days=90) < today:
                        terminated = True
                        stage = "terminated_enforcement"
                        enforcement.result, enforcement.result_on = "terminated_for_now", day(enforce_on, 90, 360)
                    elif fate < 0.5 and enforce_on + timedelta(days=60) < today:
                        concluded = True
                        enforcement.result, enforcement.result_on = "concluded", day(enforce_on, 60, 300)
                        enforcement.is_active = False
            elif result == "withdrawn":
                acceptance_fee.refunded_amount = _money(2_500 + claim_total // 400)
    # Money received: more often and more of it with a lawyer who recovers well, after a judgment.
    chance = 0.12 if not sued else (0.25 + skill * (0.8 if judged_on else 0.4))
    recovered = 0
    last_recovery: date | None = None
    written_off_on: date | None = None
    if (terminated or result == "dismissed") and rng.random() < 0.4:
        written_off_on = day(judged_on or opened_on, 200, 500)
        made.write_offs.append(
            WriteOff(
                case_id=case_id,
                loan_id=loan_id,
                written_off_on=written_off_on,
                currency=currency,
                amount=_money(claim_principal),
                approval_ref=f"WO-{case_id}",
                recorded_by=admin,
            )
        )
    full_payoff = result == "withdrawn" and rng.random() < 0.5
    if full_payoff or rng.random() < chance:
        target = claim_total if full_payoff else int(claim_total * rng.uniform(0.05, 1.0) * (0.5 + skill))
        target = min(target, claim_total)
        parts = rng.choice((1, 1, 2, 3))
        for n in range(parts):
            amount = target // parts if n < parts - 1 else target - target // parts * (parts - 1)
            if amount <= 0:
                continue
            received_on = day(opened_on, 20, 900)
            source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
            if source == "court_enforcement" and not enforcement_started:
                source = "borrower_payment"
            made.recoveries.append(
                Recovery(
                    case_id=case_id,
                    received_on=received_on,
                    currency=currency,
                    amount=_money(amount),
                    source=source,
                    after_write_off=written_off_on is not None and received_on > written_off_on,
                    phase="enforcement" if judged_on and received_on > judged_on else "pre_judgment",
                    recorded_by=admin,
                )
            )
            recovered += amount
            last_recovery = max(last_recovery or received_on, received_on)
    # Closures: paid in full, withdrawn, dismissed, concluded, or closed for another reason.
    if recovered >= claim_total and last_recovery is not None:
        outcome, closed_on = "recovered_in_full", day(last_recovery, 5, 60)
    elif result == "withdrawn" and rng.random() < 0.7:
        outcome, closed_on = "withdrawn", day(opened_on, 120, 500)
    elif result == "dismissed":
        outcome, closed_on = "lost", day(opened_on, 120, 500)
    elif concluded:
        outcome, closed_on = "recovered_in_part", day(opened_on, 300, 900)
    elif rng.random() < 0.03:
        outcome, closed_on = "other", day(opened_on, 30, 700)
    if closed_on is not None:
        stage = "closed"
        for proceeding in made.proceedings[-2:]:
            if proceeding.case_id == case_id:
                proceeding.is_active = False
    made.case_rows.append(
        (
            case_id,
            currency,
            claim_principal,
            claim_interest,
            claim_penalty,
            claim_fees,
            claim_total,
            opened_on,
            stage,
            outcome,
            closed_on is not None,
            closed_on,
            firm.pk if firm is not None else None,
        )
    )


def _write(made: _Made) -> None:
    from loanlit.cases.models import CostEntry, Judgment, JudgmentItem, Placement, Proceeding, Recovery
    from loanlit.core.bulk import bulk_insert
    from loanlit.enforcement.models import WriteOff

    # First instance before enforcement (an enforcement row ``follows`` its trial).
    trials = [p for p in made.proceedings if p.kind != "enforcement"]
    enforcements = [p for p in made.proceedings if p.kind == "enforcement"]
    bulk_insert(Proceeding, trials)
    for p in enforcements:
        p.follows_id = p.follows.pk
    bulk_insert(Proceeding, enforcements)
    for j in made.judgments:
        j.proceeding_id = j.proceeding.pk
    bulk_insert(Judgment, made.judgments)
    for i in made.items:
        i.judgment_id = i.judgment.pk
    bulk_insert(JudgmentItem, made.items)
    for c in made.costs:
        c.proceeding_id = c.proceeding.pk if c.proceeding is not None else None
    bulk_insert(CostEntry, made.costs)
    bulk_insert(Recovery, made.recoveries)
    bulk_insert(Placement, made.placements)
    bulk_insert(WriteOff, made.write_offs)
    params = ", ".join(["%s"] * len(CASE_UPDATE_COLUMNS))
    sql = f"INSERT INTO bench_dash_case ({', '.join(CASE_UPDATE_COLUMNS)}) VALUES ({params})"
    rows = made.case_rows
    if connection.vendor == "sqlite":
        rows = [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --- the live aggregate SQL the summaries replace -----------------------------------------------------------


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _days(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def _base_ctes() -> str:
    return f"""
WITH sc AS (
  SELECT c.id, c.claim_currency, c.claim_principal,
         c.claim_interest + c.claim_penalty + c.claim_compound + c.claim_fees AS claim_other,
         c.claim_total, c.is_closed, c.outcome, c.opened_on, c.closed_on, c.unit_path, c.cause_of_action,
         c.handler_id, c.law_firm_id, c.stage_id
  FROM cases_case c WHERE c.creditor_id = %s AND c.unit_path LIKE %s
),
ft AS (
  SELECT p.case_id, MAX(p.id) AS pid FROM cases_proceeding p JOIN sc ON sc.id = p.case_id
  WHERE p.kind IN {_in(TRIAL_KINDS)} AND p.result <> '' GROUP BY p.case_id
),
jd AS (
  SELECT ft.case_id, p.result, j.judged_on, COALESCE(j.adjudicated_amount, 0) AS adjudicated,
         COALESCE(SUM(CASE WHEN i.kind = 'principal' THEN i.amount END), 0) AS awarded_principal,
         COALESCE(SUM(CASE WHEN i.kind IN ('interest', 'penalty', 'compound', 'lawyer_fee') THEN i.amount END), 0)
           AS awarded_other
  FROM ft JOIN cases_proceeding p ON p.id = ft.pid
  LEFT JOIN cases_judgment j ON j.proceeding_id = p.id
  LEFT JOIN cases_judgmentitem i ON i.judgment_id = j.id
  GROUP BY ft.case_id, p.result, j.judged_on, j.adjudicated_amount
),
rc AS (
  SELECT r.case_id, SUM(r.amount) AS recovered, MIN(r.received_on) AS first_on,
         SUM(CASE WHEN r.after_write_off THEN r.amount ELSE 0 END) AS after_write_off,
         SUM(CASE WHEN r.source = 'settlement_in_kind' THEN r.amount ELSE 0 END) AS in_kind,
         SUM(CASE WHEN r.source = 'debt_transfer' THEN r.amount ELSE 0 END) AS transfer,
         SUM(CASE WHEN EXISTS (SELECT 1 FROM workflow_settlementpayment sp WHERE sp.recovery_id = r.id)
                  THEN r.amount ELSE 0 END) AS restructuring
  FROM cases_recovery r JOIN sc ON sc.id = r.case_id GROUP BY r.case_id
),
co AS (
  SELECT e.case_id, SUM(e.amount - e.refunded_amount) AS costs
  FROM cases_costentry e JOIN sc ON sc.id = e.case_id GROUP BY e.case_id
),
en AS (
  SELECT p.case_id, MAX(CASE WHEN p.result = 'terminated_for_now' THEN 1 ELSE 0 END) AS terminated
  FROM cases_proceeding p JOIN sc ON sc.id = p.case_id
  WHERE p.kind IN {_in(ENFORCEMENT_KINDS)} GROUP BY p.case_id
),
tm AS (SELECT DISTINCT t.case_id FROM enforcement_termination t JOIN sc ON sc.id = t.case_id),
wo AS (
  SELECT w.case_id, SUM(w.amount) AS amount FROM enforcement_writeoff w JOIN sc ON sc.id = w.case_id
  GROUP BY w.case_id
)"""


OUTCOME_SQL = """
CASE
  WHEN jd.result IN ('judgment', 'mediation') AND jd.awarded_principal >= sc.claim_principal
       AND jd.awarded_other >= sc.claim_other THEN 'won'
  WHEN jd.result IN ('judgment', 'mediation') AND jd.awarded_principal >= sc.claim_principal THEN 'partly_won'
  WHEN jd.result IN ('judgment', 'mediation', 'dismissed') THEN 'lost'
  WHEN jd.result IN ('withdrawn', 'paid')
       AND (COALESCE(rc.recovered, 0) >= sc.claim_total OR sc.outcome = 'recovered_in_full') THEN 'recovered_withdrawn'
  WHEN jd.result IN ('withdrawn', 'paid') THEN 'withdrawn'
  ELSE 'pending'
END"""


def _measures_sql() -> str:
    cny = "CASE WHEN sc.claim_currency = 'CNY' THEN {} ELSE 0 END"
    recovered = "COALESCE(rc.recovered, 0)"
    judged = _days("jd.judged_on", "sc.opened_on")
    first = _days("rc.first_on", "sc.opened_on")
    closed = _days("sc.closed_on", "sc.opened_on")
    sums = {
        "cases": "COUNT(*)",
        "open_cases": "SUM(CASE WHEN sc.is_closed THEN 0 ELSE 1 END)",
        "closed_cases": "SUM(CASE WHEN sc.is_closed THEN 1 ELSE 0 END)",
        "foreign_cases": "SUM(CASE WHEN sc.claim_currency = 'CNY' THEN 0 ELSE 1 END)",
        "adjudicated_cases": "SUM(CASE WHEN COALESCE(jd.adjudicated, 0) > 0 THEN 1 ELSE 0 END)",
        "recovered_cases": f"SUM(CASE WHEN {recovered} > 0 THEN 1 ELSE 0 END)",
        "enforcement_cases": "SUM(CASE WHEN en.case_id IS NULL THEN 0 ELSE 1 END)",
        "terminated_cases": "SUM(CASE WHEN en.terminated = 1 OR tm.case_id IS NOT NULL THEN 1 ELSE 0 END)",
        "written_off_cases": "SUM(CASE WHEN wo.case_id IS NULL THEN 0 ELSE 1 END)",
        **{o: f"SUM(CASE WHEN ({OUTCOME_SQL}) = '{o}' THEN 1 ELSE 0 END)" for o in ("won", "partly_won", "lost")},
        "claim": "SUM(" + cny.format("sc.claim_total") + ")",
        "claim_principal": "SUM(" + cny.format("sc.claim_principal") + ")",
        "adjudicated": "SUM(" + cny.format("COALESCE(jd.adjudicated, 0)") + ")",
        "recovered": "SUM(" + cny.format(recovered) + ")",
        "recovered_adjudicated": "SUM("
        + cny.format(f"CASE WHEN COALESCE(jd.adjudicated, 0) > 0 THEN {recovered} ELSE 0 END")
        + ")",
        "recovered_after_write_off": "SUM(" + cny.format("COALESCE(rc.after_write_off, 0)") + ")",
        "recovered_in_kind": "SUM(" + cny.format("COALESCE(rc.in_kind, 0)") + ")",
        "recovered_transfer": "SUM(" + cny.format("COALESCE(rc.transfer, 0)") + ")",
        "recovered_restructuring": "SUM(" + cny.format("COALESCE(rc.restructuring, 0)") + ")",
        "written_off_amount": "SUM(" + cny.format("COALESCE(wo.amount, 0)") + ")",
        "costs": "SUM(" + cny.format("COALESCE(co.costs, 0)") + ")",
        "judgment_days": f"SUM(CASE WHEN {judged} >= 0 THEN {judged} ELSE 0 END)",
        "judgment_n": f"SUM(CASE WHEN {judged} >= 0 THEN 1 ELSE 0 END)",
        "recovery_days": f"SUM(CASE WHEN {first} >= 0 THEN {first} ELSE 0 END)",
        "recovery_n": f"SUM(CASE WHEN {first} >= 0 THEN 1 ELSE 0 END)",
        "close_days": f"SUM(CASE WHEN {closed} >= 0 THEN {closed} ELSE 0 END)",
        "close_n": f"SUM(CASE WHEN {closed} >= 0 THEN 1 ELSE 0 END)",
    }
    # The outcome classes that are not a trial outcome are counted too (the outcome widget shows them).
    for o in ("recovered_withdrawn", "withdrawn", "pending"):
        sums[o] = f"SUM(CASE WHEN ({OUTCOME_SQL}) = '{o}' THEN 1 ELSE 0 END)"
    return ",\n  ".join(f"{expr} AS {name}" for name, expr in sums.items())


BASE_JOINS = """
FROM sc
LEFT JOIN jd ON jd.case_id = sc.id
LEFT JOIN rc ON rc.case_id = sc.id
LEFT JOIN co ON co.case_id = sc.id
LEFT JOIN en ON en.case_id = sc.id
LEFT JOIN tm ON tm.case_id = sc.id
LEFT JOIN wo ON wo.case_id = sc.id"""

# Per dimension: (extra CTE, extra joins, the key expression).
COURT_CTE = f""",
pc AS (
  SELECT p.case_id, COALESCE(MAX(CASE WHEN p.kind IN {_in(TRIAL_KINDS)} THEN p.id END), MAX(p.id)) AS pid
  FROM cases_proceeding p JOIN sc ON sc.id = p.case_id WHERE p.court_id IS NOT NULL GROUP BY p.case_id
)"""
COURT_JOIN = """
LEFT JOIN pc ON pc.case_id = sc.id
LEFT JOIN cases_proceeding pcp ON pcp.id = pc.pid
LEFT JOIN cases_court ct ON ct.id = pcp.court_id"""


def _dimension_sql(dimension: str, scope_path: str) -> tuple[str, str, str]:
    if dimension == "court_province":
        return COURT_CTE, COURT_JOIN, "SUBSTR(ct.region_code, 1, 2)"
    if dimension == "court":
        return COURT_CTE, COURT_JOIN, "ct.id"
    if dimension == "branch":
        return "", "", f"SUBSTR(sc.unit_path, 1, {len(scope_path) + 5})"
    if dimension == "product":
        cte = """,
fl AS (SELECT cl.case_id, MIN(cl.id) AS link_id FROM cases_caseloan cl JOIN sc ON sc.id = cl.case_id
       GROUP BY cl.case_id)"""
        joins = """
LEFT JOIN fl ON fl.case_id = sc.id
LEFT JOIN cases_caseloan fcl ON fcl.id = fl.link_id
LEFT JOIN loans_loancontract ln ON ln.id = fcl.loan_id"""
        return cte, joins, "ln.product"
    if dimension == "position":
        cte = """,
cp AS (SELECT p.case_id, COALESCE(MAX(CASE WHEN p.is_active THEN p.id END), MAX(p.id)) AS pid
       FROM cases_proceeding p JOIN sc ON sc.id = p.case_id GROUP BY p.case_id)"""
        joins = """
LEFT JOIN cp ON cp.case_id = sc.id
LEFT JOIN cases_proceeding cpp ON cpp.id = cp.pid"""
        key = (
            "CASE WHEN cpp.id IS NULL THEN 'not_in_court' "
            f"WHEN cpp.kind IN {_in(ENFORCEMENT_KINDS)} AND cpp.result = 'terminated_for_now' "
            "THEN 'enforcement_terminated_for_now' ELSE cpp.kind END"
        )
        return cte, joins, key
    simple = {
        "cause": "sc.cause_of_action",
        "handler": "sc.handler_id",
        "law_firm": "sc.law_firm_id",
        "stage": "sc.stage_id",
        "outcome": OUTCOME_SQL,
        "cohort": _month("sc.opened_on"),
    }
    return "", "", simple[dimension]


# The borrower's registered province comes from the encrypted resident ID (decrypted by the facts builder):
# no SQL over the base tables can group by it, so the floor has one breakdown fewer than the dashboard.
FLOOR_DIMENSIONS = (
    "court_province",
    "branch",
    "court",
    "product",
    "cause",
    "handler",
    "law_firm",
    "stage",
    "position",
    "outcome",
    "cohort",
)


def _floor_queries(*, creditor_id: int, scope_path: str, today: date) -> list[tuple[str, list[Any]]]:
    """The statements a live dashboard would run for one scope (no summaries, no facts)."""
    scope = [creditor_id, scope_path + "%"]
    measures = _measures_sql()
    queries = [(f"{_base_ctes()}\nSELECT\n  {measures}{BASE_JOINS}", scope)]
    for dimension in FLOOR_DIMENSIONS:
        cte, joins, key = _dimension_sql(dimension, scope_path)
        sql = f"{_base_ctes()}{cte}\nSELECT {key} AS k,\n  {measures}{BASE_JOINS}{joins}\nGROUP BY {key}"
        queries.append((sql, scope))
    # Aging of open cases by filing month (bucketed by whole months afterwards).
    queries.append(
        (
            f"SELECT {_month('c.opened_on')}, COUNT(*) FROM cases_case c "
            "WHERE c.creditor_id = %s AND c.unit_path LIKE %s AND NOT c.is_closed GROUP BY 1",
            scope,
        )
    )
    # Cycle-time medians: the days histogram of each milestone.
    judged = _days("j.judged_on", "c.opened_on")
    queries.append(
        (
            f"""SELECT {judged} AS d, COUNT(*) FROM cases_case c
            JOIN (SELECT p.case_id, MAX(p.id) AS pid FROM cases_proceeding p
                  WHERE p.kind IN {_in(TRIAL_KINDS)} AND p.result <> '' GROUP BY p.case_id) ft ON ft.case_id = c.id
            JOIN cases_judgment j ON j.proceeding_id = ft.pid
            WHERE c.creditor_id = %s AND c.unit_path LIKE %s AND {judged} >= 0 GROUP BY 1""",
            scope,
        )
    )
    first = _days("r.first_on", "c.opened_on")
    queries.append(
        (
            f"""SELECT {first} AS d, COUNT(*) FROM cases_case c
            JOIN (SELECT case_id, MIN(received_on) AS first_on FROM cases_recovery GROUP BY case_id) r
              ON r.case_id = c.id
            WHERE c.creditor_id = %s AND c.unit_path LIKE %s AND {first} >= 0 GROUP BY 1""",
            scope,
        )
    )
    closed = _days("c.closed_on", "c.opened_on")
    queries.append(
        (
            f"""SELECT {closed} AS d, COUNT(*) FROM cases_case c
            WHERE c.creditor_id = %s AND c.unit_path LIKE %s AND c.closed_on IS NOT NULL AND {closed} >= 0
            GROUP BY 1""",
            scope,
        )
    )
    # Regional overdue signal: loans that fell overdue per province and month, the last seven months.
    since = (today.replace(day=1) - timedelta(days=200)).replace(day=1)
    queries.append(
        (
            f"""SELECT SUBSTR(u.region_code, 1, 2), {_month("l.overdue_since")}, COUNT(*)
            FROM loans_loancontract l JOIN core_orgunit u ON u.id = l.unit_id
            WHERE l.creditor_id = %s AND l.unit_path LIKE %s AND l.overdue_since >= %s GROUP BY 1, 2""",
            [*scope, since.isoformat() if connection.vendor == "sqlite" else since],
        )
    )
    return queries


def _run_queries(queries: list[tuple[str, list[Any]]]) -> Callable[[], object]:
    def run() -> object:
        out = []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The cheapest honest floor: PostgreSQL's JIT would spend about a second compiling each of
                # these (their estimated cost is far above jit_above_cost) and win nothing back.
                cursor.execute("SET jit = off")
            try:
                for sql, params in queries:
                    cursor.execute(sql, params)
                    out.append(cursor.fetchall())
            finally:
                if connection.vendor == "postgresql":
                    cursor.execute("RESET jit")
        return out

    return run


def _floor_totals(queries: list[tuple[str, list[Any]]]) -> dict[str, int]:
    with connection.cursor() as cursor:
        sql, params = queries[0]
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


# --- the product's path -------------------------------------------------------------------------------------


def _selectors(user: Any) -> Callable[[], object]:
    from loanlit.reports.definitions import DIMENSIONS
    from loanlit.reports.filters import StatsFilters
    from loanlit.reports.selectors import stats

    filters = StatsFilters()

    def run() -> object:
        out: list[object] = [stats.stats_for_user(user=user, filters=filters)]
        for code in DIMENSIONS:
            out.append(stats.breakdown_for_user(user=user, filters=filters, dimension=code))
        out.append(stats.aging_for_user(user=user, filters=filters))
        out.append(stats.cycle_times_for_user(user=user, filters=filters))
        out.append(stats.regional_signal_for_user(user=user, filters=filters))
        out.append(stats.firm_ranking_for_user(user=user, filters=filters))
        return out

    return run


def _view(user: Any, url: str) -> Callable[[], object]:
    from django.test import Client

    client = Client()
    client.force_login(user)

    def run() -> object:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    return run


def _queries_of(fn: Callable[[], object]) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


# The page by hand over the facts (filtered on the fact column, newest first): case, stage and fact
# columns, then the borrowers of the page's cases (what the view's prefetch fetches): two statements.
LIST_SQL = """
SELECT c.*, s.*, cf.*
FROM reports_casefact cf
JOIN cases_case c ON c.id = cf.case_id
JOIN cases_casestage s ON s.code = c.stage_id
WHERE cf.creditor_id = %s AND cf.unit_path LIKE %s AND cf.{column} = %s
ORDER BY cf.opened_on DESC, cf.case_id DESC
LIMIT 51
"""
BORROWERS_SQL = """
SELECT cl.case_id, p.*
FROM cases_caseloan cl
JOIN loans_loanparty lp ON lp.loan_id = cl.loan_id AND lp.role = 'borrower'
JOIN parties_party p ON p.id = lp.party_id
WHERE cl.active AND cl.case_id IN ({ids})
ORDER BY cl.id, lp.position, lp.id
"""


def _hand_page(creditor_id: int, path: str, column: str, key: Any) -> Callable[[], object]:
    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(LIST_SQL.format(column=column), [creditor_id, path + "%", key])
            rows = cursor.fetchall()
            ids = [row[0] for row in rows]
            if ids:
                cursor.execute(BORROWERS_SQL.format(ids=", ".join(["%s"] * len(ids))), ids)
                cursor.fetchall()
        return rows

    return run


def _drill(user: Any, dimension: str, key: str) -> tuple[Callable[[], object], Any]:
    """Page 1 as the drill-down view builds it: the facts and stage joined, the borrowers prefetched."""
    from loanlit.cases import selectors as case_selectors
    from loanlit.reports.filters import StatsFilters
    from loanlit.reports.selectors.drilldown import drilldown_for_user

    filters = StatsFilters()

    def queryset() -> Any:
        qs = drilldown_for_user(user=user, filters=filters, dimension=dimension, key=key)
        return qs.select_related("stage", "fact")

    def run() -> object:
        page = case_selectors.keyset_page(case_selectors.with_borrowers(queryset()), size=PAGE)
        # The columns the list shows (from the joined and prefetched rows: no query per row).
        return [
            (
                c.internal_no,
                [(p.name, p.identity_display) for p in case_selectors.borrowers_of(c)],
                c.stage.label,
                c.fact.position if c.fact else "",
                c.claim_total,
                c.fact.adjudicated if c.fact else None,
                c.fact.recovered if c.fact else None,
            )
            for c in page.items
        ]

    return run, queryset


def _raw(sql: str, params: list[Any]) -> Callable[[], object]:
    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


# --- run ----------------------------------------------------------------------------------------------------


def run(smoke: bool) -> list[Figure]:
    from loanlit.cases.models import Case
    from loanlit.reports.filters import StatsFilters
    from loanlit.reports.models import CaseFact, CycleDays, SummaryRow
    from loanlit.reports.services import facts, summaries

    # Every test-client sign-in logs a line (django-axes) and whitenoise warns about the uncollected
    # static root: neither is a figure.
    logging.getLogger("axes").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")
    count = _size(smoke)
    ctx = _setup(count, smoke)
    runs = 3 if smoke else RUNS
    creditor, head, units = ctx["creditor"], ctx["head"], ctx["units"]
    all_cases = Case.objects.count()
    figures: list[Figure] = []

    # Rebuilds. facts_rebuild_all covers every case in the database (earlier benches' too).
    seconds, written = _once(facts.facts_rebuild_all)
    summary_rows, cycle_rows = SummaryRow.objects.count(), CycleDays.objects.count()
    figures.append(
        Figure(
            f"facts_rebuild_all (facts, then every summary table): {written:,} cases ({all_cases:,} in the "
            f"database, {count:,} this bench's) -> {summary_rows:,} summary rows + {cycle_rows:,} cycle-day rows",
            int(written),
            seconds,
        )
    )
    seconds, rows = _once(summaries.summaries_rebuild_all)
    figures.append(
        Figure(f"summaries_rebuild_all alone from {written:,} facts: {rows:,} rows written", int(rows), seconds)
    )
    seconds, rows = _once(summaries.loan_defaults_rebuild)
    figures.append(Figure(f"loan_defaults_rebuild: {rows:,} province-month rows", int(rows), seconds))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # The dashboard: whole view and selectors alone, against the live SQL over the base tables.
    today = timezone.localdate()
    for label, user, unit in (
        ("head-office user", ctx["manager"], head),
        ("branch user", ctx["branch_user"], units[BRANCH_USER_UNIT]),
    ):
        in_scope = CaseFact.objects.filter(creditor=creditor, unit_path__startswith=unit.path).count()
        queries = _floor_queries(creditor_id=creditor.pk, scope_path=unit.path, today=today)
        floor = _run_queries(queries)
        # Seconds per run at volume (and the rebuild has just read the same pages): one run, no warm-up.
        floor_seconds = _median(floor, 3) if smoke else _median(floor, 1, warm=False)
        selectors = _selectors(user)
        _check_totals(selectors, queries, label)
        selector_seconds = _median(selectors, runs)
        selector_queries = _queries_of(selectors)
        view = _view(user, "/dashboard/")
        view_seconds = _median(view, runs)
        view_queries = _queries_of(view)
        verdict = "ok" if view_seconds * 1000 <= TARGET_DASHBOARD_MS else "MISSES TARGET"
        figures.append(
            Figure(
                f"dashboard view GET /dashboard/, {label}, {in_scope:,} cases in scope: median "
                f"{_ms(view_seconds)}, {view_queries} queries [target <= {TARGET_DASHBOARD_MS:.0f} ms: {verdict}]",
                1,
                view_seconds,
                f"live SQL over base tables, {len(queries)} statements",
                floor_seconds,
            )
        )
        figures.append(
            Figure(
                f"dashboard selectors alone (stats, {len(_dimension_codes())} breakdowns, aging, cycle times, signal, "
                f"ranking), {label}: median {_ms(selector_seconds)}, {selector_queries} queries",
                1,
                selector_seconds,
                "live SQL over base tables",
                floor_seconds,
            )
        )

    # Drill-down: page 1 of the cases behind a figure.
    court_id = (
        CaseFact.objects.filter(creditor=creditor, unit_path__startswith=units["BSGD1"].path)
        .exclude(court=None)
        .values_list("court_id", flat=True)
        .first()
    )
    for label, user, unit, dimension, key, column in (
        ("head-office user, region=Guangdong", ctx["manager"], head, "court_province", "44", "court_province"),
        ("head-office user, outcome=won", ctx["manager"], head, "outcome", "won", "outcome_class"),
        ("branch user, court", ctx["branch_user"], units[BRANCH_USER_UNIT], "court", str(court_id), "court_id"),
    ):
        selector, queryset = _drill(user, dimension, key)
        sql, sql_params = queryset().order_by("-opened_on", "-pk")[: PAGE + 1].query.sql_with_params()
        floor = _raw(sql, list(sql_params))
        hand = _hand_page(creditor.pk, unit.path, column, int(key) if column == "court_id" else key)
        rows = selector()
        expected = hand()
        assert len(rows) == min(PAGE, len(expected)), (label, len(rows), len(expected))  # type: ignore[arg-type]
        seconds = _median(selector, runs)
        selector_queries = _queries_of(selector)
        floor_seconds = _median(floor, runs)
        hand_seconds = _median(hand, runs)
        url = f"/dashboard/cases/?{StatsFilters().query(dimension=dimension, key=key)}"
        view = _view(user, url)
        view_seconds = _median(view, runs)
        view_queries = _queries_of(view)
        verdict = "ok" if seconds * 1000 <= TARGET_DRILL_MS else "MISSES TARGET"
        figures.append(
            Figure(
                f"drill-down page 1, {label}: {len(rows)} rows, median {_ms(seconds)}, {selector_queries} queries "
                f"[target <= {TARGET_DRILL_MS:.0f} ms: {verdict}; hand-written SQL (page over the facts + borrowers) "
                f"{_ms(hand_seconds)}; whole view {_ms(view_seconds)}, {view_queries} queries]",
                1,
                seconds,
                "selector's page SQL, raw cursor",
                floor_seconds,
            )
        )

    # One on-write refresh: the facts of one case, its cells and its unit's cycle counts.
    branch_cases = Case.objects.filter(creditor=creditor, unit_path__startswith=units["BSSH1"].path).order_by("pk")
    case_id = branch_cases.values_list("pk", flat=True)[branch_cases.count() // 2]
    seconds = _median(lambda: facts.facts_refresh(case_ids=[case_id]), runs)
    queries_one = _queries_of(lambda: facts.facts_refresh(case_ids=[case_id]))
    figures.append(
        Figure(
            f"on-write refresh facts_refresh(one case) with its cells and cycle counts: median {_ms(seconds)}, "
            f"{queries_one} queries",
            1,
            seconds,
        )
    )
    return figures


def _dimension_codes() -> list[str]:
    from loanlit.reports.definitions import DIMENSIONS

    return list(DIMENSIONS)


def _check_totals(selectors: Callable[[], object], queries: list[tuple[str, list[Any]]], label: str) -> None:
    """The summaries and the live SQL count the same cases and the same money: a wrong bench is worse than none."""
    results = selectors()
    totals = results[0].totals  # type: ignore[index]
    live = _floor_totals(queries)
    wrong = []
    for name, value in live.items():
        mine = getattr(totals, name)
        expected: Any = value or 0
        if isinstance(mine, Decimal):
            expected = Decimal(expected).scaleb(-2)
        if mine != expected:
            wrong.append(f"{name}: dashboard {mine}, live SQL {expected}")
    assert not wrong, f"{label}: " + "; ".join(wrong)
