"""The case list at volume (issue 4): server time of ``case_list_for_user`` + page 1 next to raw SQL.

Sizes: BENCH_CASES cases (default 100,000 on SQLite, the embedded ceiling, and 1,000,000 on
PostgreSQL); ``--smoke`` 500. Data comes from ``generate_cases`` (the batch services). Each figure is
the median of several runs of: build the selector's queryset and evaluate page 1 (50 rows, with the
related rows the list shows). The floor is the equivalent hand-written SQL (same scope, filter, order
and joins) run through the same connection. Target: ≤ 50 ms and within 2× the floor.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

from bench.common import Figure

SMOKE = 500
SQLITE_DEFAULT = 100_000
POSTGRES_DEFAULT = 1_000_000
PAGE = 50
RUNS = 15
TARGET_MS = 50.0
TARGET_RATIO = 2.0


def _size(smoke: bool) -> int:
    if smoke:
        return SMOKE
    default = POSTGRES_DEFAULT if connection.vendor == "postgresql" else SQLITE_DEFAULT
    return int(os.environ.get("BENCH_CASES", default))


def _median(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm caches and the query plan
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _setup(count: int) -> dict[str, Any]:
    from loanlit.accounts import services as accounts
    from loanlit.cases.management.commands.generate_cases import generate_cases

    creditor = accounts.creditor_create(
        actor=None, code="BENCH", name="Bench Bank", kind="bank", legal_name="Bench Bank Co., Ltd."
    )
    head = accounts.org_unit_create(actor=None, code="BH", name="Bench head office", kind="head_office")
    units = {}
    for code, region, parent in (("BB", "110000", head), ("BC", "110105", None), ("BG", "440000", head)):
        units[code] = accounts.org_unit_create(
            actor=None,
            code=code,
            name=f"Bench {code}",
            kind="sub_branch" if parent is None else "branch",
            parent=parent or units["BB"],
            region_code=region,
        )
    admin = accounts.user_create(
        actor=None,
        username="bench.admin",
        password=None,
        role_code="administrator",
        unit=head,
        creditors=[creditor],
        is_superuser=True,
    )
    manager = accounts.user_create(
        actor=None, username="bench.manager", password=None, role_code="legal_manager", unit=head, creditors=[creditor]
    )
    for code in ("BB", "BG"):
        accounts.user_create(
            actor=None,
            username=f"bench.handler.{code.lower()}",
            password=None,
            role_code="case_handler",
            unit=units[code],
            creditors=[creditor],
        )
    started = time.perf_counter()
    result = generate_cases(actor=admin, creditor=creditor, count=count, seed=7, chunk=2000, proceeding_share=0.02)
    print(
        f"   generated {result.cases:,} cases ({result.proceedings:,} with a proceeding) in "
        f"{time.perf_counter() - started:.1f}s = {result.rate:,.0f} cases/s ({connection.vendor})"
    )
    # Fresh bulk-loaded tables have no planner statistics; production gets them from the periodic
    # ANALYZE (PostgreSQL autovacuum; SQLite needs it scheduled), so measure with them in place.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"creditor": creditor, "manager": manager, "units": units}


def _raw(sql: str, params: list[Any]) -> Callable[[], object]:
    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


# The columns and joins the list shows: case, handling unit, handler, stage, creditor, law firm.
LIST_SQL = """
SELECT c.*, u.*, h.*, s.*, cr.*, f.*
FROM cases_case c
JOIN core_orgunit u ON u.id = c.handling_unit_id
LEFT JOIN accounts_user h ON h.id = c.handler_id
JOIN cases_casestage s ON s.code = c.stage_id
JOIN core_creditor cr ON cr.id = c.creditor_id
LEFT JOIN cases_lawfirm f ON f.id = c.law_firm_id
WHERE c.creditor_id = %s AND c.unit_path LIKE %s {extra}
ORDER BY c.opened_on DESC, c.id DESC
LIMIT 50
"""

# Cases whose linked loan has a borrower among the matching parties (the selector's party route),
# written index-first: the matching parties drive, not a correlated EXISTS per case.
PARTY_SQL = """
AND c.id IN (
  SELECT cl.case_id FROM cases_caseloan cl
  JOIN loans_loanparty lp ON lp.loan_id = cl.loan_id
  JOIN parties_party p ON p.id = lp.party_id
  WHERE cl.unlinked_on IS NULL AND p.creditor_id = %s AND {party}
)
"""


def run(smoke: bool) -> list[Figure]:
    from loanlit.cases.selectors import CaseFilters, case_list_for_user
    from loanlit.core.fields import pd_exact, reveal
    from loanlit.parties.models import Party

    count = _size(smoke)
    ctx = _setup(count)
    user, creditor, units = ctx["manager"], ctx["creditor"], ctx["units"]
    root = units["BB"].parent  # head office: the manager's scope
    sample = Party.objects.filter(creditor=creditor).order_by("pk")[count // 2]
    id_number = reveal(sample, "id_number") or ""
    name_prefix = sample.name_normalized[:2]
    hmac_attr, hmac_value = next(iter(pd_exact(Party, "id_number", id_number).items()))
    hmac_column = Party._meta.get_field(hmac_attr).column

    cases: list[tuple[str, CaseFilters, str, list[Any]]] = [
        ("default order", CaseFilters(), "", []),
        (
            "stage=filed + unit=BB subtree",
            CaseFilters(stage="filed", unit=units["BB"].pk),
            "AND c.stage_id = %s AND c.unit_path LIKE %s",
            ["filed", units["BB"].path + "%"],
        ),
        (
            "search ID number (HMAC exact)",
            CaseFilters(q=id_number),
            PARTY_SQL.format(party=f"p.{hmac_column} = %s"),
            [creditor.pk, hmac_value],
        ),
        (
            f"search name prefix ({len(name_prefix)} chars)",
            CaseFilters(q=name_prefix),
            PARTY_SQL.format(party="p.name_normalized LIKE %s"),
            [creditor.pk, name_prefix + "%"],
        ),
    ]
    figures = []
    runs = 3 if smoke else RUNS
    for name, filters, extra, params in cases:

        def selector(filters: CaseFilters = filters) -> object:
            return list(case_list_for_user(user=user, filters=filters)[:PAGE])

        # Floor: the selector's own SQL through a bare cursor (what the ORM adds on top of the database).
        sql, sql_params = case_list_for_user(user=user, filters=filters)[:PAGE].query.sql_with_params()
        floor = _raw(sql, list(sql_params))
        # And the hand-written, index-first SQL: what the database could do with the same question.
        hand = _raw(LIST_SQL.format(extra=extra), [creditor.pk, root.path + "%", *params])
        rows = selector()
        if not smoke:
            assert len(rows) == len(floor()) == len(hand()), (name, len(rows))
        seconds = _median(selector, runs)
        floor_seconds = _median(floor, runs)
        hand_seconds = _median(hand, runs)
        ms = seconds * 1000
        ratio = seconds / floor_seconds if floor_seconds else float("inf")
        verdict = "ok" if ms <= TARGET_MS and ratio <= TARGET_RATIO else "MISSES TARGET"
        figures.append(
            Figure(
                f"case list, {name}: {len(rows)} rows, median {ms:.1f} ms of {count:,} cases "
                f"[target <= {TARGET_MS:.0f} ms and <= {TARGET_RATIO:.0f}x raw: {verdict}; "
                f"hand-written index-first SQL {hand_seconds * 1000:.1f} ms]",
                1,
                seconds,
                "selector's SQL, raw cursor",
                floor_seconds,
            )
        )
    return figures
