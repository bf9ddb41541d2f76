"""Attacks on the import pipeline (issue 6): nasty real-world files, re-imports, killed commits, scope and
personal data. Each test pins a bug that was found, or a property that held up under attack."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Case, CaseLoan
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.imports import cells, services
from loanlit.imports.kinds.base import FieldSpec, FieldType
from loanlit.imports.models import ImportBatch, ImportRow
from loanlit.imports.readers import read_table
from loanlit.imports.services import import_file
from loanlit.imports.table import Cell, CellKind, FileRefused
from loanlit.jobs import services as job_services
from loanlit.jobs.models import Job
from loanlit.loans.models import GuaranteeContract, LoanContract, LoanParty
from loanlit.parties.models import Party
from loanlit.parties.tests.support import make_ric

from . import pipeline_support as support
from .test_kind_loans import messages, run, values

_pipeline_settings = support._pipeline_settings
run_jobs = support.run_jobs

pytestmark = pytest.mark.django_db

HEADERS = ["contract_no", "product", "principal", "annual_rate", "start_date", "borrower_name", "borrower_id"]
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def loan_row(n: int, **overrides: str) -> list[str]:
    row = {
        "contract_no": f"ATK-{n:05d}",
        "product": "consumer",
        "principal": "10000.00",
        "annual_rate": "4.35",
        "start_date": "2023-03-15",
        "borrower_name": f"Borrower {n}",
        "borrower_id": make_ric(n % 1000, birth=f"19{80 + n // 1000:02d}0101"),
    }
    row.update(overrides)
    return [row[h] for h in HEADERS]


def loans_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def table_counts() -> dict[str, int]:
    """Rows in every table of the domain apps, the audit and the imports."""
    labels = ("parties", "loans", "cases", "audit", "imports", "deadlines", "workflow", "jobs", "notifications")
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in labels and model._meta.managed and not model._meta.proxy
    }


def amount(places: int | None = 2) -> FieldSpec:
    return FieldSpec(key="a", label="Amount", type=FieldType.AMOUNT, places=places)  # type: ignore[arg-type]


def identifier(type_: FieldType = FieldType.IDENTIFIER) -> FieldSpec:
    return FieldSpec(key="f", label="F", type=type_)  # type: ignore[arg-type]


# --- cells: a third decimal never vanishes; Excel-damaged and full-width identifiers -------------------


@pytest.mark.parametrize(
    "cell",
    [
        Cell(CellKind.TEXT, "1,234,567.891"),
        Cell(CellKind.TEXT, "1234567.895"),
        Cell(CellKind.TEXT, "￥12.001"),
        Cell(CellKind.NUMBER, Decimal("1.005")),  # a number cell typed with three decimals
    ],
)
def test_an_amount_with_a_third_decimal_is_refused_not_rounded(cell: Cell) -> None:
    with pytest.raises(cells.CellError) as caught:
        cells.convert(cell, amount())
    assert caught.value.message == cells.MSG_AMOUNT_PLACES and caught.value.params["places"] == 2


def test_binary_noise_of_a_number_cell_and_trailing_zeros_are_not_a_third_decimal() -> None:
    assert str(cells.convert(Cell(CellKind.NUMBER, Decimal("2469.1200000000003")), amount())) == "2469.12"
    assert str(cells.convert(Cell(CellKind.TEXT, "1,234,567.890"), amount())) == "1234567.89"
    assert str(cells.convert(Cell(CellKind.TEXT, "5.00E+05"), amount())) == "500000.00"
    assert str(cells.convert(Cell(CellKind.TEXT, "1.234567891"), amount(None))) == "1.234567891"


@pytest.mark.parametrize("type_", [FieldType.IDENTIFIER, FieldType.ID_NUMBER, FieldType.PHONE])
def test_an_identifier_excel_showed_in_scientific_notation_is_refused(type_: FieldType) -> None:
    with pytest.raises(cells.CellError) as caught:
        cells.convert(Cell(CellKind.TEXT, "1.10105E+17"), identifier(type_))
    assert caught.value.message == cells.MSG_IDENTIFIER_SCIENTIFIC
    assert caught.value.params == {"field": "f"}  # the message never echoes (part of) an ID number


def test_contract_numbers_with_an_e_are_still_contract_numbers() -> None:
    for text in ("2023E001", "HT-1E+5X", "E+17"):
        assert cells.convert(Cell(CellKind.TEXT, text), identifier()) == text


def test_a_full_width_contract_number_is_stored_half_width() -> None:
    assert cells.convert(Cell(CellKind.TEXT, " Ｃ－００１ "), identifier()) == "C-001"


# --- readers: a zip bomb is refused before anything is inflated ----------------------------------------


def _bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet().write_row(0, 0, ["contract_no", "borrower_name"])
    book.close()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                text = data.decode()
                at = text.index("<t>") + 3
                data = text[:at].encode() + b"A" * size + text[at:].encode()
            target.writestr(info.filename, data)
    return out.getvalue()


def test_a_zip_bomb_of_shared_strings_is_refused_quickly() -> None:
    content = _bomb(40 * 1024 * 1024)  # 40 MB of one letter: about 40 KB on disk
    assert len(content) < 200_000
    started = time.monotonic()
    with pytest.raises(FileRefused) as caught:
        read_table(content, file_name="bomb.xlsx")
    assert caught.value.code == "too_large"
    assert time.monotonic() - started < 5


def test_a_workbook_with_long_distinct_texts_still_reads() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["contract_no", "note"])
    for n in range(1, 200):
        sheet.write_row(n, 0, [f"HT-{n}", f"{n} " + "note " * 2000])
    book.close()
    table = read_table(buffer.getvalue(), file_name="notes.xlsx")
    assert len(table.rows) == 199


# --- the loans kind: one ID one name; a borrower is not their own guarantor --------------------------


def test_a_guarantor_who_is_the_borrower_is_a_row_error_and_nothing_is_written(personas: Any) -> None:
    borrower = make_ric(1)
    before = table_counts()
    rows, total = run(personas, [values(1, guarantor_1_name="借款人1", guarantor_1_id=borrower)])
    assert messages(rows[0]) == ["Guarantor's ID number: a borrower of this loan cannot also guarantee it."]
    assert total.created == 0 and table_counts() == before


def test_a_co_borrower_who_is_the_borrower_is_a_row_error(personas: Any) -> None:
    rows, total = run(personas, [values(1, co_borrower_name="借款人1", co_borrower_id=make_ric(1))])
    assert messages(rows[0]) == ["Co-borrower's ID number: the co-borrower is the borrower."]
    assert total.created == 0 and not LoanContract.objects.exists()


def test_one_id_number_with_two_names_in_a_file_stops_every_row_that_carries_it(personas: Any) -> None:
    shared = make_ric(7)
    before = table_counts()
    rows, total = run(
        personas,
        [
            values(1, borrower_id=shared, borrower_name="张三"),
            values(2, borrower_id=shared, borrower_name="张四"),
            values(3, guarantor_1_name="张 三", guarantor_1_id=shared),  # the same person's name, spaced
            values(4),
        ],
    )
    expected = "Borrower's name: the same ID number appears with different names on rows 2, 3, 4; correct the names"
    assert [m[: len(expected)] for m in messages(rows[0])] == [expected]
    assert [m[: len(expected)] for m in messages(rows[1])] == [expected]
    assert [m.split(":")[0] for m in messages(rows[2])] == ["Guarantor's name"]
    assert messages(rows[3]) == []
    assert total.created == 1 and list(LoanContract.objects.values_list("contract_no", flat=True)) == ["JK-2024-000004"]
    assert Party.objects.count() == before["parties.Party"] + 1
    assert all(shared not in m for row in rows for m in messages(row))  # never echoes the ID number


def test_the_same_person_on_two_loans_is_one_party(personas: Any) -> None:
    shared = make_ric(7)
    rows, total = run(
        personas,
        [values(1, borrower_id=shared, borrower_name="张三"), values(2, borrower_id=shared, borrower_name="张三")],
    )
    assert total.created == 2 and [messages(r) for r in rows] == [[], []]
    assert LoanParty.objects.filter(role=LoanParty.Role.BORROWER).values("party").distinct().count() == 1
    assert not GuaranteeContract.objects.exists()


def test_a_full_width_contract_number_imported_again_half_width_is_the_same_loan(personas: Any, tmp_path: Any) -> None:
    first = tmp_path / "full.csv"
    first.write_bytes(loans_csv([loan_row(1, contract_no="ATK-00001".translate(FULL_WIDTH))]))
    report = import_file(actor=personas.case_handler, creditor=personas.creditor, path=first)
    assert report.created == 1
    assert list(LoanContract.objects.values_list("contract_no", flat=True)) == ["ATK-00001"]
    second = tmp_path / "half.csv"
    second.write_bytes(loans_csv([loan_row(1)]))
    again = import_file(actor=personas.case_handler, creditor=personas.creditor, path=second)
    assert (again.created, again.counts["unchanged"]) == (0, 1)
    assert LoanContract.objects.count() == 1


def test_amounts_with_a_third_decimal_are_row_errors_through_the_cli_service(personas: Any, tmp_path: Any) -> None:
    path = tmp_path / "amounts.csv"
    path.write_bytes(loans_csv([loan_row(1, principal="1,234,567.891"), loan_row(2, principal="1,234,567.89")]))
    report = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path)
    assert report.errors == [
        (
            2,
            [
                "Principal: “1,234,567.891” has more than 2 decimal places; amounts are never rounded silently: "
                "correct the amount in the file."
            ],
        )
    ]
    assert [(loan.contract_no, loan.principal) for loan in LoanContract.objects.all()] == [
        ("ATK-00002", Decimal("1234567.89"))
    ]


# --- re-import, killed commit -------------------------------------------------------------------------


def test_re_importing_the_same_file_changes_nothing_in_any_table(personas: Any, tmp_path: Any) -> None:
    path = tmp_path / "loans.csv"
    path.write_bytes(loans_csv([loan_row(n) for n in range(1, 31)]))
    first = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path)
    assert (first.created, first.cases_opened) == (30, 30)
    before = table_counts()
    again = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path)
    assert (again.created, again.updated, again.cases_opened, again.counts["unchanged"]) == (0, 0, 0, 30)
    assert table_counts() == before


def _start_loans(personas: Any, content: bytes, user: Any = None, **kwargs: Any) -> ImportBatch:
    return services.import_start(
        actor=user or personas.case_handler,
        creditor=personas.creditor,
        kind="loans",
        file_name="loans.csv",
        content=content,
        **kwargs,
    )


def _fresh(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.get(pk=batch.pk)


def _loans_preview(personas: Any, run_jobs: Any, content: bytes) -> ImportBatch:
    batch = _start_loans(personas, content)
    run_jobs()
    batch = _fresh(batch)
    assert batch.status == ImportBatch.Status.MAPPING, batch.error_message
    services.import_configure(
        actor=batch.created_by, batch=batch, version=batch.version, mapping=batch.suggested_mapping, options={}
    )
    run_jobs()
    batch = _fresh(batch)
    assert batch.status == ImportBatch.Status.PREVIEW, batch.error_message
    return batch


class WorkerKilled(BaseException):
    """Like a killed process: passes every ``except Exception``."""


def test_a_loans_commit_killed_inside_a_chunk_resumes_with_no_duplicate_and_no_half_case(
    personas: Any, run_jobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loanlit.imports.kinds import loans as loans_kind
    from loanlit.imports.services import steps

    monkeypatch.setattr(steps, "COMMIT_CHUNK", 40)
    batch = _loans_preview(personas, run_jobs, loans_csv([loan_row(n) for n in range(1, 121)]))
    assert batch.counts["new"] == 120
    real_open = loans_kind.cases_open_batch
    calls = {"n": 0}

    def dying_open(**kwargs: Any) -> Any:
        calls["n"] += 1
        opened = real_open(**kwargs)  # the loans and the cases of this chunk are written ...
        if calls["n"] == 2:
            raise WorkerKilled  # ... and the worker dies before the chunk commits
        return opened

    monkeypatch.setattr(loans_kind, "cases_open_batch", dying_open)
    batch = _fresh(batch)
    services.import_commit(actor=batch.created_by, batch=batch, version=batch.version)
    with pytest.raises(WorkerKilled):
        run_jobs()
    assert LoanContract.objects.count() == 40 and Case.objects.count() == 40
    assert ImportRow.objects.filter(batch=batch, committed=True).count() == 40

    monkeypatch.setattr(loans_kind, "cases_open_batch", real_open)
    job = Job.objects.get(pk=_fresh(batch).job_id)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert job_services.job_recover_stale().requeued == [job.pk]
    run_jobs()
    batch = _fresh(batch)
    assert batch.status == ImportBatch.Status.DONE
    assert batch.result["created"] == 120 and batch.result["cases_opened"] == 120
    assert LoanContract.objects.count() == 120 and Case.objects.count() == 120
    assert CaseLoan.objects.values("loan").distinct().count() == 120 == CaseLoan.objects.count()
    assert not LoanContract.objects.filter(case_links__isnull=True).exists()
    assert not Case.objects.filter(case_loans__isnull=True).exists()
    assert Party.objects.count() == 120


# --- scope and permissions: refused, nothing written ---------------------------------------------------


def test_who_may_not_import_loans_is_refused_and_nothing_is_written(personas: Any, tmp_path: Any) -> None:
    content = loans_csv([loan_row(1)])
    path = tmp_path / "loans.csv"
    path.write_bytes(content)
    before = table_counts()
    for user in (personas.read_only, personas.external_lawyer, personas.auditor, personas.outsider_creditor):
        with pytest.raises(PermissionDeniedError):
            _start_loans(personas, content, user=user)
        with pytest.raises(PermissionDeniedError):
            import_file(actor=user, creditor=personas.creditor, path=path)
    # a Guangdong handler naming a Beijing unit, as the default unit or in the file
    with pytest.raises(PermissionDeniedError):
        _start_loans(personas, content, user=personas.outsider_branch, unit=personas.beijing)
    with pytest.raises(PermissionDeniedError):
        import_file(actor=personas.outsider_branch, creditor=personas.creditor, path=path, unit=personas.beijing)
    assert table_counts() == before
    in_file = tmp_path / "unit.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([[*HEADERS, "unit_code"], [*loan_row(1), "BJ-CY"]])
    in_file.write_bytes(buffer.getvalue().encode())
    report = import_file(actor=personas.outsider_branch, creditor=personas.creditor, path=in_file)
    assert report.counts["error"] == 1 and report.created == 0
    assert "outside your scope" in report.errors[0][1][0]
    assert table_counts() == before


def test_another_users_batch_is_refused_by_every_service(personas: Any, run_jobs: Any) -> None:
    batch = _loans_preview(personas, run_jobs, loans_csv([loan_row(1), loan_row(1)]))
    before = table_counts()
    for user in (personas.outsider_branch, personas.legal_manager, personas.read_only, personas.external_lawyer):
        for call in (
            lambda u: services.import_commit(actor=u, batch=batch, version=batch.version),
            lambda u: services.import_cancel(actor=u, batch=batch, version=batch.version),
            lambda u: services.import_configure(actor=u, batch=batch, version=batch.version, mapping={}, options={}),
            lambda u: services.import_resolve_duplicates(
                actor=u, batch=batch, version=batch.version, keep={"ATK-00001": 2}
            ),
        ):
            with pytest.raises(PermissionDeniedError):
                call(user)
    assert table_counts() == before
    assert _fresh(batch).status == ImportBatch.Status.PREVIEW and _fresh(batch).version == batch.version


# --- personal data ------------------------------------------------------------------------------------


def test_id_numbers_are_never_stored_or_echoed_in_clear(personas: Any, run_jobs: Any) -> None:
    good = make_ric(11)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # a wrong check character
    content = loans_csv([loan_row(1, borrower_id=good), loan_row(2, borrower_id=bad, principal="-5")])
    batch = _loans_preview(personas, run_jobs, content)
    assert batch.counts["new"] == 1 and batch.counts["error"] == 1
    with default_storage.open(_fresh(batch).file_path, "rb") as handle:
        blob = handle.read()
    assert good.encode() not in blob and bad.encode() not in blob
    for row in ImportRow.objects.filter(batch=batch):
        stored = row.payload + repr(row.errors) + repr(row.result) + row.key
        assert good not in stored and bad not in stored and good[-6:] not in stored
    batch = _fresh(batch)
    everything = repr(batch.result) + repr(batch.problems) + batch.error_message + repr(batch.counts)
    assert good not in everything and bad not in everything
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM imports_importrow WHERE batch_id = %s", [batch.pk])
        assert all(good not in payload and bad not in payload for (payload,) in cursor.fetchall())
    from loanlit.imports import selectors

    masked = selectors.import_preview(batch, user=personas.auditor)
    shown = repr([row.values for rows in masked.rows.values() for row in rows])
    assert masked.masked and good not in shown and bad not in shown and "Borrower 1" not in shown
    with pytest.raises(DomainError):
        services.import_commit(actor=personas.auditor, batch=batch, version=batch.version)
    assert AuditEntry.objects.filter(action="import.committed").count() == 0


def test_a_resident_id_with_a_wrong_check_character_or_birth_date_is_a_row_error(personas: Any) -> None:
    good = make_ric(3)
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    wrong_birth = "110105" + "19901332" + good[14:17]
    before = table_counts()
    rows, total = run(
        personas,
        [
            values(1, borrower_id=wrong_check),
            values(2, guarantor_1_name="保证人", guarantor_1_id=wrong_birth + "0"),
            values(3, borrower_id="E12345678"),  # a passport number: not checkable, imported as a document
        ],
    )
    assert [m.split(" is not")[0] for m in messages(rows[0])] == ["Borrower's ID number"]
    assert [m.split(" is not")[0] for m in messages(rows[1])] == ["Guarantor's ID number"]
    assert messages(rows[2]) == []
    assert all(wrong_check not in m and wrong_birth not in m for row in rows for m in messages(row))
    assert total.created == 1
    assert Party.objects.count() == before["parties.Party"] + 1


def test_a_resident_id_whose_wrong_check_digit_happens_to_pass_as_a_uscc_is_still_a_row_error(
    personas: Any,
) -> None:
    # 44011119600101407 + "0" is the resident ID; with "1" it is wrong, yet the USCC check character
    # of those 17 characters is "1" too (its embedded organisation code fails): found by bench_imports.
    wrong = "440111196001014071"
    before = table_counts()
    rows, total = run(personas, [values(1, borrower_id=wrong), values(2)])
    assert [m.split(" is not")[0] for m in messages(rows[0])] == ["Borrower's ID number"]
    assert total.created == 1
    assert Party.objects.count() == before["parties.Party"] + 1
    assert not Party.objects.filter(kind=Party.Kind.COMPANY).exists()


def test_the_error_report_masks_personal_data_for_a_reader_who_may_not_unmask(personas: Any, run_jobs: Any) -> None:
    import openpyxl

    from loanlit.imports import selectors

    number = make_ric(12)
    batch = _loans_preview(personas, run_jobs, loans_csv([loan_row(1, borrower_id=number, principal="-5")]))
    assert batch.counts["error"] == 1

    def cells_of(user: Any) -> list[Any]:
        content = selectors.import_error_report(batch, user=user)
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return [cell.value for cell in sheet[2]]

    clear = cells_of(personas.case_handler)
    assert clear[1:8] == ["ATK-00001", "consumer", "-5", "4.35", "2023-03-15", "Borrower 1", number]
    masked = cells_of(personas.auditor)  # sees every import of the creditor, may not unmask
    assert masked[1:6] == clear[1:6]
    assert masked[6] == "B*********" and masked[7] == number[:6] + "*" * 8 + number[-4:]
    assert number not in repr(masked)


# --- CSV: damaged UTF-8 is refused, never read as GB18030 mojibake -----------------------------------


def test_utf8_with_one_broken_byte_is_refused_naming_it_not_read_as_gb18030(personas: Any, tmp_path: Any) -> None:
    content = loans_csv([loan_row(n, borrower_name="张三") for n in range(1, 21)])
    # One damaged byte on the first data row (a continuation byte of 张 changed): no longer UTF-8
    broken = content.replace("张".encode(), b"\xe5\xfc\xa0", 1)
    assert broken.decode("gb18030")  # as a whole the bytes are valid GB18030: the trap
    path = tmp_path / "broken.csv"
    path.write_bytes(broken)
    before = table_counts()
    with pytest.raises(DomainError) as caught:
        import_file(actor=personas.case_handler, creditor=personas.creditor, path=path)
    assert caught.value.code == "encoding"
    assert "(line 2) is not valid UTF-8" in caught.value.message
    assert table_counts() == before


def test_a_real_gb18030_file_with_a_character_outside_gbk_still_reads(personas: Any, tmp_path: Any) -> None:
    path = tmp_path / "gb.csv"
    path.write_bytes(
        loans_csv([loan_row(1, borrower_name="王䶮"), loan_row(2, borrower_name="𠮷野家")]).decode().encode("gb18030")
    )
    report = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path, dry_run=True)
    assert report.encoding == "gb18030" and report.counts["new"] == 2 and report.as_json()["encoding"] == "gb18030"


def test_mixed_line_endings_and_a_quoted_line_break_keep_every_row(personas: Any, tmp_path: Any) -> None:
    header = ",".join(HEADERS).encode()
    rows = [",".join(loan_row(n)).encode() for n in (1, 3)]
    quoted = ",".join(loan_row(2, borrower_name="X")).replace(",X,", ',"Li\r\nSi",').encode()
    path = tmp_path / "eol.csv"
    path.write_bytes(header + b"\r\n" + rows[0] + b"\n" + quoted + b"\r" + rows[1] + b"\r\n")
    report = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path)
    assert report.counts["new"] == 3 and report.errors == []
    party = LoanParty.objects.get(loan__contract_no="ATK-00002").party
    assert party.name == "Li\nSi" or party.name == "Li Si"
