"""Watched drop folders with real files in a temporary DROP_ROOT: stability, import, reports, repeats, escapes."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases.tests import factories
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.imports import dropfolders
from loanlit.imports.models import DropFile, DropFolder
from loanlit.imports.services import dropfolders as services
from loanlit.jobs.models import Job
from loanlit.jobs.worker import run_pending
from loanlit.loans.models import LoanBalanceSnapshot

pytestmark = pytest.mark.django_db

HEADER = ["借款合同编号", "余额日期", "本金余额", "表内利息", "罚息"]


@pytest.fixture(autouse=True)
def drop_root(settings, tmp_path: Path) -> Path:
    settings.DROP_ROOT = tmp_path / "drop"
    settings.LANGUAGE_CODE = "en"
    settings.DROP_ROOT.mkdir()
    with translation.override("en"):
        yield settings.DROP_ROOT


@pytest.fixture
def loans(personas):
    return [
        factories.loan(personas.creditor, personas.beijing, contract_no=number) for number in ("JK-1", "JK-2", "JK-3")
    ]


def make_folder(personas, path: str = "core/balances", **extra) -> DropFolder:
    values = {
        "actor": personas.administrator,
        "name": "Core banking balances",
        "path": path,
        "kind": "snapshots",
        "preset": "loanlit-snapshots",
        "creditor": personas.creditor,
        "unit": personas.beijing,
        "run_as": personas.case_handler,
        **extra,
    }
    return services.drop_folder_create(**values)


def csv_file(rows: list[list[str]], encoding: str) -> bytes:
    lines = [",".join(HEADER), *(",".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_file(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def scan(folder: DropFolder) -> list[DropFile]:
    return dropfolders.scan_folder(DropFolder.objects.get(pk=folder.pk))


def take_and_import(folder: DropFolder) -> list[dict]:
    """Two scans (the file must be seen unchanged), then the import of each file taken."""
    assert scan(folder) == []
    taken = scan(folder)
    return [dropfolders.process_file(f.pk) for f in taken]


def test_gb18030_csv_is_imported_with_exact_counts_and_reports(personas, loans, drop_root):
    folder = make_folder(personas)
    base = drop_root / "core" / "balances"
    rows = [["JK-1", "2026-11-30", "80000.00", "1234.56", "50.50"], ["JK-2", "2026-11-30", "1.01", "0", "0"]]
    (base / "余额20261130.csv").write_bytes(csv_file(rows, "gb18030"))
    [summary] = take_and_import(folder)
    assert (summary["state"], summary["rows_read"], summary["created"], summary["errors"]) == ("done", 2, 2, [])
    assert summary["encoding"] == "gb18030"
    snapshot = LoanBalanceSnapshot.objects.get(loan=loans[0])
    assert (snapshot.as_of, snapshot.principal, snapshot.interest_on_balance, snapshot.penalty) == (
        dt.date(2026, 11, 30),
        Decimal("80000.00"),
        Decimal("1234.56"),
        Decimal("50.50"),
    )
    assert snapshot.recorded_by == personas.case_handler
    assert LoanBalanceSnapshot.objects.count() == 2
    done = base / "processed" / "余额20261130.csv"
    assert done.is_file() and not list((base / "processing").iterdir())
    assert not (base / "余额20261130.csv").exists()
    stored = json.loads((base / "processed" / "余额20261130.csv.result.json").read_text(encoding="utf-8"))
    assert stored == DropFile.objects.get().summary
    assert stored["counts"]["new"] == 2 and stored["kind"] == "snapshots"
    text = (base / "processed" / "余额20261130.csv.result.txt").read_text(encoding="utf-8")
    assert "Result: Imported" in text
    assert "Rows read: 2\nCreated: 2\nUpdated: 0\nUnchanged: 0\nRows with errors: 0\n" in text
    drop_file = DropFile.objects.get()
    assert drop_file.state == DropFile.State.DONE and drop_file.processed_at is not None
    assert drop_file.name == "余额20261130.csv" and drop_file.size == len(csv_file(rows, "gb18030"))
    assert AuditEntry.objects.filter(action="drop_file.imported").count() == 1


def test_utf8_xlsx_with_a_row_error_imports_nothing_and_reports_the_row(personas, loans, drop_root):
    folder = make_folder(personas)
    base = drop_root / "core" / "balances"
    rows = [["JK-1", "2026-11-30", "100.00", "0", "0"], ["NOPE-9", "2026-11-30", "5.00", "0", "0"]]
    (base / "balances.xlsx").write_bytes(xlsx_file(rows))
    [summary] = take_and_import(folder)
    assert summary["state"] == "failed"
    assert (summary["rows_read"], summary["created"]) == (2, 0)
    assert summary["errors"] == [{"row": 3, "messages": ["Loan NOPE-9 was not found."]}]
    assert summary["reason"] == (
        "1 rows have errors: nothing from this file was imported. Correct them and drop the file again."
    )
    assert not LoanBalanceSnapshot.objects.exists()
    text = (base / "failed" / "balances.xlsx.result.txt").read_text(encoding="utf-8")
    assert "  Row 3: Loan NOPE-9 was not found.\n" in text
    assert (base / "failed" / "balances.xlsx").is_file()


def test_import_valid_rows_mode_imports_the_others(personas, loans, drop_root):
    folder = make_folder(personas, on_row_errors=DropFolder.OnRowErrors.IMPORT_VALID)
    base = drop_root / "core" / "balances"
    rows = [["JK-1", "2026-11-30", "100.00", "0", "0"], ["NOPE-9", "2026-11-30", "5.00", "0", "0"]]
    (base / "balances.csv").write_bytes(csv_file(rows, "utf-8"))
    [summary] = take_and_import(folder)
    assert (summary["state"], summary["created"], len(summary["errors"])) == ("done", 1, 1)
    assert LoanBalanceSnapshot.objects.get().loan == loans[0]
    assert (base / "processed" / "balances.csv.result.json").is_file()


def test_the_same_file_dropped_twice_is_imported_once(personas, loans, drop_root):
    folder = make_folder(personas)
    base = drop_root / "core" / "balances"
    content = csv_file([["JK-1", "2026-11-30", "100.00", "0", "0"]], "utf-8")
    (base / "a.csv").write_bytes(content)
    take_and_import(folder)
    (base / "again.csv").write_bytes(content)
    assert take_and_import(folder) == []
    assert DropFile.objects.count() == 1 and LoanBalanceSnapshot.objects.count() == 1
    report = json.loads((base / "failed" / "again.csv.result.json").read_text(encoding="utf-8"))
    assert report["state"] == "duplicate" and "“a.csv”" in report["reason"]
    assert (base / "failed" / "again.csv").is_file()
    assert AuditEntry.objects.filter(action="drop_file.duplicate_skipped").count() == 1


def test_a_file_still_growing_is_left_alone_until_a_scan_sees_it_unchanged(personas, loans, drop_root):
    folder = make_folder(personas)
    path = drop_root / "core" / "balances" / "growing.csv"
    path.write_bytes(csv_file([["JK-1", "2026-11-30", "100.00", "0", "0"]], "utf-8"))
    assert scan(folder) == []
    with path.open("ab") as handle:
        handle.write(b"JK-2,2026-11-30,2.00,0,0\r\n")
    assert scan(folder) == []  # changed since the previous scan: still waiting
    assert path.exists() and not DropFile.objects.exists()
    [taken] = scan(folder)
    summary = dropfolders.process_file(taken.pk)
    assert (summary["rows_read"], summary["created"]) == (2, 2)


def test_a_done_marker_takes_the_file_at_once(personas, loans, drop_root):
    folder = make_folder(personas)
    base = drop_root / "core" / "balances"
    (base / "now.csv").write_bytes(csv_file([["JK-1", "2026-11-30", "100.00", "0", "0"]], "utf-8"))
    (base / "now.csv.done").write_bytes(b"")
    [taken] = scan(folder)
    assert taken.name == "now.csv" and not (base / "now.csv.done").exists()


def test_temporary_and_hidden_names_are_never_taken(personas, drop_root):
    folder = make_folder(personas)
    base = drop_root / "core" / "balances"
    for name in ("upload.csv.part", ".hidden.csv", "~$lock.xlsx", "x.tmp"):
        (base / name).write_bytes(b"x")
    scan(folder)
    assert scan(folder) == []
    assert sorted(p.name for p in base.iterdir() if p.is_file()) == [
        ".hidden.csv",
        "upload.csv.part",
        "x.tmp",
        "~$lock.xlsx",
    ]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "The file is empty."),
        ("header-only.csv", "借款合同编号,余额日期,本金余额\r\n".encode(), "The file has no data rows."),
    ],
)
def test_bad_files_end_in_failed_with_the_reason(personas, loans, drop_root, name, content, reason):
    folder = make_folder(personas)
    base = drop_root / "core" / "balances"
    (base / name).write_bytes(content)
    [summary] = take_and_import(folder)
    assert (summary["state"], summary["reason"]) == ("failed", reason)
    assert f"Reason: {reason}" in (base / "failed" / f"{name}.result.txt").read_text(encoding="utf-8")
    assert not LoanBalanceSnapshot.objects.exists()


def test_a_file_of_another_format_ends_in_failed(personas, loans, drop_root):
    folder = make_folder(personas)
    base = drop_root / "core" / "balances"
    (base / "scan.pdf").write_bytes(b"%PDF-1.4 not a table")
    [summary] = take_and_import(folder)
    assert summary["state"] == "failed" and summary["reason"]
    assert (base / "failed" / "scan.pdf").is_file() and not LoanBalanceSnapshot.objects.exists()


def test_an_unknown_preset_ends_in_failed(personas, loans, drop_root):
    folder = make_folder(personas)
    DropFolder.objects.filter(pk=folder.pk).update(preset="gone-preset")
    base = drop_root / "core" / "balances"
    (base / "b.csv").write_bytes(csv_file([["JK-1", "2026-11-30", "100.00", "0", "0"]], "utf-8"))
    [summary] = take_and_import(folder)
    assert (summary["state"], summary["reason"]) == ("failed", "There is no preset “gone-preset”.")


def test_a_failed_file_dropped_again_unchanged_is_retried(personas, loans, drop_root):
    folder = make_folder(personas)
    DropFolder.objects.filter(pk=folder.pk).update(preset="gone-preset")
    base = drop_root / "core" / "balances"
    content = csv_file([["JK-1", "2026-11-30", "100.00", "0", "0"]], "utf-8")
    (base / "b.csv").write_bytes(content)
    take_and_import(folder)
    DropFolder.objects.filter(pk=folder.pk).update(preset="loanlit-snapshots")
    (base / "b.csv").write_bytes(content)
    [summary] = take_and_import(folder)
    assert summary["state"] == "done" and LoanBalanceSnapshot.objects.count() == 1
    assert DropFile.objects.count() == 1
    assert (base / "failed" / "b.csv").is_file() and (base / "processed" / "b.csv").is_file()


def test_scan_all_queues_a_job_that_the_worker_runs(personas, loans, drop_root):
    folder = make_folder(personas)
    (drop_root / "core" / "balances" / "j.csv").write_bytes(
        csv_file([["JK-3", "2026-11-30", "9.99", "0", "0"]], "utf-8")
    )
    assert dropfolders.scan_all() == []
    [job_id] = dropfolders.scan_all()
    assert Job.objects.get(pk=job_id).kind == "imports.drop_process"
    run_pending(worker_id="test")
    assert Job.objects.get(pk=job_id).state == Job.State.SUCCEEDED
    assert DropFile.objects.get(folder=folder).state == DropFile.State.DONE
    assert LoanBalanceSnapshot.objects.get().principal == Decimal("9.99")


def test_a_disabled_folder_is_not_scanned(personas, loans, drop_root):
    folder = make_folder(personas, enabled=False)
    (drop_root / "core" / "balances" / "j.csv").write_bytes(b"x")
    dropfolders.scan_all()
    assert dropfolders.scan_all() == [] and not DropFile.objects.exists()
    assert DropFolder.objects.get(pk=folder.pk).last_scan_at is None


@pytest.mark.parametrize("path", ["../outside", "/etc", "core/../../x", "a/processed", ".hidden", ""])
def test_paths_leaving_the_drop_root_are_refused(personas, path):
    with pytest.raises(DomainError):
        make_folder(personas, path=path)
    assert not DropFolder.objects.exists()


def test_a_symlink_escape_is_refused(personas, drop_root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, drop_root / "link")
    with pytest.raises(DomainError) as error:
        make_folder(personas, path="link/balances")
    assert error.value.code == "path_escape"
    assert not DropFolder.objects.exists() and not (outside / "balances").exists()


def test_a_symlinked_file_is_never_taken(personas, drop_root, tmp_path):
    folder = make_folder(personas)
    secret = tmp_path / "secret.csv"
    secret.write_bytes(b"x")
    os.symlink(secret, drop_root / "core" / "balances" / "secret.csv")
    scan(folder)
    assert scan(folder) == [] and secret.exists()


def test_the_service_account_must_be_allowed_to_run_the_import(personas):
    with pytest.raises(DomainError) as error:
        make_folder(personas, run_as=personas.branch_manager)
    assert error.value.code == "run_as_not_allowed"
    with pytest.raises(DomainError):
        make_folder(personas, unit=personas.guangdong)  # outside the case handler's branch
    assert not DropFolder.objects.exists()


def test_only_api_manage_holders_configure_folders(personas):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError):
        make_folder(personas, actor=personas.legal_manager)
    assert not DropFolder.objects.exists() and AuditEntry.objects.count() == before


def test_update_is_versioned_and_audited(personas):
    folder = make_folder(personas)
    updated = services.drop_folder_update(actor=personas.administrator, folder=folder, version=1, enabled=False)
    assert (updated.enabled, updated.version) == (False, 2)
    entry = AuditEntry.objects.filter(action="drop_folder.updated").get()
    assert entry.changes == {"enabled": {"old": True, "new": False}}
    with pytest.raises(DomainError) as error:
        services.drop_folder_update(actor=personas.administrator, folder=folder, version=1, enabled=True)
    assert error.value.status_code == 409


def test_a_finished_file_left_in_processing_is_moved_by_the_next_scan(personas, loans, drop_root):
    folder = make_folder(personas)
    base = drop_root / "core" / "balances"
    (base / "c.csv").write_bytes(csv_file([["JK-1", "2026-11-30", "100.00", "0", "0"]], "utf-8"))
    take_and_import(folder)
    # As if the worker had stopped after the commit, before the move.
    os.replace(base / "processed" / "c.csv", base / "processing" / "c.csv")
    (base / "processed" / "c.csv.result.json").unlink()
    (base / "processed" / "c.csv.result.txt").unlink()
    scan(folder)
    assert (base / "processed" / "c.csv").is_file() and (base / "processed" / "c.csv.result.json").is_file()
    assert not (base / "processing" / "c.csv").exists()
    assert LoanBalanceSnapshot.objects.count() == 1
