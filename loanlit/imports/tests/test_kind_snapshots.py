"""The balance snapshots import kind: rows through the real cell rules, classify, commit, re-import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from loanlit.audit.models import AuditEntry
from loanlit.cases.tests import factories
from loanlit.imports import cells
from loanlit.imports.errors import CellError, RowError, render
from loanlit.imports.kinds import get_kind, get_preset
from loanlit.imports.kinds.base import KindContext, ParsedRow, RowStatus
from loanlit.imports.table import Cell, CellKind
from loanlit.loans.models import LoanBalanceSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def kind():
    return get_kind("snapshots")


def parse(number: int, **texts: str) -> ParsedRow:
    """One source row as the pipeline converts it: every cell through the field's cell rule."""
    spec_kind = kind()
    row = ParsedRow(number=number)
    for key, text in texts.items():
        spec = spec_kind.field(key)
        try:
            value = cells.convert(Cell(CellKind.TEXT, text), spec)
        except CellError as exc:
            row.errors.append(RowError(exc.message, {"field": key, **exc.params}, field=key))
            continue
        if value is not None:
            row.values[key] = value
    row.key = spec_kind.row_key(row.values)
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
                results.append(k.commit(chunk, ctx))
    return results


def messages(row: ParsedRow) -> list[str]:
    labels = {spec.key: str(spec.label) for spec in kind().fields}
    return [render(error, labels=labels) for error in row.errors]


def sheet(loan_no: str, **overrides: str) -> dict[str, str]:
    values = {
        "contract_no": loan_no,
        "as_of": "2025年6月30日",
        "principal": "80,000.00",
        "interest_on_balance": "￥1,234.56",
        "interest_off_balance": "100.01",
        "penalty": "50.5",
        "compound": "3.03",
        "fees": "",
        "currency": "人民币",
    }
    values.update(overrides)
    return values


def test_kind_and_standard_template_preset_are_registered():
    assert kind().code == "snapshots"
    preset = get_preset("loanlit-snapshots")
    assert preset.kind == "snapshots"
    assert preset.columns["contract_no"] == ("借款合同编号",)
    assert {spec.key for spec in kind().fields} == set(preset.columns)
    assert kind().field("contract_no").key_column and kind().field("principal").places == 2


def test_new_balances_are_appended_with_exact_amounts_and_audited(personas):
    loan = factories.loan(personas.creditor, personas.beijing, contract_no="JK-2024-000001")
    rows = [parse(2, **sheet(" jk-2024-000001 "))]
    ctx = ctx_for(personas)
    before = AuditEntry.objects.count()
    [result] = run(rows, ctx)
    assert rows[0].status == RowStatus.NEW and rows[0].target_id == loan.pk
    assert rows[0].diff["principal"] == ["", "80000.00"]
    assert (result.created, result.errors) == (1, [])
    stored = LoanBalanceSnapshot.objects.get(loan=loan)
    assert stored.as_of == dt.date(2025, 6, 30)
    assert (stored.principal, stored.interest_on_balance, stored.interest_off_balance) == (
        Decimal("80000.00"),
        Decimal("1234.56"),
        Decimal("100.01"),
    )
    assert (stored.penalty, stored.compound, stored.fees) == (Decimal("50.50"), Decimal("3.03"), Decimal("0.00"))
    assert (stored.source, stored.currency, stored.recorded_by) == ("import", "CNY", personas.case_handler)
    assert rows[0].result == {"loan": loan.pk, "snapshot": stored.pk}
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.order_by("-pk").first().action == "loan.balance_recorded"


def test_reimporting_the_same_sheet_changes_nothing(personas):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    factories.loan(personas.creditor, personas.beijing_chaoyang, contract_no="JK-2")
    ctx = ctx_for(personas)
    run([parse(2, **sheet("JK-1")), parse(3, **sheet("JK-2", principal="5"))], ctx)
    counts = (LoanBalanceSnapshot.objects.count(), AuditEntry.objects.count())
    rows = [parse(2, **sheet("JK-1")), parse(3, **sheet("ＪＫ－２", principal="5.00"))]
    results = run(rows, ctx)
    assert [r.status for r in rows] == [RowStatus.UNCHANGED, RowStatus.UNCHANGED]
    assert results == []
    assert (LoanBalanceSnapshot.objects.count(), AuditEntry.objects.count()) == counts


def test_a_commit_run_twice_writes_nothing_the_second_time(personas):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    ctx = ctx_for(personas)
    rows = [parse(2, **sheet("JK-1"))]
    run(rows, ctx)
    with transaction.atomic():
        again = kind().commit(rows, ctx)  # a resumed commit of the same chunk
    assert (again.created, again.unchanged, again.errors) == (0, 1, [])
    assert LoanBalanceSnapshot.objects.count() == 1


def test_a_different_balance_for_a_day_on_file_is_an_error_and_the_snapshot_is_kept(personas):
    loan = factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    ctx = ctx_for(personas)
    run([parse(2, **sheet("JK-1"))], ctx)
    rows = [parse(2, **sheet("JK-1", penalty="60.00", fees="1"))]
    run(rows, ctx)
    assert rows[0].status == RowStatus.ERROR
    assert messages(rows[0]) == [
        "Loan JK-1 already has a different balance as of 2025-06-30 (fees, penalty); a balance is never "
        "overwritten: import the correction as of a later day."
    ]
    assert rows[0].conflicts == {"penalty": ["50.50", "60.00"], "fees": ["0.00", "1.00"]}
    assert LoanBalanceSnapshot.objects.get(loan=loan).penalty == Decimal("50.50")

    kept = [parse(2, **sheet("JK-1", penalty="60.00"))]
    run(kept, ctx_for(personas, on_conflict="keep"))
    assert (kept[0].status, kept[0].errors) == (RowStatus.UNCHANGED, [])
    assert kept[0].conflicts == {"penalty": ["50.50", "60.00"]}

    later = [parse(2, **sheet("JK-1", as_of="2025-07-31", penalty="60.00"))]
    run(later, ctx)
    assert later[0].status == RowStatus.NEW
    assert list(LoanBalanceSnapshot.objects.filter(loan=loan).order_by("as_of").values_list("penalty", flat=True)) == [
        Decimal("50.50"),
        Decimal("60.00"),
    ]


def test_a_loan_of_another_branch_or_creditor_is_not_found_and_nothing_is_written(personas):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-BJ")
    factories.loan(personas.other_creditor, personas.other_head_office, contract_no="JK-OTHER")
    rows = [parse(2, **sheet("JK-BJ")), parse(3, **sheet("JK-OTHER")), parse(4, **sheet("JK-NONE"))]
    before = AuditEntry.objects.count()
    run(rows, ctx_for(personas, actor=personas.outsider_branch))
    assert [r.status for r in rows] == [RowStatus.ERROR] * 3
    assert [messages(r) for r in rows] == [
        ["Loan JK-BJ was not found."],
        ["Loan JK-OTHER was not found."],
        ["Loan JK-NONE was not found."],
    ]
    assert not LoanBalanceSnapshot.objects.exists()
    assert AuditEntry.objects.count() == before


def test_every_error_of_a_row_is_listed(personas):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1", currency="USD")
    bad = parse(2, **sheet("JK-1", principal="-5", penalty="-1", currency="dollars", as_of="2025-13-45"))
    run([bad], ctx_for(personas))
    assert bad.status == RowStatus.ERROR
    found = messages(bad)
    assert len(found) == 4, found
    assert "Outstanding principal cannot be negative." in found
    assert "Penalty interest cannot be negative." in found
    assert "Currency: “dollars” is not a supported currency." in found
    assert any(message.startswith("Balance as of") for message in found)

    mismatch = parse(3, **sheet("JK-1"))
    run([mismatch], ctx_for(personas))
    assert messages(mismatch) == ["Currency: the loan is in USD, the row says 人民币."]
    assert not LoanBalanceSnapshot.objects.exists()


def test_the_row_key_is_the_normalised_contract_number_and_day(personas):
    assert parse(2, **sheet(" jk-1 ")).key == parse(3, **sheet("ＪＫ-1")).key == "JK-1@2025-06-30"
    assert parse(4, **sheet("JK-1", as_of="2025-07-01")).key != parse(2, **sheet("JK-1")).key


def test_a_csv_with_everyday_headers_imports_through_the_pipeline_and_reimports_unchanged(personas, tmp_path):
    from loanlit.imports.services.cli import import_file

    loan = factories.loan(personas.creditor, personas.beijing, contract_no="6222020200112233445")
    header = ["合同号", "截至日期", "剩余本金", "表内欠息", "表外欠息", "罚息", "复利", "费用", "币种"]
    line = ["6222020200112233445", "2025/6/30", "80,000.00", "1234.56", "100.01", "50.5", "3.03", "", "CNY"]
    path = tmp_path / "balances.csv"
    path.write_bytes(("\ufeff" + ",".join(header) + "\r\n" + ",".join(f'"{v}"' for v in line) + "\r\n").encode())
    report = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path, kind="snapshots")
    assert (report.errors, report.created, report.counts["new"]) == ([], 1, 1)
    stored = LoanBalanceSnapshot.objects.get(loan=loan)
    assert (stored.as_of, stored.principal, stored.interest_on_balance, stored.penalty, stored.fees) == (
        dt.date(2025, 6, 30),
        Decimal("80000.00"),
        Decimal("1234.56"),
        Decimal("50.50"),
        Decimal("0.00"),
    )
    counts = (LoanBalanceSnapshot.objects.count(), AuditEntry.objects.count())
    again = import_file(actor=personas.case_handler, creditor=personas.creditor, path=path, kind="snapshots")
    assert (again.created, again.counts["unchanged"], again.errors) == (0, 1, [])
    assert (LoanBalanceSnapshot.objects.count(), AuditEntry.objects.count()) == counts
