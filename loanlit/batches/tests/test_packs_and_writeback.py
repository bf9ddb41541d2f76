from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from docx import Document as Docx

from loanlit.batches import services
from loanlit.batches.models import BatchItem
from loanlit.batches.services import packs, writeback
from loanlit.cases.models import CostEntry, Proceeding
from loanlit.deadlines.models import Deadline

pytestmark = pytest.mark.django_db
D = Decimal


def _ready(world):
    handler = world.personas.case_handler
    services.batch_add_items(actor=handler, batch=world.batch, cases=[world.a, world.b, world.c, world.d])
    services.batch_screen(actor=handler, batch=world.batch)
    return handler


def test_packs_are_generated_through_docgen_and_a_failing_case_does_not_stop_the_others(world):
    handler = _ready(world)
    failures = []
    counts = packs.batch_generate_packs(
        actor=handler, batch=world.batch, on_error=lambda item, message: failures.append((item.case_id, message))
    )
    assert counts == {"generated": 2, "failed": 1}
    assert failures == [(world.c.pk, "赵六 has no identity document number on file.")]
    c = world.batch.items.get(case=world.c)
    assert (c.pack_state, c.pack_error, c.pack_documents, c.proceeding_id) == (
        "failed",
        "赵六 has no identity document number on file.",
        [],
        None,
    )
    assert not Proceeding.objects.filter(case=world.c).exists()  # nothing half-written for the failed case
    a = world.batch.items.get(case=world.a)
    assert a.pack_state == "generated" and len(a.pack_documents) == 5
    complaint = a.case.documents.get(pk=a.pack_documents[0])
    assert complaint.source == "generated" and complaint.category_id == "complaint"
    docx = Docx(io.BytesIO(packs.open_stored(complaint.current_version.storage_name).read()))
    paragraphs = [p.text for p in docx.paragraphs]
    cells = {cell.text for table in docx.tables for row in table.rows for cell in row.cells}
    assert "北京市朝阳区人民法院" in paragraphs  # the court the screening chose, via the prepared proceeding
    assert "王<某>" in cells
    # The proceeding the pack prepared: before 朝阳区 court; the lapsed guarantor is no defendant.
    proceeding = a.proceeding
    assert proceeding.court.caseno_code == "京0105" and proceeding.court_case_number == ""
    roles = sorted((p.role, p.party.name if p.party else p.unit.name) for p in proceeding.participants.all())
    assert roles == [("defendant", "王<某>"), ("plaintiff", "Beijing branch")]


def test_the_court_package_zip_has_a_folder_per_case_and_a_list_sheet_to_the_cent(world):
    handler = _ready(world)
    packs.batch_generate_packs(actor=handler, batch=world.batch)
    court_id = world.batch.items.get(case=world.a).court_id
    out = io.BytesIO()
    summary = packs.court_package(batch=world.batch, court_id=court_id, out=out)
    assert summary == {"cases": 2, "documents": 16}
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    folder_a = f"{world.a.internal_no} 王_某_"
    folder_d = f"{world.d.internal_no} 李四"
    names = archive.namelist()
    assert names == [
        f"{folder_a}/民事起诉状（要素式·金融借款合同纠纷）-{world.a.internal_no}.docx",
        f"{folder_a}/证据目录-{world.a.internal_no}.docx",
        f"{folder_a}/送达地址确认书-{world.a.internal_no}.docx",
        f"{folder_a}/授权委托书-{world.a.internal_no}.docx",
        f"{folder_a}/法定代表人／负责人身份证明-{world.a.internal_no}.docx",
        f"{folder_a}/借款合同 JK.pdf",
        f"{folder_a}/借据.pdf",
        f"{folder_a}/还款记录 (2025).pdf",
        f"{folder_d}/民事起诉状（要素式·金融借款合同纠纷）-{world.d.internal_no}.docx",
        f"{folder_d}/证据目录-{world.d.internal_no}.docx",
        f"{folder_d}/送达地址确认书-{world.d.internal_no}.docx",
        f"{folder_d}/授权委托书-{world.d.internal_no}.docx",
        f"{folder_d}/法定代表人／负责人身份证明-{world.d.internal_no}.docx",
        f"{folder_d}/借款合同 JK.pdf",
        f"{folder_d}/借据.pdf",
        f"{folder_d}/还款记录 (2025).pdf",
        "case list.xlsx",
    ]
    assert all(info.flag_bits & 0x800 for info in archive.infolist() if not info.filename.isascii())
    assert archive.read(f"{folder_a}/借据.pdf").startswith(b"%PDF-1.4")
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("case list.xlsx"))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Internal case number", "Borrower", "Claim amount", "Documents"]
    assert [(r[0], r[1], D(str(r[2])).quantize(D("0.01"))) for r in rows[1:]] == [
        (world.a.internal_no, "王<某>", D("103456.78")),
        (world.d.internal_no, "李四", D("88000.12")),
    ]
    assert sheet["C2"].number_format == "#,##0.00"
    assert rows[1][3].split("\n")[-1] == "还款记录 (2025).pdf"


def _court_list(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["内部案号", "案号", "立案日期", "诉讼费"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_the_court_list_opens_the_proceeding_records_the_fee_and_a_rerun_changes_nothing(world):
    handler = _ready(world)
    packs.batch_generate_packs(actor=handler, batch=world.batch)
    content = _court_list(
        [
            [world.a.internal_no, "（2025）京0105民初12345号", "2025-12-16", "1,184.57"],
            [world.d.internal_no, "(2025)京0105民初99号", "2025/12/17", "not money"],
            ["NO-SUCH-CASE", "（2025）京0105民初1号", "2025-12-16", "50"],
            [world.b.internal_no, "（2025）京0105民初2号", "2025-12-16", "50"],
        ]
    )
    report = writeback.batch_write_back(actor=handler, batch=world.batch, content=content, file_name="回执.csv")
    assert (report.rows, report.written, report.unchanged) == (4, 1, 0)
    assert [(e.row, e.message) for e in report.errors] == [
        (3, "Fee notice amount: “not money” is not an amount."),
        (4, "Case NO-SUCH-CASE is not in this batch."),
        (5, f"Case {world.b.internal_no} was not included in the batch."),
    ]
    proceeding = Proceeding.objects.get(case=world.a, kind="first_instance")
    assert (proceeding.court_case_number, proceeding.filed_on) == ("（2025）京0105民初12345号", dt.date(2025, 12, 16))
    cost = CostEntry.objects.get(case=world.a)
    assert (cost.kind, cost.amount, cost.paid_on, cost.proceeding_id) == (
        "acceptance_fee",
        D("1184.57"),
        dt.date(2025, 12, 16),
        proceeding.pk,
    )
    assert Deadline.objects.filter(case=world.a, kind="fee_payment").exists()
    assert Deadline.objects.filter(case=world.a, kind="trial_limit", proceeding=proceeding).exists()
    world.a.refresh_from_db()
    assert world.a.stage_id == "filed"
    a = world.batch.items.get(case=world.a)
    assert (a.court_case_number, a.filed_on, a.fee_notice_amount) == (
        "（2025）京0105民初12345号",
        dt.date(2025, 12, 16),
        D("1184.57"),
    )
    # The bad row wrote nothing for its case.
    d_proceeding = Proceeding.objects.get(case=world.d)
    assert d_proceeding.court_case_number == "" and not CostEntry.objects.filter(case=world.d).exists()
    # A re-run of the same file changes nothing.
    counts = (Proceeding.objects.count(), CostEntry.objects.count(), Deadline.objects.count())
    again = writeback.batch_write_back(actor=handler, batch=world.batch, content=content, file_name="回执.csv")
    assert (again.written, again.unchanged, len(again.errors)) == (0, 1, 3)
    assert (Proceeding.objects.count(), CostEntry.objects.count(), Deadline.objects.count()) == counts


def test_a_court_list_without_the_key_columns_is_refused_by_name(world):
    handler = _ready(world)
    content = "名称,日期\nx,2025-12-16\n".encode()
    with pytest.raises(Exception) as caught:
        writeback.batch_write_back(actor=handler, batch=world.batch, content=content, file_name="list.csv")
    assert caught.value.message == (
        "The file has no column for: Internal case number or Row key, Court case number, Filing date."
    )
    assert BatchItem.objects.filter(batch=world.batch).exclude(court_case_number="").count() == 0


def test_an_unexpected_error_in_one_pack_is_recorded_and_the_batch_goes_on(world, monkeypatch):
    from loanlit.docgen import services as docgen

    handler = _ready(world)
    real = docgen.document_generate

    def flaky(*, case, **kwargs):
        if case.pk == world.d.pk:
            raise RuntimeError("disk full")
        return real(case=case, **kwargs)

    monkeypatch.setattr(docgen, "document_generate", flaky)
    counts = packs.batch_generate_packs(actor=handler, batch=world.batch)
    assert counts == {"generated": 1, "failed": 2}
    d = world.batch.items.get(case=world.d)
    assert (d.pack_state, d.pack_error) == ("failed", "The filing pack could not be generated (RuntimeError).")
    assert not d.case.documents.filter(source="generated").exists()
    assert not Proceeding.objects.filter(case=world.d).exists()  # the proceeding it prepared was rolled back
    assert world.batch.items.get(case=world.a).pack_state == "generated"
