"""``manage.py import_loans`` and ``import_file``, with the fake kind."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.models import OrgUnit
from loanlit.imports.models import ImportBatch
from loanlit.imports.services import import_file
from loanlit.jobs.models import Job

from . import pipeline_support as support
from .pipeline_support import csv_bytes

# The pipeline fixtures (a module, not a conftest: other import tests share this folder).
_pipeline_settings = support._pipeline_settings
test_kind = support.test_kind

pytestmark = pytest.mark.django_db

ROWS = [
    ["N-001", "New unit", "12.5", "2024-03-01", "", ""],
    ["N-002", "", "x", "", "", ""],
    ["N-003", "Twin one", "", "", "", ""],
    ["n-003 ", "Twin two", "", "", "", ""],
]


@pytest.fixture
def units_csv(tmp_path: Path) -> Path:
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def call(*args: str) -> str:
    out = StringIO()
    call_command("import_loans", *args, stdout=out)
    return out.getvalue()


def test_json_output_lists_counts_errors_and_totals(personas: Any, test_kind: Any, units_csv: Path) -> None:
    out = call(str(units_csv), "--kind", "testing", "--creditor", "BANK-A", "--user", "case_handler", "--json")
    assert json.loads(out) == {
        "counts": {"new": 1, "update": 0, "unchanged": 0, "duplicate": 2, "error": 1, "skipped": 0},
        "errors": [
            {"row": 3, "messages": ["Unit name is required.", "Amount: “x” is not an amount."]},
            {"row": 4, "messages": ["The same key “N-003” is on rows 4, 5; none of them was imported."]},
            {"row": 5, "messages": ["The same key “N-003” is on rows 4, 5; none of them was imported."]},
        ],
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "cases_opened": 0,
        "problems": [],
        "encoding": "utf-8",
    }
    unit = OrgUnit.objects.get(code="N-001")
    assert unit.name == "New unit" and unit.parent == personas.beijing
    assert not OrgUnit.objects.filter(code__in=["N-002", "N-003"]).exists()
    assert not ImportBatch.objects.exists() and not Job.objects.exists()  # synchronous, nothing staged


def test_dry_run_writes_nothing_at_all(personas: Any, test_kind: Any, units_csv: Path) -> None:
    before = (OrgUnit.objects.count(), AuditEntry.objects.count(), ImportBatch.objects.count(), Job.objects.count())
    out = call(
        str(units_csv), "--kind", "testing", "--creditor", "BANK-A", "--user", "case_handler", "--dry-run", "--json"
    )
    report = json.loads(out)
    assert report["counts"]["new"] == 1 and report["created"] == 0
    assert (
        OrgUnit.objects.count(),
        AuditEntry.objects.count(),
        ImportBatch.objects.count(),
        Job.objects.count(),
    ) == before


def test_text_output_and_the_default_administrator(personas: Any, test_kind: Any, units_csv: Path) -> None:
    out = call(str(units_csv), "--kind", "testing", "--creditor", "BANK-A")
    assert "new: 1" in out and "duplicate: 2" in out
    assert "created: 1, updated: 0, unchanged: 0, cases opened: 0" in out
    assert "Row 3: Unit name is required." in out
    assert OrgUnit.objects.get(code="N-001").parent == personas.head_office  # the administrator's unit


def test_a_second_run_is_unchanged(personas: Any, test_kind: Any, units_csv: Path) -> None:
    args = (str(units_csv), "--kind", "testing", "--creditor", "BANK-A", "--user", "case_handler", "--json")
    call(*args)
    again = json.loads(call(*args))
    assert again["counts"]["unchanged"] == 1 and again["created"] == 0 and again["unchanged"] == 1


def test_strict_fails_on_row_errors(personas: Any, test_kind: Any, units_csv: Path) -> None:
    with pytest.raises(CommandError, match="3 rows have errors"):
        call(str(units_csv), "--kind", "testing", "--creditor", "BANK-A", "--strict", "--dry-run")


@pytest.mark.parametrize(
    "extra, message",
    [
        (("--preset", "nope"), "There is no preset “nope”."),
        (("--kind", "nope"), "There is no import of kind “nope”."),
        (("--creditor", "NOPE"), "There is no creditor with code “NOPE”."),
        (("--user", "ghost"), "There is no active user “ghost”."),
    ],
)
def test_fatal_errors_exit_non_zero(
    personas: Any, test_kind: Any, units_csv: Path, extra: tuple[str, ...], message: str
) -> None:
    args = ["--kind", "testing", "--creditor", "BANK-A", *extra]
    with pytest.raises(CommandError) as failed:
        call(str(units_csv), *args)
    assert str(failed.value) == message
    assert not OrgUnit.objects.filter(code__startswith="N-").exists()


def test_a_required_field_without_a_column_is_fatal(personas: Any, test_kind: Any, tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_bytes(csv_bytes([["Z-1"]], headers=["Unit code"]))
    with pytest.raises(CommandError, match="Not mapped: Unit name"):
        call(str(path), "--kind", "testing", "--creditor", "BANK-A")
    assert not OrgUnit.objects.filter(code="Z-1").exists()


def test_the_creditor_is_required_when_there_are_several(personas: Any, test_kind: Any, units_csv: Path) -> None:
    with pytest.raises(CommandError, match="Name the creditor"):
        call(str(units_csv), "--kind", "testing")


def test_import_file_checks_permission_before_reading(personas: Any, test_kind: Any, units_csv: Path) -> None:
    with pytest.raises(PermissionDeniedError):
        import_file(actor=personas.read_only, creditor=personas.creditor, path=units_csv, kind="testing")
    with pytest.raises(PermissionDeniedError):
        import_file(actor=personas.outsider_creditor, creditor=personas.creditor, path=units_csv, kind="testing")
    with pytest.raises(DomainError):
        import_file(
            actor=personas.case_handler,
            creditor=personas.creditor,
            path=units_csv.parent / "missing.csv",
            kind="testing",
        )
    assert not OrgUnit.objects.filter(code__startswith="N-").exists()


def test_import_file_refuses_an_empty_or_oversized_file_like_the_upload(
    personas: Any, test_kind: Any, tmp_path: Path, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    kwargs = {"actor": personas.case_handler, "creditor": personas.creditor, "kind": "testing"}
    with pytest.raises(DomainError) as refused_empty:
        import_file(path=empty, **kwargs)
    assert (refused_empty.value.message, refused_empty.value.code) == ("The file is empty.", "empty_file")
    with pytest.raises(DomainError) as refused_big:
        import_file(path=big, **kwargs)
    assert (refused_big.value.message, refused_big.value.code) == (
        "The file is larger than the upload limit of 1 MB.",
        "too_large",
    )
