"""The case progress import kind (the panel firms' weekly sheets): rows through the real cell rules,
classified against the case on file, committed through the case services, re-imported unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone, translation

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.models import (
    Case,
    CaseEvent,
    CostEntry,
    Court,
    Hearing,
    Judgment,
    JudgmentItem,
    Proceeding,
    ProceedingParty,
    Recovery,
    ServiceRecord,
)
from loanlit.cases.tests import factories
from loanlit.deadlines.models import Deadline
from loanlit.imports import cells
from loanlit.imports.errors import CellError, RowError, render
from loanlit.imports.kinds import get_kind, get_preset
from loanlit.imports.kinds.base import KindContext, ParsedRow, RowStatus
from loanlit.imports.table import Cell, CellKind
from loanlit.loans.models import GuaranteeContract

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NUMBER = "（2025）京0105民初1234号"
AFFECTED = (
    Proceeding,
    ProceedingParty,
    Hearing,
    Judgment,
    JudgmentItem,
    ServiceRecord,
    CostEntry,
    Recovery,
    CaseEvent,
    Deadline,
    AuditEntry,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def kind():
    return get_kind("progress")


def parse(number: int, **texts: str) -> ParsedRow:
    """One source row as the pipeline converts it: every cell through the field's cell rule."""
    row = ParsedRow(number=number)
    for key, text in texts.items():
        spec = kind().field(key)
        try:
            value = cells.convert(Cell(CellKind.TEXT, text), spec)
        except CellError as exc:
            row.errors.append(RowError(exc.message, {"field": key, **exc.params}, field=key))
            continue
        if value is not None:
            row.values[key] = value
    row.key = kind().row_key(row.values)
    return row


def ctx_for(personas, actor=None, **options) -> KindContext:
    return KindContext(
        actor=actor if actor is not None else personas.case_handler,
        creditor=personas.creditor,
        unit=personas.beijing,
        today=timezone.localdate(),
        options={**kind().default_options, **options},
    )


def run(rows: list[ParsedRow], ctx: KindContext, *, commit: bool = True):
    """validate → classify (clean rows) → commit NEW/UPDATE rows by chunk, as the pipeline does."""
    k = kind()
    k.validate(rows, ctx)
    for row in rows:
        if row.errors:
            row.status = RowStatus.ERROR
    k.classify([r for r in rows if r.status == RowStatus.NEW], ctx)
    results = []
    if commit:
        chunks: dict[str, list[ParsedRow]] = {}
        for row in rows:
            if row.status in (RowStatus.NEW, RowStatus.UPDATE):
                chunks.setdefault(k.chunk_key(row, ctx), []).append(row)
        for chunk in chunks.values():
            with transaction.atomic():
                result = k.commit(chunk, ctx)
            for number, error in result.errors:
                row = next(r for r in chunk if r.number == number)
                row.errors.append(error)
                row.status = RowStatus.ERROR
            results.append(result)
    return results


def messages(row: ParsedRow) -> list[str]:
    labels = {spec.key: str(spec.label) for spec in kind().fields}
    return [render(error, labels=labels) for error in row.errors]


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in AFFECTED}


class World:
    def __init__(self, personas):
        self.personas = personas
        self.borrower, self.loan = factories.borrower_loan(
            personas.creditor, personas.beijing, name="Zhang San", seq=1, principal="100000.00"
        )
        self.guarantor = factories.party(personas.creditor, "Li Si")
        guarantee = GuaranteeContract.objects.create(
            creditor=personas.creditor, contract_no="BZ-1", guarantor=self.guarantor, guarantee_type="joint"
        )
        guarantee.loans.add(self.loan)
        self.case = cases.case_open(
            actor=None,
            creditor=personas.creditor,
            handling_unit=personas.beijing,
            cause_of_action="金融借款合同纠纷",
            loans=[self.loan],
            handler=personas.case_handler,
            opened_on=dt.date(2025, 7, 1),
        )
        self.court = Court.objects.get(caseno_code="京0105")


@pytest.fixture
def world(personas):
    return World(personas)


def opening_row(world, number=2, **extra):
    values = {
        "internal_no": world.case.internal_no.lower(),
        "case_number": "(2025)京0105民初1234号",  # half-width brackets: normalised
        "proceeding_kind": "一审",
        "court": "北京市朝阳区人民法院",
        "filed_on": "2025/8/1",
        "accepted_on": "2025年8月8日",
        "judge": "王法官",
        "hearing_at": "2025-09-02 09:30",
        "hearing_room": "第三法庭",
        "cost_kind": "诉讼费",
        "cost_amount": "1,234.50",
        "cost_paid_on": "2025-08-08",
        "note": "首次开庭",
    }
    values.update(extra)
    return parse(number, **values)


def judgment_row(number=3, **extra):
    values = {
        "case_number": NUMBER,
        "judged_on": "2025-09-10",
        "judgment_principal": "100,000.00",
        "judgment_interest": "2345.67",
        "judgment_penalty": "12.3",
        "judgment_served_on": "2025-09-25",
        "recovery_amount": "500",
        "recovery_received_on": "2025-10-20",
        "recovery_source": "借款人还款",
    }
    values.update(extra)
    return parse(number, **values)


def test_kind_and_standard_template_preset_are_registered():
    assert kind().code == "progress"
    preset = get_preset("loanlit-progress")
    assert preset.kind == "progress"
    assert preset.columns["case_number"] == ("案号",)
    assert {spec.key for spec in kind().fields} == set(preset.columns)


@pytest.mark.parametrize(
    "text, value",
    [
        ("一审", "first_instance"),
        ("二审", "second_instance"),
        ("上诉", "second_instance"),
        ("执行", "enforcement"),
        ("终本", "terminated_for_now"),
        ("恢复执行", "resumed_enforcement"),
        ("First instance", "first_instance"),
        ("enforcement", "enforcement"),
    ],
)
def test_proceeding_kinds_are_read_from_chinese_labels_and_synonyms(text, value):
    assert parse(2, proceeding_kind=text).values["proceeding_kind"] == value


def test_a_sheet_opens_the_proceeding_schedules_the_hearing_and_records_the_cost(world, personas):
    rows = [opening_row(world)]
    ctx = ctx_for(personas)
    run(rows, ctx, commit=False)
    row = rows[0]
    assert (row.status, row.errors, row.target_id) == (RowStatus.UPDATE, [], world.case.pk)
    assert row.diff == {
        "proceeding": ["", f"first_instance {NUMBER} 北京市朝阳区人民法院"],
        "participants": ["", "3"],
        "hearing_at": ["", "2025-09-02 09:30 第三法庭"],
        "cost": ["", "acceptance_fee 1234.50 2025-08-08 creditor"],
    }
    assert kind().chunk_key(row, ctx) == f"case:{world.case.pk}"
    assert not Proceeding.objects.exists()  # classify wrote nothing

    [result] = run(rows, ctx)
    assert (result.updated, result.errors) == (1, [])
    proceeding = Proceeding.objects.get(case=world.case)
    assert (proceeding.kind, proceeding.court, proceeding.court_case_number) == ("first_instance", world.court, NUMBER)
    assert (proceeding.filed_on, proceeding.accepted_on, proceeding.judge) == (
        dt.date(2025, 8, 1),
        dt.date(2025, 8, 8),
        "王法官",
    )
    participants = sorted(
        (p.role, p.party_id, p.unit_id) for p in ProceedingParty.objects.filter(proceeding=proceeding)
    )
    assert participants == [
        ("defendant", world.borrower.pk, None),
        ("guarantor_defendant", world.guarantor.pk, None),
        ("plaintiff", None, personas.beijing.pk),
    ]
    hearing = Hearing.objects.get(proceeding=proceeding)
    assert hearing.starts_at == dt.datetime(2025, 9, 2, 9, 30, tzinfo=SHANGHAI)
    assert (hearing.room, hearing.note, hearing.created_by) == ("第三法庭", "首次开庭", personas.case_handler)
    cost = CostEntry.objects.get(case=world.case)
    assert (cost.kind, cost.amount, cost.paid_on, cost.payer, cost.proceeding) == (
        "acceptance_fee",
        Decimal("1234.50"),
        dt.date(2025, 8, 8),
        "creditor",
        proceeding,
    )
    assert rows[0].result == {"case": world.case.pk, "proceeding": proceeding.pk}
    # The hearing reminder hangs off the event the service wrote.
    assert CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.HEARING_SET).count() == 1


def test_a_judgment_and_its_service_date_record_the_items_and_create_the_appeal_deadlines(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world)], ctx)
    rows = [judgment_row()]
    run(rows, ctx)
    assert (rows[0].status, rows[0].errors) == (RowStatus.UPDATE, [])
    assert set(rows[0].diff) == {"judgment", "judgment_served_on", "recovery"}
    proceeding = Proceeding.objects.get(case=world.case)
    judgment = Judgment.objects.get(proceeding=proceeding)
    assert (judgment.judged_on, judgment.kind, judgment.adjudicated_amount) == (
        dt.date(2025, 9, 10),
        "judgment",
        Decimal("102357.97"),
    )
    assert list(JudgmentItem.objects.filter(judgment=judgment).order_by("seq").values_list("kind", "amount")) == [
        ("principal", Decimal("100000.00")),
        ("interest", Decimal("2345.67")),
        ("penalty", Decimal("12.30")),
    ]
    served = ServiceRecord.objects.filter(proceeding=proceeding)
    assert served.count() == 3
    assert set(served.values_list("document", "served_on", "method")) == {("judgment", dt.date(2025, 9, 25), "direct")}
    # 2025-09-25 + 15 days = 2025-10-10, a Friday working day: each participant's appeal deadline.
    appeals = Deadline.objects.filter(case=world.case, kind=Deadline.Kind.APPEAL)
    assert appeals.count() == 3
    assert set(appeals.values_list("due_on", "rule")) == {(dt.date(2025, 10, 10), "appeal_judgment")}
    judgment.refresh_from_db()
    assert judgment.effective_on == dt.date(2025, 10, 11)
    recovery = Recovery.objects.get(case=world.case)
    assert (recovery.amount, recovery.received_on, recovery.source, recovery.phase) == (
        Decimal("500.00"),
        dt.date(2025, 10, 20),
        "borrower_payment",
        "enforcement",
    )


def test_reimporting_the_same_sheet_changes_nothing_in_any_table(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world), judgment_row()], ctx)
    before = table_counts()
    rows = [opening_row(world), judgment_row()]
    results = run(rows, ctx)
    assert [(r.status, r.errors, r.diff) for r in rows] == [(RowStatus.UNCHANGED, [], {})] * 2
    assert results == []
    assert table_counts() == before


def test_several_rows_of_one_case_in_one_sheet_are_classified_as_they_will_be_committed(world, personas):
    ctx = ctx_for(personas)
    rows = [opening_row(world), judgment_row(), judgment_row(number=4)]
    run(rows, ctx, commit=False)
    assert [r.status for r in rows] == [RowStatus.UPDATE, RowStatus.UPDATE, RowStatus.UNCHANGED]
    assert "proceeding" not in rows[1].diff  # the first row opens it
    results = run(rows, ctx)
    assert sum(r.updated for r in results) == 2
    assert Proceeding.objects.count() == 1 and Judgment.objects.count() == 1


def test_a_resumed_commit_writes_nothing_twice(world, personas):
    ctx = ctx_for(personas)
    rows = [opening_row(world), judgment_row()]
    run(rows, ctx)
    before = table_counts()
    with transaction.atomic():
        again = kind().commit(rows, ctx)
    assert (again.updated, again.unchanged, again.errors) == (0, 2, [])
    assert table_counts() == before


def test_a_different_judgment_on_file_is_the_row_error_judgment_already_recorded(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world), judgment_row()], ctx)
    before = table_counts()
    rows = [judgment_row(judgment_principal="99,000.00", recovery_amount="600")]
    run(rows, ctx)
    assert rows[0].status == RowStatus.ERROR
    assert messages(rows[0]) == [
        "A judgment is already recorded for this proceeding (2025-09-10 judgment: principal 100000.00, interest "
        "2345.67, penalty 12.30) and differs from the row (2025-09-10 judgment: principal 99000.00, interest "
        "2345.67, penalty 12.30)."
    ]
    assert table_counts() == before  # nor the recovery of that row


def test_updates_the_filing_dates_of_a_proceeding_on_file(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world)], ctx)
    rows = [parse(2, case_number=NUMBER, accepted_on="2025-08-09", judge="李法官")]
    run(rows, ctx, commit=False)
    assert rows[0].diff == {"accepted_on": ["2025-08-08", "2025-08-09"], "judge": ["王法官", "李法官"]}
    run(rows, ctx)
    proceeding = Proceeding.objects.get(case=world.case)
    assert (proceeding.accepted_on, proceeding.judge, proceeding.filed_on) == (
        dt.date(2025, 8, 9),
        "李法官",
        dt.date(2025, 8, 1),
    )


def test_enforcement_terminated_for_now_opens_the_enforcement_and_records_its_result(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world), judgment_row()], ctx)
    rows = [
        parse(
            5,
            case_number="（2026）京0105执12号",
            internal_no=world.case.internal_no,
            proceeding_kind="终本",
            filed_on="2026-01-05",
            result_on="2026-06-30",
            cost_kind="执行费",
            cost_amount="800",
            cost_paid_on="2026-01-05",
        )
    ]
    run(rows, ctx)
    assert (rows[0].status, rows[0].errors) == (RowStatus.UPDATE, [])
    enforcement = Proceeding.objects.get(case=world.case, kind="enforcement")
    assert enforcement.court_case_number == "（2026）京0105执12号"
    assert enforcement.court == world.court  # told by the case number
    assert (enforcement.result, enforcement.result_on, enforcement.is_active) == (
        "terminated_for_now",
        dt.date(2026, 6, 30),
        False,
    )
    first = Proceeding.objects.get(case=world.case, kind="first_instance")
    assert enforcement.follows == first and not first.is_active
    roles = set(ProceedingParty.objects.filter(proceeding=enforcement).values_list("role", flat=True))
    assert roles == {"enforcement_applicant", "person_subject_to_enforcement"}
    case = Case.objects.get(pk=world.case.pk)
    assert case.procedural_position.code == "enforcement_terminated_for_now"
    before = table_counts()
    again = [parse(5, case_number="（2026）京0105执12号", proceeding_kind="终本", result_on="2026-06-30")]
    run(again, ctx)
    assert again[0].status == RowStatus.UNCHANGED and table_counts() == before


def test_an_external_lawyer_of_another_firm_gets_case_not_found_and_nothing_is_written(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world)], ctx)
    admin = personas.administrator
    ours = cases.law_firm_create(actor=admin, name="Firm A")
    theirs = cases.law_firm_create(actor=admin, name="Firm B")
    cases.law_firm_member_add(actor=admin, law_firm=theirs, user=personas.external_lawyer)
    case = Case.objects.get(pk=world.case.pk)
    cases.case_place_with_firm(actor=admin, case=case, law_firm=ours, version=case.version)
    before = table_counts()
    rows = [
        judgment_row(),
        parse(3, internal_no=world.case.internal_no, cost_kind="律师费", cost_amount="100", cost_paid_on="2025-09-01"),
    ]
    run(rows, ctx_for(personas, actor=personas.external_lawyer))
    assert [r.status for r in rows] == [RowStatus.ERROR, RowStatus.ERROR]
    assert messages(rows[0]) == [f"Case not found: {NUMBER}."]
    assert messages(rows[1]) == [f"Case not found: {world.case.internal_no}."]
    assert table_counts() == before


def test_an_external_lawyer_of_the_placed_firm_imports_progress_and_pays_the_costs(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world)], ctx)
    admin = personas.administrator
    firm = cases.law_firm_create(actor=admin, name="Firm A")
    cases.law_firm_member_add(actor=admin, law_firm=firm, user=personas.external_lawyer)
    case = Case.objects.get(pk=world.case.pk)
    cases.case_place_with_firm(actor=admin, case=case, law_firm=firm, version=case.version)
    rows = [parse(2, case_number=NUMBER, cost_kind="公告费", cost_amount="260", cost_paid_on="2025-09-01")]
    run(rows, ctx_for(personas, actor=personas.external_lawyer))
    assert (rows[0].status, rows[0].errors) == (RowStatus.UPDATE, [])
    cost = CostEntry.objects.get(case=world.case, kind="publication_fee")
    assert (cost.amount, cost.payer) == (Decimal("260.00"), "law_firm")


def test_every_error_of_a_row_is_listed(world, personas):
    rows = [
        parse(
            2,
            case_number="not a number",
            hearing_at="2025-09-02",
            judgment_principal="-5",
            accepted_on="2025-07-01",
            filed_on="2025-08-01",
            cost_amount="12",
            recovery_source="拍卖",
            proceeding_kind="家事",
        )
    ]
    run(rows, ctx_for(personas))
    found = messages(rows[0])
    assert rows[0].status == RowStatus.ERROR
    assert "Court case number: “not a number” is not a court case number." in found
    assert "Hearing date and time: give the hearing's time as well as its date." in found
    assert "Judgment: principal cannot be negative." in found
    assert "Judgment date: the judgment's amounts need the judgment date." in found
    assert "A case cannot be accepted before it was filed." in found
    assert "Kind of cost is needed to record the cost." in found
    assert "Cost paid on is needed to record the cost." in found
    assert "Recovery amount is needed to record the recovery." in found
    assert "Recovery received on is needed to record the recovery." in found
    assert any(m.startswith("Proceeding:") for m in found)  # the cell rule refuses the unknown kind
    assert len(found) == 10, found
    assert not Proceeding.objects.exists()


def test_rows_naming_no_case_or_an_unknown_one_are_errors(world, personas):
    rows = [
        parse(2, judge="王法官"),
        parse(3, case_number="（2025）京0105民初999号", judge="王法官"),
        parse(4, internal_no="BJ-1999-000001", judge="王法官"),
    ]
    run(rows, ctx_for(personas))
    assert [messages(r) for r in rows] == [
        ["Give the court case number or the internal case number."],
        ["Case not found: （2025）京0105民初999号."],
        ["Case not found: BJ-1999-000001."],
    ]


def test_a_case_number_of_another_case_is_refused(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world)], ctx)
    _borrower, loan = factories.borrower_loan(personas.creditor, personas.beijing, name="Wang Wu", seq=2)
    other = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        opened_on=dt.date(2025, 7, 2),
    )
    rows = [parse(2, internal_no=other.internal_no, case_number=NUMBER, judge="X")]
    run(rows, ctx)
    assert messages(rows[0]) == [f"The court case number {NUMBER} belongs to another case ({world.case.internal_no})."]


def test_service_on_an_appeal_without_participants_asks_to_add_them(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world)], ctx)
    rows = [
        parse(
            2,
            internal_no=world.case.internal_no,
            case_number="（2025）京01民终77号",
            court="1101",
            judgment_served_on="2025-12-01",
        )
    ]
    run(rows, ctx)
    assert messages(rows[0]) == [
        "Judgment served on: the proceeding has no participants to record service on; add them on the case page first."
    ]
    assert not Proceeding.objects.filter(kind="second_instance").exists()


# --- a real file through the pipeline ------------------------------------------------------------------------


def _csv(path, header: list[str], lines: list[list[str]], encoding: str = "gb18030"):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(lines)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_a_weekly_sheet_in_gb18030_imports_through_the_pipeline_and_reimports_unchanged(world, personas, tmp_path):
    from loanlit.imports.services.cli import import_file

    header = [
        "内部案件编号",
        "案号",
        "程序",
        "法院",
        "立案日期",
        "开庭时间",
        "法庭",
        "判决日期",
        "判决本金",
        "判决送达日期",
        "费用类型",
        "费用金额",
        "缴费日期",
        "备注",
    ]
    lines = [
        [
            world.case.internal_no,
            NUMBER,
            "一审",
            "110105",
            "2025-08-08",
            "2025/9/2 9:30",
            "第三法庭",
            "",
            "",
            "",
            "诉讼费",
            "￥1,234.50",
            "2025-08-08",
            "䶮 outside GBK",
        ],
        ["", NUMBER, "", "", "", "", "", "2025年9月10日", "100,000.00", "2025-09-25", "", "", "", ""],
    ]
    path = _csv(tmp_path / "weekly.csv", header, lines)
    report = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path, kind="progress")
    assert report.errors == []
    assert (report.counts["update"], report.updated) == (2, 2)
    proceeding = Proceeding.objects.get(case=world.case)
    assert (proceeding.court_case_number, proceeding.accepted_on) == (NUMBER, dt.date(2025, 8, 8))
    assert Hearing.objects.get(proceeding=proceeding).starts_at == dt.datetime(2025, 9, 2, 9, 30, tzinfo=SHANGHAI)
    assert Hearing.objects.get(proceeding=proceeding).note == "䶮 outside GBK"
    assert CostEntry.objects.get(case=world.case).amount == Decimal("1234.50")
    assert JudgmentItem.objects.get(judgment__proceeding=proceeding).amount == Decimal("100000.00")
    assert Deadline.objects.filter(case=world.case, kind=Deadline.Kind.APPEAL).count() == 3

    before = table_counts()
    again = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path, kind="progress")
    assert (again.counts["unchanged"], again.updated, again.errors) == (2, 0, [])
    after = table_counts()
    # The CLI run itself is audited only when it wrote something: every table is as it was.
    assert after == before

    admin = personas.administrator
    firm = cases.law_firm_create(actor=admin, name="Firm B")
    cases.law_firm_member_add(actor=admin, law_firm=firm, user=personas.external_lawyer)
    before = table_counts()
    outsider = import_file(actor=personas.external_lawyer, creditor=personas.creditor, path=path, kind="progress")
    assert outsider.counts["error"] == 2
    assert outsider.errors == [
        (2, [f"Case not found: {world.case.internal_no}."]),
        (3, [f"Case not found: {NUMBER}."]),
    ]
    assert table_counts() == before


def test_the_case_number_goes_to_the_proceeding_filed_without_one_instead_of_opening_another(world, personas):
    filed = cases.proceeding_open(
        actor=None, case=world.case, kind="first_instance", court=world.court, filed_on=dt.date(2025, 8, 1)
    )
    rows = [parse(2, internal_no=world.case.internal_no, case_number=NUMBER, accepted_on="2025-08-08")]
    run(rows, ctx_for(personas), commit=False)
    assert rows[0].diff == {"court_case_number": ["", NUMBER], "accepted_on": ["", "2025-08-08"]}
    run(rows, ctx_for(personas))
    filed.refresh_from_db()
    assert (filed.court_case_number, filed.accepted_on, filed.filed_on) == (
        NUMBER,
        dt.date(2025, 8, 8),
        dt.date(2025, 8, 1),
    )
    assert Proceeding.objects.filter(case=world.case).count() == 1


def test_a_case_number_of_another_kind_or_court_is_a_row_error_in_the_preview(world, personas):
    rows = [
        opening_row(world, case_number="（2025）京0105执1号"),  # an enforcement number for a first instance
        opening_row(world, number=3, case_number="（2025）沪0105民初5号"),  # a Shanghai number, a Beijing court
    ]
    run(rows, ctx_for(personas))
    assert messages(rows[0]) == [
        "Court case number: （2025）京0105执1号 is not a case number for this kind of proceeding (first_instance)."
    ]
    assert messages(rows[1]) == [
        "Court: the case number （2025）沪0105民初5号 belongs to another court than 北京市朝阳区人民法院."
    ]
    assert not Proceeding.objects.exists()


def test_a_row_refused_while_written_leaves_nothing_behind_and_the_next_row_still_lands(world, personas, monkeypatch):
    from loanlit.core.errors import DomainError
    from loanlit.imports.kinds.progress import planner

    def refuse(**kwargs):
        raise DomainError("recovery refused")

    ctx = ctx_for(personas)
    run([opening_row(world)], ctx)
    monkeypatch.setattr(planner.case_services, "recovery_record", refuse)
    before = table_counts()
    rows = [
        judgment_row(),  # judgment, service and a recovery: the recovery fails, so nothing of it stays
        parse(4, case_number=NUMBER, hearing_at="2025-11-03 14:00"),
    ]
    run(rows, ctx)
    assert rows[0].status == RowStatus.ERROR
    assert messages(rows[0]) == ["The row could not be applied: recovery refused"]
    assert rows[1].status == RowStatus.UPDATE and rows[1].errors == []
    after = table_counts()
    assert after["Judgment"] == before["Judgment"] and after["ServiceRecord"] == before["ServiceRecord"]
    assert after["Hearing"] == before["Hearing"] + 1
    assert not Judgment.objects.exists()


def test_resumed_enforcement_follows_the_terminated_one(world, personas):
    ctx = ctx_for(personas)
    run([opening_row(world), judgment_row()], ctx)
    number = "（2026）京0105执12号"
    run(
        [
            parse(
                2,
                internal_no=world.case.internal_no,
                case_number=number,
                proceeding_kind="终本",
                result_on="2026-06-30",
            )
        ],
        ctx,
    )
    rows = [parse(3, internal_no=world.case.internal_no, case_number="（2027）京0105执恢3号", filed_on="2027-02-01")]
    run(rows, ctx)
    assert (rows[0].status, rows[0].errors) == (RowStatus.UPDATE, [])
    resumed = Proceeding.objects.get(case=world.case, kind="resumed_enforcement")
    assert resumed.follows == Proceeding.objects.get(court_case_number=number)
    assert Case.objects.get(pk=world.case.pk).procedural_position.code == "resumed_enforcement"


@pytest.mark.parametrize("flag", [False, "false", "0"])
def test_participants_are_not_added_when_the_option_says_so(world, personas, flag):
    rows = [opening_row(world)]
    run(rows, ctx_for(personas, add_participants=flag))
    assert "participants" not in rows[0].diff
    assert not ProceedingParty.objects.exists()
    assert Proceeding.objects.filter(case=world.case).count() == 1


def test_classifying_a_sheet_takes_the_same_queries_for_few_or_many_cases(world, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sheet(first: int, count: int) -> list[ParsedRow]:
        rows = []
        for n in range(first, first + count):
            _borrower, loan = factories.borrower_loan(personas.creditor, personas.beijing, name=f"P{n}", seq=100 + n)
            case = cases.case_open(
                actor=None,
                creditor=personas.creditor,
                handling_unit=personas.beijing,
                cause_of_action="金融借款合同纠纷",
                loans=[loan],
                opened_on=dt.date(2025, 7, 1),
            )
            rows.append(
                parse(
                    n + 2,
                    internal_no=case.internal_no,
                    case_number=f"（2025）京0105民初{n + 1}号",
                    court="110105",
                    cost_kind="诉讼费",
                    cost_amount="100",
                    cost_paid_on="2025-08-01",
                )
            )
        return rows

    def queries(rows: list[ParsedRow]) -> int:
        from loanlit.accounts.models import User

        ctx = ctx_for(personas, actor=User.objects.get(pk=personas.case_handler.pk))  # nothing cached on it
        with CaptureQueriesContext(connection) as captured:
            kind().validate(rows, ctx)
            kind().classify(rows, ctx)
        assert all(r.status == RowStatus.UPDATE for r in rows)
        return len(captured)

    assert queries(sheet(0, 2)) == queries(sheet(2, 8))
