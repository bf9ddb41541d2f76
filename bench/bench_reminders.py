"""One reminder scan over BENCH_DEADLINES open deadlines (default 1,000,000; ``--smoke`` 1,000).

Deadlines are inserted with one bulk SQL statement (generate_series on PostgreSQL, a recursive CTE on
SQLite), their reminder dates spread evenly from 30 days ago to three years ahead, all open, all
with a responsible user. The figure is ``reminders_scan`` (one set-based INSERT … SELECT for every
channel and the overdue escalations on PostgreSQL; one per channel elsewhere) on a fresh day; the
floor is the raw SQL of the due-query alone (the open deadlines whose reminder date falls in the
next 30 days or which became overdue in the last 7). Target: ≤ 1 s.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from django.db import connection
from django.utils import timezone

from bench.common import Figure

SMOKE = 1_000
DEFAULT = 1_000_000
SPREAD_DAYS = 3 * 365
PAST_DAYS = 30
TARGET_SECONDS = 1.0
KINDS = ("answer", "appeal", "enforcement_application", "fee_payment", "trial_limit", "preservation_renewal")


def _size(smoke: bool) -> int:
    return SMOKE if smoke else int(os.environ.get("BENCH_DEADLINES", DEFAULT))


def _setup() -> dict[str, Any]:
    from loanlit.accounts import services as accounts
    from loanlit.cases.management.commands.generate_cases import generate_cases

    creditor = accounts.creditor_create(
        actor=None, code="BENCH-R", name="Bench Bank", kind="bank", legal_name="Bench Bank Co., Ltd."
    )
    head = accounts.org_unit_create(actor=None, code="BRH", name="Bench head office", kind="head_office")
    branch = accounts.org_unit_create(actor=None, code="BRB", name="Bench branch", kind="branch", parent=head)
    admin = accounts.user_create(
        actor=None,
        username="bench.r.admin",
        password=None,
        role_code="administrator",
        unit=head,
        creditors=[creditor],
        is_superuser=True,
    )
    manager = accounts.user_create(
        actor=None,
        username="bench.r.manager",
        password=None,
        role_code="legal_manager",
        unit=head,
        creditors=[creditor],
    )
    handler = accounts.user_create(
        actor=None,
        username="bench.r.handler",
        password=None,
        role_code="case_handler",
        unit=branch,
        creditors=[creditor],
    )
    from loanlit.accounts.models import User

    User.objects.filter(pk=handler.pk).update(email="handler@bench.example")
    # With an address the manager's overdue escalations go by e-mail too (in-app only without one).
    User.objects.filter(pk=manager.pk).update(email="manager@bench.example")
    generate_cases(actor=admin, creditor=creditor, count=20, seed=11, chunk=20, proceeding_share=0.0)
    from loanlit.cases.models import Case

    case = Case.objects.filter(creditor=creditor).order_by("pk").first()
    assert case is not None
    return {"creditor": creditor, "handler": handler, "case": case}


def _insert_deadlines(count: int, *, today: dt.date, world: dict[str, Any]) -> None:
    """Bulk SQL: ``count`` open deadlines, reminder dates spread over [today − 30, today + 3 years)."""
    case = world["case"]
    now = timezone.now()
    kinds = "CASE (n %% {k}) {whens} END".format(
        k=len(KINDS), whens=" ".join(f"WHEN {i} THEN '{kind}'" for i, kind in enumerate(KINDS))
    )
    start = today - dt.timedelta(days=PAST_DAYS)
    count = int(count)
    if connection.vendor == "postgresql":
        series = f"SELECT generate_series(0, {count - 1}) AS n"
        day = f"(%s::date + (n %% {SPREAD_DAYS}))"
        first: Any = start
    else:
        series = (
            f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < {count}) SELECT n FROM s"
        )
        day = f"date(%s, '+' || (n %% {SPREAD_DAYS}) || ' days')"
        first = start.isoformat()
    sql = f"""
        INSERT INTO deadlines_deadline (
            created_at, updated_at, version, kind, rule, source_key, due_on, rolled, confirmed,
            reminder_date, explanation, status, overridden, override_reason, note, unit_path,
            case_id, creditor_id, responsible_id)
        SELECT %s, %s, 1, {kinds}, '', '', {day}, false, true,
            {day}, '[]', 'open', false, '', '', %s, %s, %s, %s
        FROM ({series}) AS g
    """
    params = [now, now, first, first, case.unit_path, case.pk, world["creditor"].pk, world["handler"].pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE deadlines_deadline")
        else:
            cursor.execute("ANALYZE")


DUE_SQL = """
SELECT d.id, d.responsible_id FROM deadlines_deadline d
WHERE (d.status = 'open' AND d.reminder_date BETWEEN %s AND %s)
   OR (d.status IN ('open', 'missed') AND d.due_on BETWEEN %s AND %s)
"""


def _floor(today: dt.date) -> float:
    params: list[Any] = [
        today,
        today + dt.timedelta(days=30),
        today - dt.timedelta(days=7),
        today - dt.timedelta(days=1),
    ]
    if connection.vendor == "sqlite":
        params = [p.isoformat() for p in params]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(DUE_SQL, params)
        rows = cursor.fetchall()
    elapsed = time.perf_counter() - started
    print(f"   due-query floor: {len(rows):,} due rows")
    return elapsed


def run(smoke: bool) -> list[Figure]:
    from loanlit.deadlines.models import ReminderDelivery
    from loanlit.deadlines.services import reminders

    count = _size(smoke)
    today = timezone.localdate()
    world = _setup()
    started = time.perf_counter()
    _insert_deadlines(count, today=today, world=world)
    print(f"   inserted {count:,} open deadlines in {time.perf_counter() - started:.1f}s ({connection.vendor})")
    floor = _floor(today)
    started = time.perf_counter()
    result = reminders.reminders_scan(today=today)
    elapsed = time.perf_counter() - started
    inserted = ReminderDelivery.objects.count()
    assert inserted == result.total, (inserted, result)
    rescan_started = time.perf_counter()
    again = reminders.reminders_scan(today=today)
    rescan = time.perf_counter() - rescan_started
    assert again.total == 0
    verdict = "within" if elapsed <= TARGET_SECONDS else "OVER"
    print(
        f"   scan inserted {result.total:,} reminders ({result.escalations:,} escalations); "
        f"target ≤ {TARGET_SECONDS:.0f} s: {verdict} ({elapsed:.3f}s); repeated scan {rescan:.3f}s"
    )
    return [
        Figure(f"reminder scan over {count:,} open deadlines", count, elapsed, "raw due-query SQL", floor),
        Figure(f"repeated scan (nothing new) over {count:,}", count, rescan, "raw due-query SQL", floor),
    ]
