"""Importing a loan file (issue 6): the pipeline next to its floor and to django-import-export.

The file: ``bench/gen_import_file.py`` — BENCH_IMPORT_ROWS rows (default 100,000; ``--smoke``
2,000) in the standard template's Chinese headers, 3 % bad rows. Three measurements, each in a fresh
subprocess on its own copy of one prepared database (migrated, with a creditor, four branches and an
administrator), so that time and peak RSS belong to that run alone:

* **pipeline** — ``loanlit.imports.services.import_file`` (preset "loanlit", kind "loans"): read
  with python-calamine, map, convert every cell, validate, classify, then ``loans_import_batch`` and
  ``cases_open_batch`` chunk by chunk: parties, contacts, loans, loan parties, snapshots, one case
  per contract, events and the audit hash chains.
* **floor** — the same good rows (the generator knows which are bad) read with python-calamine and
  written with multi-row ``INSERT … RETURNING`` into the same tables — parties (one per distinct ID),
  phone and address contacts, loans, loan parties, snapshots, cases and case loans — with the
  personal data encrypted and HMAC'd as the models require (``PersonalDataField.encode``). No
  validation, no audit entries, no events, no import records, no duplicate checks against the
  database: the cheapest honest way to get the same rows in.
* **django-import-export** 4.4 — a ``ModelResource`` for ``LoanContract`` reading the same file
  through tablib/openpyxl, row by row (its default mode, inside one transaction); its hooks create
  the borrower party with the same encrypted ID and mobile, the loan party link and the balance
  snapshot (a borrower already on file is looked up by the ID's HMAC, one query per row). What it does
  not do: open cases, events, audit, the address contact, ID checksum checks (a bad-checksum row is
  imported), Chinese choice words beyond a plain lookup table.

Targets (2 cores): pipeline ≤ 60 s for 100,000 rows, ≤ 3× the floor, peak RSS ≤ 500 MB, well ahead
of django-import-export. SQLite by default; BENCH_DATABASE_URL (e.g. postgres://…) for another
database. BENCH_IMPORT_EXPORT_ROWS caps the rows django-import-export gets (default: all), since
it is by far the slowest; its rate is then measured on that many rows. BENCH_IMPORTS_MEASURES
(e.g. "pipeline,floor") runs only some of the three; BENCH_PROFILE=PATH writes cProfile stats of
each measure to PATH.<measure>.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import Figure  # noqa: E402

SMOKE_ROWS = 2_000
FULL_ROWS = 100_000
TARGET_SECONDS = 60.0  # for 100,000 rows
TARGET_FLOOR_RATIO = 3.0
TARGET_RSS_MB = 500.0
CREDITOR = "BENCH"
ADMIN = "bench.admin"
# Branches as in the demo's names.json (the generator draws ID regions and addresses from it).
UNITS = (("BJ", "110000", "branch"), ("BJ-CY", "110105", "sub_branch"), ("GD", "440000", "branch"))
UNITS += (("GD-TH", "440106", "sub_branch"),)
PARENT = {"BJ-CY": "BJ", "GD-TH": "GD"}
RESULT_MARK = "BENCH-RESULT "
MEASURES = ("pipeline", "floor", "import_export")


# --- the parent: file, prepared database, one subprocess per measurement ------------------------------


def _rows(smoke: bool) -> int:
    return SMOKE_ROWS if smoke else int(os.environ.get("BENCH_IMPORT_ROWS", FULL_ROWS))


def _file(rows: int) -> tuple[Path, Path]:
    """The generated file and its list of bad rows, cached under var/bench (regenerated when the
    generator is newer)."""
    from bench import gen_import_file

    folder = ROOT / "var" / "bench"
    path = folder / f"loans-{rows}.xlsx"
    bad_path = folder / f"loans-{rows}.bad.json"
    source = Path(gen_import_file.__file__).stat().st_mtime
    if not path.is_file() or not bad_path.is_file() or path.stat().st_mtime < source:
        started = time.perf_counter()
        made = gen_import_file.generate(path, rows)
        bad_path.write_text(json.dumps({str(k): v for k, v in made.bad.items()}), encoding="utf-8")
        print(
            f"   generated {path.name}: {rows:,} rows, {len(made.bad):,} bad, in {time.perf_counter() - started:.1f}s"
        )
    return path, bad_path


def _child_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env["LOANLIT_TESTING"] = "true"
    if os.environ.get("BENCH_DATABASE_URL"):
        env["LOANLIT_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    env["BENCH_IMPORTS_WORKDIR"] = str(workdir)
    return env


def _child(mode: str, workdir: Path, *args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.bench_imports", mode, *args]
    done = subprocess.run(command, cwd=ROOT, env=_child_env(workdir), capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])  # type: ignore[no-any-return]
    tail = (done.stderr or done.stdout).strip().splitlines()[-15:]
    raise RuntimeError(f"bench_imports {mode} failed (exit {done.returncode}):\n" + "\n".join(tail))


def run(smoke: bool) -> list[Figure]:
    rows = _rows(smoke)
    path, bad_path = _file(rows)
    workdir = Path(tempfile.mkdtemp(prefix="loanlit-bench-imports-"))
    results: dict[str, dict[str, Any]] = {}
    try:
        prepared = _child("prepare", workdir)
        print(f"   database: {prepared['vendor']} (prepared in {prepared['seconds']:.1f}s)")
        wanted = [m for m in os.environ.get("BENCH_IMPORTS_MEASURES", ",".join(MEASURES)).split(",") if m]
        for measure in (m for m in MEASURES if m in wanted):
            result = _child("measure", workdir, measure, str(path), str(bad_path))
            if result.get("skipped"):
                print(f"   {measure}: SKIPPED ({result['skipped']})")
                continue
            results[measure] = result
            print(
                f"   {measure}: {result['rows']:,} rows in {result['seconds']:.2f}s = "
                f"{result['rows'] / result['seconds']:,.0f} rows/s (CPU in the process {result['cpu_seconds']:.1f}s); "
                f"peak RSS {result['rss_mb']:.0f} MB "
                f"(before the run {result['rss_before_mb']:.0f} MB); {result['summary']}"
            )
    finally:
        try:
            _child("cleanup", workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return _figures(rows, results, smoke)


def _figures(rows: int, results: dict[str, dict[str, Any]], smoke: bool) -> list[Figure]:
    figures: list[Figure] = []
    pipeline, floor, ie = results.get("pipeline"), results.get("floor"), results.get("import_export")
    if floor is not None:
        figures.append(
            Figure(f"floor (raw multi-row INSERT, {floor['rss_mb']:.0f} MB)", floor["rows"], floor["seconds"])
        )
    if ie is not None:
        figures.append(Figure(f"django-import-export ({ie['rss_mb']:.0f} MB)", ie["rows"], ie["seconds"]))
    if pipeline is None:
        return figures
    seconds = pipeline["seconds"]
    scaled = seconds * FULL_ROWS / rows  # the target is for 100,000 rows
    checks = [f"{scaled:.1f}s per 100,000 rows <= {TARGET_SECONDS:.0f}s: {_ok(scaled <= TARGET_SECONDS)}"]
    checks.append(
        f"peak RSS {pipeline['rss_mb']:.0f} MB <= {TARGET_RSS_MB:.0f} MB: {_ok(pipeline['rss_mb'] <= TARGET_RSS_MB)}"
    )
    if floor is not None:
        ratio = (seconds / pipeline["rows"]) / (floor["seconds"] / floor["rows"])
        checks.append(
            f"{ratio:.2f}x the floor per row <= {TARGET_FLOOR_RATIO:.0f}x: {_ok(ratio <= TARGET_FLOOR_RATIO)}"
        )
    if ie is not None:
        ahead = (ie["seconds"] / ie["rows"]) / (seconds / pipeline["rows"])
        checks.append(f"{ahead:.1f}x faster per row than django-import-export: {_ok(ahead > 1.5)}")
    verdict = "; ".join(checks)
    if smoke:
        verdict += " (smoke: sizes too small to judge)"
    figures.append(
        Figure(
            f"pipeline import_file ({pipeline['rss_mb']:.0f} MB) [{verdict}]",
            pipeline["rows"],
            seconds,
            "floor" if floor is not None else "",
            floor["seconds"] * pipeline["rows"] / floor["rows"] if floor is not None else None,
        )
    )
    return figures


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSES TARGET"


# --- the children ------------------------------------------------------------------------------------


def _setup_django(*, on_template: bool) -> Any:
    """Django with the benchmark's template database as the test database; ``on_template`` points
    the connection at it (to clone or drop it) instead of at the server's default database."""
    import django
    from django.db import connection

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    workdir = Path(os.environ["BENCH_IMPORTS_WORKDIR"])
    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(workdir / "template.sqlite3")
    else:
        test["NAME"] = f"{connection.settings_dict['NAME']}_bimp"
    if on_template:
        connection.settings_dict["NAME"] = test["NAME"]
    return connection


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _prepare() -> dict[str, Any]:
    connection = _setup_django(on_template=False)
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    from loanlit.accounts import services as accounts

    creditor = accounts.creditor_create(
        actor=None, code=CREDITOR, name="Bench Bank", kind="bank", legal_name="Bench Bank Co., Ltd."
    )
    head = accounts.org_unit_create(actor=None, code="BH", name="Bench head office", kind="head_office")
    units: dict[str, Any] = {}
    for code, region, kind in UNITS:
        units[code] = accounts.org_unit_create(
            actor=None,
            code=code,
            name=f"Bench {code}",
            kind=kind,
            parent=units[PARENT[code]] if code in PARENT else head,
            region_code=region,
        )
    accounts.user_create(
        actor=None,
        username=ADMIN,
        password=None,
        role_code="administrator",
        unit=head,
        creditors=[creditor],
        is_superuser=True,
    )
    connection.close()
    return {"vendor": connection.vendor, "seconds": time.perf_counter() - started}


def _clone(measure: str) -> Any:
    connection = _setup_django(on_template=True)
    connection.creation.clone_test_db(suffix=measure, verbosity=0, autoclobber=True, keepdb=False)
    connection.settings_dict.update(connection.creation.get_test_db_clone_settings(measure))
    connection.close()
    return connection


def _cleanup() -> dict[str, Any]:
    connection = _setup_django(on_template=True)
    names = [connection.settings_dict["NAME"]]
    names += [connection.creation.get_test_db_clone_settings(m)["NAME"] for m in MEASURES]
    for name in names:
        with contextlib.suppress(Exception):  # a clone that was never made (or already dropped)
            connection.creation._destroy_test_db(name, verbosity=0)
    return {"done": True}


def _measure(measure: str, path: Path, bad_path: Path) -> dict[str, Any]:
    bad = {int(k): v for k, v in json.loads(bad_path.read_text(encoding="utf-8")).items()}
    connection = _clone(measure)
    try:
        if measure == "pipeline":
            try:
                from loanlit.imports.kinds import get_kind, get_preset
                from loanlit.imports.services import import_file  # noqa: F401

                get_kind("loans"), get_preset("loanlit")
            except (ImportError, KeyError) as exc:
                return {
                    "skipped": f"the pipeline (import_file, the loans kind, the loanlit preset) has not landed: {exc!r}"
                }
        from loanlit.accounts.models import User
        from loanlit.core.models import Creditor

        creditor = Creditor.objects.get(code=CREDITOR)
        actor = User.objects.get(username=ADMIN)
        rss_before = _rss_mb()
        runner = {"pipeline": _pipeline, "floor": _floor, "import_export": _import_export}[measure]
        started, cpu_started = time.perf_counter(), time.process_time()
        profile_to = os.environ.get("BENCH_PROFILE")  # a path: the run under cProfile, stats written there
        if profile_to:
            import cProfile

            profiler = cProfile.Profile()
            rows, summary = profiler.runcall(runner, path=path, bad=bad, creditor=creditor, actor=actor)
            profiler.dump_stats(f"{profile_to}.{measure}")
        else:
            rows, summary = runner(path=path, bad=bad, creditor=creditor, actor=actor)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        return {
            "rows": rows,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "rss_mb": _rss_mb(),
            "rss_before_mb": rss_before,
            "summary": summary,
        }
    finally:
        name = connection.settings_dict["NAME"]
        connection.close()
        connection.creation._destroy_test_db(name, verbosity=0)


def _pipeline(*, path: Path, bad: dict[int, str], creditor: Any, actor: Any) -> tuple[int, str]:
    from loanlit.imports.services import import_file

    report = import_file(actor=actor, creditor=creditor, path=path, kind="loans", preset="loanlit")
    counts = {k: v for k, v in report.counts.items() if v}
    rows = sum(report.counts.values()) or report.created + len(report.errors)
    summary = (
        f"created {report.created:,}, cases opened {report.cases_opened:,}, rows with errors "
        f"{len(report.errors):,} (the file has {len(bad):,} bad rows); statuses {counts}"
    )
    return rows, summary


# The floor reads what it needs by header; the generator's headers come from the same data file.
def _sheet_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    table = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return [str(h) for h in table[0]], table[1:]


def _money_units(value: Any) -> int:
    return int(Decimal(str(value)).quantize(Decimal("0.01")).scaleb(2))


def _rate_units(value: Any) -> int:
    return int(Decimal(str(value)).quantize(Decimal("0.000001")).scaleb(6))


def _floor(*, path: Path, bad: dict[int, str], creditor: Any, actor: Any) -> tuple[int, str]:
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.gen_import_file import COLUMNS, choice_words, headers
    from loanlit.cases.models import Case, CaseLoan
    from loanlit.core.models import OrgUnit
    from loanlit.law import causes
    from loanlit.loans.models import LoanBalanceSnapshot, LoanContract, LoanParty
    from loanlit.parties.models import Party, PartyContact

    header_row, rows = _sheet_rows(path)
    position = {key: header_row.index(text) for key, text in headers().items()}
    words = {name: {text: value for value, text in mine.items()} for name, mine in choice_words().items()}
    units = {u.code: u for u in OrgUnit.objects.all()}
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    today = timezone.localdate()
    d = ops.adapt_datefield_value
    id_field = Party._meta.get_field("id_number")
    phone_field = PartyContact._meta.get_field("phone")
    empty_json = LoanContract._meta.get_field("import_baseline").get_db_prep_save({}, connection)
    empty_list = Case._meta.get_field("tags").get_db_prep_save([], connection)
    cause = causes.CAUSES_BY_KEY["financial_loan"].name
    good = [(n, row) for n, row in enumerate(rows, start=2) if n not in bad]

    def col(row: list[Any], key: str) -> Any:
        return row[position[key]]

    with transaction.atomic(), connection.cursor() as cursor:
        parties: dict[str, int] = {}
        new_parties = []
        for _n, row in good:
            number = col(row, "borrower_id")
            if number in parties:
                continue
            parties[number] = -1
            pd = id_field.encode(number)
            name = col(row, "borrower_name")
            new_parties.append(
                (
                    number,
                    [
                        now,
                        now,
                        1,
                        creditor.pk,
                        "person",
                        name,
                        name.casefold(),
                        "ric",
                        True,
                        "",
                        "",
                        "",
                        None,
                        actor.pk,
                        pd["cipher"],
                        pd["hmac"],
                        pd["masked"],
                        pd["tail_hmac"],
                        None,
                        None,
                        "",
                    ],
                )
            )
        ids = _insert(
            cursor,
            Party,
            [
                "created_at",
                "updated_at",
                "version",
                "creditor_id",
                "kind",
                "name",
                "name_normalized",
                "id_type",
                "id_valid",
                "uscc",
                "legal_representative",
                "gender",
                "birth_date",
                "created_by_id",
                "id_number_cipher",
                "id_number_hmac",
                "id_number_masked",
                "id_number_tail_hmac",
                "document_number_cipher",
                "document_number_hmac",
                "document_number_masked",
            ],
            [values for _number, values in new_parties],
        )
        for (number, _values), pk in zip(new_parties, ids, strict=True):
            parties[number] = pk
        contacts = []
        done: set[str] = set()
        for _n, row in good:
            number = col(row, "borrower_id")
            if number in done:
                continue
            done.add(number)
            pd = phone_field.encode(col(row, "borrower_mobile"))
            contacts.append(
                [
                    parties[number],
                    "phone",
                    "",
                    "",
                    "",
                    "import",
                    None,
                    now,
                    actor.pk,
                    None,
                    pd["cipher"],
                    pd["hmac"],
                    pd["masked"],
                    pd["tail_hmac"],
                ]
            )
            contacts.append(
                [
                    parties[number],
                    "address",
                    col(row, "borrower_address"),
                    "",
                    "domicile",
                    "import",
                    None,
                    now,
                    actor.pk,
                    None,
                    None,
                    None,
                    "",
                    None,
                ]
            )
        _insert(
            cursor,
            PartyContact,
            [
                "party_id",
                "kind",
                "address",
                "email",
                "address_kind",
                "source",
                "valid_from",
                "recorded_at",
                "recorded_by_id",
                "superseded_at",
                "phone_cipher",
                "phone_hmac",
                "phone_masked",
                "phone_tail_hmac",
            ],
            contacts,
        )
        loans = []
        for _n, row in good:
            unit = units[col(row, "unit_code")]
            overdue = col(row, "overdue_since")
            loans.append(
                [
                    now,
                    now,
                    1,
                    creditor.pk,
                    unit.pk,
                    unit.path,
                    col(row, "contract_no"),
                    words["product"][col(row, "product")],
                    col(row, "currency"),
                    _money_units(col(row, "principal")),
                    _rate_units(col(row, "annual_rate")),
                    _rate_units(col(row, "penalty_rate")),
                    None,
                    "act_360",
                    d(col(row, "start_date")),
                    d(col(row, "maturity_date")),
                    int(col(row, "term_months")),
                    words["repayment_method"][col(row, "repayment_method")],
                    d(overdue),
                    (today - overdue).days + 1,
                    d(today),
                    words["risk_class"][col(row, "risk_class")],
                    None,
                    False,
                    None,
                    "",
                    empty_json,
                    actor.pk,
                ]
            )
        loan_ids = _insert(
            cursor,
            LoanContract,
            [
                "created_at",
                "updated_at",
                "version",
                "creditor_id",
                "unit_id",
                "unit_path",
                "contract_no",
                "product",
                "currency",
                "principal",
                "annual_rate",
                "penalty_rate",
                "compound_rate",
                "day_count_basis",
                "start_date",
                "maturity_date",
                "term_months",
                "repayment_method",
                "overdue_since",
                "days_past_due",
                "days_past_due_as_of",
                "risk_class",
                "accelerated_on",
                "written_off",
                "written_off_on",
                "external_ref",
                "import_baseline",
                "created_by_id",
            ],
            loans,
        )
        _insert(
            cursor,
            LoanParty,
            ["loan_id", "party_id", "role", "position"],
            [
                [pk, parties[col(row, "borrower_id")], "borrower", 0]
                for (_n, row), pk in zip(good, loan_ids, strict=True)
            ],
            returning=False,
        )
        _insert(
            cursor,
            LoanBalanceSnapshot,
            [
                "loan_id",
                "as_of",
                "currency",
                "principal",
                "interest_on_balance",
                "interest_off_balance",
                "penalty",
                "compound",
                "fees",
                "source",
                "recorded_at",
                "recorded_by_id",
            ],
            [
                [
                    pk,
                    d(col(row, "balance_date")),
                    "CNY",
                    _money_units(col(row, "principal_balance")),
                    _money_units(col(row, "interest")),
                    0,
                    _money_units(col(row, "penalty")),
                    0,
                    _money_units(col(row, "fees")),
                    "import",
                    now,
                    actor.pk,
                ]
                for (_n, row), pk in zip(good, loan_ids, strict=True)
            ],
            returning=False,
        )
        case_rows = []
        seq: dict[str, int] = {}
        for _n, row in good:
            unit = units[col(row, "unit_code")]
            seq[unit.code] = seq.get(unit.code, 0) + 1
            case_rows.append(
                [
                    now,
                    now,
                    1,
                    f"{unit.code}-{today.year}-{seq[unit.code]:06d}",
                    creditor.pk,
                    unit.pk,
                    unit.path,
                    cause,
                    "2020",
                    None,
                    "CNY",
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    None,
                    empty_json,
                    None,
                    False,
                    None,
                    None,
                    "normal",
                    empty_list,
                    "pre_litigation",
                    "",
                    d(today),
                    False,
                    None,
                    False,
                    None,
                    False,
                    "",
                    None,
                ]
            )
        case_ids = _insert(
            cursor,
            Case,
            [
                "created_at",
                "updated_at",
                "version",
                "internal_no",
                "creditor_id",
                "handling_unit_id",
                "unit_path",
                "cause_of_action",
                "cause_version",
                "claim_as_of",
                "claim_currency",
                "claim_principal",
                "claim_interest",
                "claim_penalty",
                "claim_compound",
                "claim_fees",
                "claim_total",
                "claim_acceptance_fee",
                "claim_breakdown",
                "claim_snapshot_id",
                "claim_overridden",
                "handler_id",
                "law_firm_id",
                "priority",
                "tags",
                "stage_id",
                "outcome",
                "opened_on",
                "is_closed",
                "closed_on",
                "is_archived",
                "archived_on",
                "legal_hold",
                "legal_hold_reason",
                "anonymised_on",
            ],
            case_rows,
        )
        _insert(
            cursor,
            CaseLoan,
            ["case_id", "loan_id", "linked_on", "unlinked_on", "active"],
            [[c, loan, d(today), None, True] for c, loan in zip(case_ids, loan_ids, strict=True)],
            returning=False,
        )
    assert len(COLUMNS) == len(header_row)
    return len(rows), (
        f"{len(loan_ids):,} loans, {len(new_parties):,} parties, {len(case_ids):,} cases "
        f"(skipped the {len(bad):,} bad rows without looking)"
    )


def _insert(cursor: Any, model: Any, columns: list[str], rows: list[list[Any]], *, returning: bool = True) -> list[int]:
    from django.db import connection

    if not rows:
        return []
    qn = connection.ops.quote_name
    meta = model._meta
    known = {f.column for f in meta.concrete_fields} - {meta.pk.column}
    assert set(columns) == known, (model, sorted(known - set(columns)), sorted(set(columns) - known))
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per = max(1, 30_000 // len(columns))
    ids: list[int] = []
    tail = f" RETURNING {qn(meta.pk.column)}" if returning else ""
    if connection.vendor == "postgresql":
        # One array per column (what bulk_create does there): a statement with thousands of
        # placeholders is parsed again by psycopg on every execution.
        by_column = {f.column: f for f in meta.concrete_fields}
        arrays = ", ".join(f"(%s)::{str(by_column[c].db_type(connection)).split('(')[0]}[]" for c in columns)
        sql = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) SELECT * FROM UNNEST({arrays})"
        for start in range(0, len(rows), 5000):
            cursor.execute(sql + tail, [list(column) for column in zip(*rows[start : start + 5000], strict=True)])
            if returning:
                ids.extend(pk for (pk,) in cursor.fetchall())
        return ids
    if not returning:
        cursor.executemany(head + one, rows)
        return ids
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        cursor.execute(head + ", ".join([one] * len(chunk)) + tail, [value for row in chunk for value in row])
        ids.extend(pk for (pk,) in cursor.fetchall())
    return ids


def _import_export(*, path: Path, bad: dict[int, str], creditor: Any, actor: Any) -> tuple[int, str]:
    import tablib
    from django.utils import timezone
    from import_export import fields, resources, widgets

    from bench.gen_import_file import headers
    from loanlit.core.fields import pd_exact
    from loanlit.core.models import OrgUnit
    from loanlit.loans.models import LoanBalanceSnapshot, LoanContract, LoanParty
    from loanlit.parties.models import Party, PartyContact

    head = headers()
    words = {}
    from bench.gen_import_file import choice_words

    for name, mine in choice_words().items():
        words[name] = {text: value for value, text in mine.items()}
    limit = int(os.environ.get("BENCH_IMPORT_EXPORT_ROWS", 0) or 0)
    with path.open("rb") as handle:
        dataset = tablib.Dataset().load(handle, format="xlsx")
    if limit and limit < len(dataset):
        dataset = dataset.subset(rows=range(limit))
    today = timezone.localdate()

    class MoneyWidget(widgets.DecimalWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            amount = super().clean(value, row, **kwargs)
            return None if amount is None else Decimal(amount).quantize(Decimal("0.01"))

    class RateWidget(widgets.DecimalWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            rate = super().clean(value, row, **kwargs)
            return None if rate is None else Decimal(rate).quantize(Decimal("0.000001"))

    class DayWidget(widgets.DateWidget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            day = super().clean(value, row, **kwargs)
            return day.date() if isinstance(day, datetime) else day  # openpyxl reads dates as datetimes

    class ChoiceWidget(widgets.CharWidget):
        def __init__(self, table: dict[str, str]) -> None:
            super().__init__()
            self.table = table

        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
            return self.table.get(value, value)

    class LoanResource(resources.ModelResource):
        contract_no = fields.Field(attribute="contract_no", column_name=head["contract_no"])
        unit = fields.Field(
            attribute="unit", column_name=head["unit_code"], widget=widgets.ForeignKeyWidget(OrgUnit, "code")
        )
        product = fields.Field(attribute="product", column_name=head["product"], widget=ChoiceWidget(words["product"]))
        currency = fields.Field(attribute="currency", column_name=head["currency"])
        principal = fields.Field(attribute="principal", column_name=head["principal"], widget=MoneyWidget())
        annual_rate = fields.Field(attribute="annual_rate", column_name=head["annual_rate"], widget=RateWidget())
        penalty_rate = fields.Field(attribute="penalty_rate", column_name=head["penalty_rate"], widget=RateWidget())
        start_date = fields.Field(attribute="start_date", column_name=head["start_date"], widget=DayWidget())
        maturity_date = fields.Field(attribute="maturity_date", column_name=head["maturity_date"], widget=DayWidget())
        term_months = fields.Field(
            attribute="term_months", column_name=head["term_months"], widget=widgets.IntegerWidget()
        )
        repayment_method = fields.Field(
            attribute="repayment_method",
            column_name=head["repayment_method"],
            widget=ChoiceWidget(words["repayment_method"]),
        )
        overdue_since = fields.Field(attribute="overdue_since", column_name=head["overdue_since"], widget=DayWidget())
        risk_class = fields.Field(
            attribute="risk_class", column_name=head["risk_class"], widget=ChoiceWidget(words["risk_class"])
        )

        class Meta:
            model = LoanContract
            import_id_fields = ("contract_no",)
            fields = (
                "contract_no",
                "unit",
                "product",
                "currency",
                "principal",
                "annual_rate",
                "penalty_rate",
                "start_date",
                "maturity_date",
                "term_months",
                "repayment_method",
                "overdue_since",
                "risk_class",
            )
            skip_diff = True
            use_transactions = True

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            instance.creditor = creditor
            instance.unit_path = instance.unit.path
            instance.created_by = actor
            if instance.overdue_since:
                instance.days_past_due = (today - instance.overdue_since).days + 1
                instance.days_past_due_as_of = today

        def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            name = row[head["borrower_name"]]
            if not name:
                raise ValueError("borrower name is missing")
            number = row[head["borrower_id"]]
            # The borrower of an earlier row (one query per row: the usual hand-written hook).
            party = Party.objects.filter(creditor=creditor, **pd_exact(Party, "id_number", number)).first()
            if party is None:
                party = Party(
                    creditor=creditor,
                    kind="person",
                    name=name,
                    name_normalized=name.casefold(),
                    id_type="ric",
                    id_valid=True,
                    created_by=actor,
                )
                party.id_number = number
                party.save()
                contact = PartyContact(party=party, kind="phone", source="import", recorded_by=actor)
                contact.phone = row[head["borrower_mobile"]]
                contact.save()
            LoanParty.objects.create(loan=instance, party=party, role="borrower", position=0)
            LoanBalanceSnapshot.objects.create(
                loan=instance,
                as_of=DayWidget().clean(row[head["balance_date"]]),
                principal=MoneyWidget().clean(row[head["principal_balance"]]),
                interest_on_balance=MoneyWidget().clean(row[head["interest"]]),
                penalty=MoneyWidget().clean(row[head["penalty"]]),
                fees=MoneyWidget().clean(row[head["fees"]]),
                recorded_by=actor,
            )

    result = LoanResource().import_data(dataset, dry_run=False, raise_errors=False, collect_failed_rows=True)
    totals = dict(result.totals)
    errors = len(result.row_errors()) + len(result.invalid_rows)
    return len(dataset), (
        f"new {totals.get('new', 0):,}, errors {errors:,} (no cases, events, audit, address contacts or ID checks)"
        + (f"; first {limit:,} rows only" if limit else "")
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime | Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def main() -> int:
    parser = argparse.ArgumentParser(description="one step of the imports benchmark, in its own process")
    parser.add_argument("mode", choices=("prepare", "measure", "cleanup"))
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    if options.mode == "prepare":
        result = _prepare()
    elif options.mode == "cleanup":
        result = _cleanup()
    else:
        measure, path, bad = options.args
        result = _measure(measure, Path(path), Path(bad))
    print(RESULT_MARK + json.dumps(result, default=_json_default), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
