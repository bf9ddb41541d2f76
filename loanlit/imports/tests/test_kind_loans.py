"""The loans import kind: validate → classify → commit, as the pipeline drives it, and through import_file."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Case, CaseLoan
from loanlit.imports.errors import render
from loanlit.imports.kinds import get_kind, get_preset
from loanlit.imports.kinds.base import CommitResult, KindContext, ParsedRow, RowStatus
from loanlit.imports.kinds.loans import as_text, template_header
from loanlit.law.causes import CAUSES_BY_KEY
from loanlit.loans import services as loan_services
from loanlit.loans.models import (
    Collateral,
    GuaranteeContract,
    LoanBalanceSnapshot,
    LoanContract,
    LoanParty,
    SecurityContract,
)
from loanlit.parties.models import Party
from loanlit.parties.tests.support import make_ric

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 3, 3)
CARD = CAUSES_BY_KEY["credit_card"].name
LOAN = CAUSES_BY_KEY["financial_loan"].name


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def values(n: int = 1, **overrides):
    row = {
        "contract_no": f"JK-2024-{n:06d}",
        "product": "consumer",
        "principal": Decimal("100000.00") + n,
        "annual_rate": Decimal("4.35"),
        "penalty_rate": Decimal("6.525"),
        "start_date": dt.date(2023, 1, 15),
        "maturity_date": dt.date(2026, 1, 15),
        "term_months": 36,
        "overdue_since": dt.date(2024, 6, 16),
        "unit_code": "BJ-CY",
        "borrower_name": f"借款人{n}",
        "borrower_id": make_ric(n),
        "borrower_mobile": f"138{n:08d}",
        "balance_date": dt.date(2024, 12, 31),
        "principal_balance": Decimal("80000.00"),
        "interest": Decimal("1234.56"),
        "penalty": Decimal("50.50"),
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def run(personas, rows_values, *, actor=None, options=None, commit=True):
    """What the pipeline does with parsed rows: validate, classify, commit chunk by chunk in transactions."""
    kind = get_kind("loans")
    ctx = KindContext(
        actor=actor or personas.case_handler,
        creditor=personas.creditor,
        unit=personas.beijing_chaoyang,
        today=TODAY,
        options={**kind.default_options, **(options or {})},
    )
    rows = [ParsedRow(number=index + 2, values=dict(v)) for index, v in enumerate(rows_values)]
    for row in rows:
        row.key = kind.row_key(row.values)
    kind.validate(rows, ctx)
    for row in rows:
        if row.errors:
            row.status = RowStatus.ERROR
    kind.classify(rows, ctx)
    total = CommitResult()
    if commit:
        chunks: dict[str, list[ParsedRow]] = defaultdict(list)
        for row in rows:
            if row.status in (RowStatus.NEW, RowStatus.UPDATE):
                chunks[kind.chunk_key(row, ctx)].append(row)
        for chunk in chunks.values():
            with transaction.atomic():
                result = kind.commit(chunk, ctx)
            total.created += result.created
            total.updated += result.updated
            total.unchanged += result.unchanged
            total.cases_opened += result.cases_opened
            total.errors.extend(result.errors)
    return rows, total


def messages(row: ParsedRow) -> list[str]:
    kind = get_kind("loans")
    labels = {spec.key: str(spec.label) for spec in kind.fields}
    return [render(error, labels=labels) for error in row.errors]


def counts() -> tuple[int, ...]:
    return (
        LoanContract.objects.count(),
        Party.objects.count(),
        LoanBalanceSnapshot.objects.count(),
        Case.objects.count(),
        GuaranteeContract.objects.count(),
        AuditEntry.objects.count(),
    )


def test_fields_have_the_template_headers_and_the_contract_number_is_the_key():
    kind = get_kind("loans")
    spec = kind.field("contract_no")
    assert spec.key_column and spec.required and spec.type == "identifier"
    assert template_header("contract_no") == "合同编号"
    assert {"贷款账号", "借据号"} <= set(spec.synonyms)
    assert kind.field("borrower_id").type == "id_number"
    assert {"身份证号", "身份证号码"} <= set(kind.field("borrower_id").synonyms)
    assert kind.field("principal").places == 2 and kind.field("annual_rate").type == "rate"
    assert kind.default_options == {"grouping": "contract", "overwrite": False, "open_cases": True}
    assert kind.row_key({"contract_no": " jk-2024 000001 "}) == "JK-2024000001"
    preset = get_preset("loanlit")
    assert preset.columns["borrower_name"] == ("借款人姓名",)
    assert preset.columns["principal_balance"] == ("本金余额",)


def test_a_new_loan_is_stored_exactly_with_its_borrower_balance_baseline_and_one_case(personas):
    rows, result = run(personas, [values(1, product="credit_card", days_past_due=None)])
    assert rows[0].status == RowStatus.NEW
    assert (result.created, result.cases_opened, result.errors) == (1, 1, [])
    loan = LoanContract.objects.get()
    assert loan.contract_no == "JK-2024-000001"
    assert (loan.principal, loan.annual_rate, loan.penalty_rate) == (
        Decimal("100001.00"),
        Decimal("4.35"),
        Decimal("6.525"),
    )
    assert (loan.start_date, loan.maturity_date, loan.overdue_since) == (
        dt.date(2023, 1, 15),
        dt.date(2026, 1, 15),
        dt.date(2024, 6, 16),
    )
    assert (loan.days_past_due, loan.days_past_due_as_of) == (199, dt.date(2024, 12, 31))  # as of the balance day
    assert loan.unit == personas.beijing_chaoyang and loan.currency == "CNY"
    assert loan.import_baseline["principal"] == "100001"
    assert loan.import_baseline["unit"] == "BJ-CY"
    assert loan.import_baseline["risk_class"] == "normal"
    borrower = LoanParty.objects.get(loan=loan, role="borrower").party
    assert borrower.name == "借款人1"
    assert borrower.id_number.reveal() == make_ric(1)
    assert borrower.id_valid
    snapshot = LoanBalanceSnapshot.objects.get(loan=loan)
    assert (snapshot.as_of, snapshot.principal, snapshot.interest_on_balance, snapshot.penalty) == (
        dt.date(2024, 12, 31),
        Decimal("80000.00"),
        Decimal("1234.56"),
        Decimal("50.50"),
    )
    case = Case.objects.get()
    assert case.cause_of_action == CARD
    assert list(case.loans.all()) == [loan]
    assert (case.handling_unit, case.opened_on) == (personas.beijing_chaoyang, TODAY)
    assert rows[0].result == {"loan": loan.pk, "case": case.pk}


def test_reimporting_the_same_rows_changes_nothing(personas):
    rows_values = [values(1), values(2, product="credit_card")]
    run(personas, rows_values)
    before = counts()
    rows, result = run(personas, rows_values)
    assert [r.status for r in rows] == [RowStatus.UNCHANGED, RowStatus.UNCHANGED]
    assert all(r.target_id for r in rows)
    assert (result.created, result.updated, result.cases_opened) == (0, 0, 0)
    assert counts() == before
    assert Case.objects.get(loans__contract_no="JK-2024-000002").cause_of_action == CARD
    assert Case.objects.get(loans__contract_no="JK-2024-000001").cause_of_action == LOAN


def test_a_commit_run_again_on_written_rows_changes_nothing_and_opens_no_second_case(personas):
    kind = get_kind("loans")
    rows, _result = run(personas, [values(1), values(2)])
    before = counts()
    ctx = KindContext(
        actor=personas.case_handler,
        creditor=personas.creditor,
        unit=personas.beijing_chaoyang,
        today=TODAY,
        options=dict(kind.default_options),
    )
    for row in rows:
        row.status = RowStatus.NEW  # as classified before the first (killed) commit
    with transaction.atomic():
        again = kind.commit(rows, ctx)
    assert (again.created, again.updated, again.cases_opened, again.errors) == (0, 0, 0, [])
    assert counts() == before
    assert CaseLoan.objects.count() == 2


def test_changed_fields_update_the_loan_and_a_new_balance_is_appended(personas):
    run(personas, [values(1)])
    loan = LoanContract.objects.get()
    changed = values(
        1,
        risk_class="doubtful",
        principal=Decimal("100001.50"),
        balance_date=dt.date(2025, 1, 31),
        principal_balance=Decimal("79999.99"),
        interest=Decimal("1300.00"),
    )
    before_audit = AuditEntry.objects.count()
    rows, result = run(personas, [changed])
    assert rows[0].status == RowStatus.UPDATE
    assert rows[0].diff["risk_class"] == ["normal", "doubtful"]
    assert rows[0].diff["principal"] == ["100001", "100001.5"]
    assert rows[0].diff["balance"] == ["", "81350.49"]
    assert rows[0].conflicts == {}
    assert (result.updated, result.created, result.cases_opened) == (1, 0, 0)
    loan.refresh_from_db()
    assert (loan.risk_class, loan.principal, loan.version) == ("doubtful", Decimal("100001.50"), 2)
    assert loan.import_baseline["risk_class"] == "doubtful"
    assert loan.days_past_due_as_of == dt.date(2025, 1, 31)
    snapshots = list(LoanBalanceSnapshot.objects.filter(loan=loan).order_by("as_of"))
    assert [(s.as_of, s.principal, s.interest_on_balance) for s in snapshots] == [
        (dt.date(2024, 12, 31), Decimal("80000.00"), Decimal("1234.56")),
        (dt.date(2025, 1, 31), Decimal("79999.99"), Decimal("1300.00")),
    ]
    actions = list(AuditEntry.objects.filter(pk__gt=0).order_by("pk").values_list("action", flat=True))[before_audit:]
    assert sorted(actions) == ["loan.balance_recorded", "loan.updated"]
    assert Case.objects.count() == 1

    rows, result = run(personas, [changed])  # the same file again
    assert rows[0].status == RowStatus.UNCHANGED and result.updated == 0


def test_a_field_a_user_edited_is_a_conflict_kept_unless_overwrite(personas):
    run(personas, [values(1)])
    loan = LoanContract.objects.get()
    loan_services.loan_update(actor=personas.case_handler, loan=loan, version=loan.version, risk_class="loss")
    rows, result = run(personas, [values(1, risk_class="doubtful", term_months=48)])
    assert rows[0].status == RowStatus.UPDATE
    assert rows[0].conflicts == {"risk_class": ["loss", "doubtful"]}
    assert rows[0].diff == {"term_months": ["36", "48"]}
    loan.refresh_from_db()
    assert (loan.risk_class, loan.term_months) == ("loss", 48)

    rows, _ = run(personas, [values(1, risk_class="doubtful", term_months=48)])
    assert rows[0].status == RowStatus.UNCHANGED  # only the conflict is left, and it is kept
    assert rows[0].conflicts == {"risk_class": ["loss", "doubtful"]}

    rows, result = run(personas, [values(1, risk_class="doubtful", term_months=48)], options={"overwrite": True})
    assert rows[0].status == RowStatus.UPDATE and result.updated == 1
    loan.refresh_from_db()
    assert loan.risk_class == "doubtful"
    assert loan.import_baseline["risk_class"] == "doubtful"


def test_a_field_no_import_wrote_is_a_conflict(personas):
    loan_services.loan_create(
        actor=personas.case_handler,
        creditor=personas.creditor,
        row=loan_services.LoanInput(
            contract_no="JK-2024-000001",
            unit=personas.beijing_chaoyang,
            product="consumer",
            principal=Decimal("100001.00"),
            annual_rate=Decimal("4.35"),
            start_date=dt.date(2023, 1, 15),
            borrowers=[loan_services.PartyInput(name="借款人1", id_number=make_ric(1))],
        ),
    )
    rows, _result = run(personas, [values(1, balance_date=None, principal_balance=None, interest=None, penalty=None)])
    assert rows[0].status == RowStatus.UNCHANGED
    assert rows[0].conflicts["maturity_date"] == ["", "2026-01-15"]
    assert LoanContract.objects.get().maturity_date is None


def test_a_balance_of_a_day_on_file_with_other_amounts_is_a_row_error(personas):
    run(personas, [values(1)])
    rows, _result = run(personas, [values(1, principal_balance=Decimal("1.00"))])
    assert rows[0].status == RowStatus.ERROR
    assert "is already on file with other amounts" in messages(rows[0])[0]
    assert LoanBalanceSnapshot.objects.get().principal == Decimal("80000.00")


def test_grouping_by_borrower_opens_one_case_with_all_that_borrowers_loans(personas):
    same = make_ric(7)
    rows_values = [
        values(1, borrower_id=same, borrower_name="王五"),
        values(2, borrower_id=same, borrower_name="王五"),
        values(3),
    ]
    kind = get_kind("loans")
    ctx = KindContext(actor=None, creditor=personas.creditor, unit=None, today=TODAY, options={"grouping": "borrower"})
    keys = {kind.chunk_key(ParsedRow(number=i, values=v), ctx) for i, v in enumerate(rows_values)}
    assert len(keys) == 2
    rows, result = run(personas, rows_values, options={"grouping": "borrower"})
    assert (result.created, result.cases_opened) == (3, 2)
    assert Party.objects.filter(name="王五").count() == 1
    case = Case.objects.get(loans__contract_no="JK-2024-000001")
    assert sorted(case.loans.values_list("contract_no", flat=True)) == ["JK-2024-000001", "JK-2024-000002"]
    assert rows[0].result["case"] == rows[1].result["case"] == case.pk


def test_borrowers_are_matched_by_id_within_the_file_and_the_creditor(personas):
    same = make_ric(9)
    run(personas, [values(1, borrower_id=same, borrower_name="赵六")])
    run(
        personas, [values(2, borrower_id=same, borrower_name="赵六"), values(3, borrower_id=same, borrower_name="赵六")]
    )
    assert Party.objects.filter(name="赵六").count() == 1
    assert Case.objects.count() == 3  # one per contract by default


def test_a_maximum_amount_guarantee_and_a_mortgage_across_rows_are_created_once(personas):
    guarantor = make_ric(50, birth="19700101")
    shared = {
        "guarantor_1_name": "保证人甲",
        "guarantor_1_id": guarantor,
        "guarantor_1_contract_no": "ZGBZ-2023-01",
        "guarantor_1_type": "joint",
        "guarantor_1_max_amount": Decimal("500000.00"),
        "security_contract_no": "DY-2023-01",
        "security_kind": "mortgage",
        "security_provider_name": "抵押人丙",
        "security_provider_id": make_ric(51, birth="19710101"),
        "collateral_kind": "real_estate",
        "collateral_description": "北京市朝阳区某路1号",
        "collateral_registration_no": "京(2023)朝阳区不动产证明第0001号",
        "collateral_value": Decimal("2000000.00"),
    }
    _rows, result = run(personas, [values(1, **shared), values(2, **shared)])
    assert result.errors == [] and result.created == 2
    contract = GuaranteeContract.objects.get()
    assert (contract.contract_no, contract.guarantee_type, contract.is_maximum, contract.cap_amount) == (
        "ZGBZ-2023-01",
        "joint",
        True,
        Decimal("500000.00"),
    )
    assert sorted(contract.loans.values_list("contract_no", flat=True)) == ["JK-2024-000001", "JK-2024-000002"]
    assert contract.guarantor.id_number.reveal() == guarantor
    security = SecurityContract.objects.get()
    assert security.kind == "mortgage" and security.provider.name == "抵押人丙"
    assert security.loans.count() == 2
    collateral = Collateral.objects.get()
    assert (collateral.kind, collateral.appraised_value) == ("real_estate", Decimal("2000000.00"))
    assert Party.objects.filter(name="保证人甲").count() == 1
    assert Party.objects.filter(name="抵押人丙").count() == 1

    before = counts()
    run(personas, [values(1, **shared), values(2, **shared)])
    assert counts() == before


def test_cross_field_rules_are_row_errors_listed_together(personas):
    rows, _result = run(
        personas,
        [
            values(
                1,
                maturity_date=dt.date(2022, 1, 1),
                guarantor_1_name="保证人乙",
                unit_code="NOPE",
                case_handler="nobody",
            )
        ],
    )
    assert rows[0].status == RowStatus.ERROR
    assert messages(rows[0]) == [
        "Handling unit: there is no unit with the code NOPE.",
        "Maturity date is before the start date.",
        "Guarantor's ID number is missing for this guarantor.",
        "Case handler (user name): no active user nobody works for this creditor.",
    ]
    assert counts()[:5] == (0, 0, 0, 0, 0)


def test_a_party_the_parties_rules_refuse_is_a_row_error(personas):
    rows, _result = run(personas, [values(1, borrower_mobile="12345")])
    assert rows[0].status == RowStatus.ERROR
    (message,) = messages(rows[0])
    assert message.startswith("Borrower's name: Mobile number")
    assert LoanContract.objects.count() == 0


def test_a_unit_outside_the_actors_scope_is_a_row_error_and_nothing_is_written(personas):
    before = counts()
    rows, _result = run(personas, [values(1, unit_code="GD"), values(2)], actor=personas.case_handler)
    assert rows[0].status == RowStatus.ERROR
    assert messages(rows[0]) == ["Handling unit: the unit GD is outside your scope."]
    assert not LoanContract.objects.filter(contract_no="JK-2024-000001").exists()
    assert LoanContract.objects.filter(contract_no="JK-2024-000002").exists()
    assert counts()[0] == before[0] + 1


def test_a_loan_on_file_outside_the_actors_scope_is_not_found_and_not_written(personas):
    run(personas, [values(1, unit_code="GD")], actor=personas.administrator)
    loan = LoanContract.objects.get(contract_no="JK-2024-000001")
    before = counts()
    rows, result = run(
        personas, [values(1, principal=Decimal("5.00"))], actor=personas.case_handler, options={"overwrite": True}
    )
    assert rows[0].status == RowStatus.ERROR
    assert (rows[0].target_id, rows[0].diff, rows[0].conflicts) == (None, {}, {})
    assert messages(rows[0]) == ["Loan JK-2024-000001 was not found."]
    assert (result.created, result.updated, result.errors) == (0, 0, [])
    loan.refresh_from_db()
    assert (loan.unit.code, loan.principal) == ("GD", Decimal("100001.00"))
    assert counts() == before


def test_a_user_who_may_not_open_cases_gets_a_row_error(personas):
    rows, _ = run(personas, [values(1)], actor=personas.read_only)
    assert rows[0].status == RowStatus.ERROR
    assert messages(rows[0]) == ["Handling unit: you may not open cases for the unit BJ-CY."]
    assert LoanContract.objects.count() == 0


def test_days_past_due_without_an_overdue_date_count_back_from_the_balance_day(personas):
    run(personas, [values(1, overdue_since=None, days_past_due=30)])
    loan = LoanContract.objects.get()
    assert loan.overdue_since == dt.date(2024, 12, 2)
    assert loan.days_past_due == 30


def test_case_columns_set_the_opening_day_handler_priority_and_tags(personas):
    run(
        personas,
        [
            values(
                1,
                case_opened_on=dt.date(2025, 1, 2),
                case_handler=personas.case_handler.username,
                case_priority="high",
                case_tags="demo，批量",
            )
        ],
    )
    case = Case.objects.get()
    assert (case.opened_on, case.handler, case.priority, case.tags) == (
        dt.date(2025, 1, 2),
        personas.case_handler,
        "high",
        ["demo", "批量"],
    )


def test_open_cases_false_imports_loans_only(personas):
    _rows, result = run(personas, [values(1)], options={"open_cases": False})
    assert (result.created, result.cases_opened) == (1, 0)
    assert Case.objects.count() == 0


def test_values_as_text_are_exact():
    assert as_text(Decimal("500000.00")) == "500000"
    assert as_text(Decimal("4.350000")) == "4.35"
    assert as_text(Decimal("0.00")) == "0"
    assert as_text(dt.date(2024, 1, 2)) == "2024-01-02"
    assert as_text(True) == "true" and as_text(None) == ""


# --- end to end through import_file, with real files ---------------------------------------------------


def _import(personas, path, **kwargs):
    from loanlit.imports.services import import_file

    return import_file(actor=personas.case_handler, creditor=personas.creditor, path=path, kind="loans", **kwargs)


def test_the_standard_template_as_xlsx_imports_exact_values_and_again_changes_nothing(personas, tmp_path):
    from loanlit.imports.tests import files

    keys = [
        "contract_no",
        "product",
        "principal",
        "annual_rate",
        "start_date",
        "maturity_date",
        "unit_code",
        "borrower_name",
        "borrower_id",
        "borrower_mobile",
        "guarantor_1_name",
        "guarantor_1_id",
        "guarantor_1_type",
        "risk_class",
        "balance_date",
        "principal_balance",
        "interest",
        "penalty",
    ]
    good = [
        "CC-2024-0001",
        "信用卡",
        500000,
        Decimal("18.25"),
        dt.date(2023, 5, 6),
        None,
        "BJ-CY",
        "李四",
        make_ric(21),
        "13912345678",
        "保证人丁",
        make_ric(22),
        "连带责任保证",
        "次级",
        dt.date(2024, 12, 31),
        Decimal("12345.67"),
        Decimal("88.10"),
        Decimal("0.5"),
    ]
    bad = list(good)
    bad[0], bad[8] = "CC-2024-0002", int(make_ric(23)[:17] + "1")  # an ID number typed into a number cell
    path = tmp_path / "template.xlsx"
    path.write_bytes(files.xlsx([["贷款清单"], [template_header(k) for k in keys], good, bad]))

    report = _import(personas, path, preset="loanlit")
    assert report.counts["new"] == 1 and report.counts["error"] == 1
    assert (report.created, report.cases_opened) == (1, 1)
    ((number, row_messages),) = report.errors
    assert number == 4 and "15 significant digits" in " ".join(row_messages)
    loan = LoanContract.objects.get()
    assert (loan.contract_no, loan.product, loan.principal, loan.annual_rate, loan.risk_class) == (
        "CC-2024-0001",
        "credit_card",
        Decimal("500000.00"),
        Decimal("18.25"),
        "substandard",
    )
    assert loan.start_date == dt.date(2023, 5, 6) and loan.maturity_date is None
    borrower = LoanParty.objects.get(loan=loan).party
    assert (borrower.name, borrower.id_number.reveal()) == ("李四", make_ric(21))
    guarantee = GuaranteeContract.objects.get()
    assert (guarantee.contract_no, guarantee.guarantee_type) == ("CC-2024-0001-G1", "joint")
    snapshot = LoanBalanceSnapshot.objects.get()
    assert (snapshot.principal, snapshot.interest_on_balance, snapshot.penalty) == (
        Decimal("12345.67"),
        Decimal("88.10"),
        Decimal("0.50"),
    )
    assert Case.objects.get().cause_of_action == CARD

    before = counts()
    again = _import(personas, path, preset="loanlit")
    assert again.counts["unchanged"] == 1 and (again.created, again.updated) == (0, 0)
    assert counts() == before


def test_a_bank_file_in_gb18030_maps_by_its_own_headers(personas, tmp_path):
    from loanlit.imports.tests import files

    rows = [
        [
            "贷款账号",
            "客户名称",
            "身份证号码",
            "联系电话",
            "产品",
            "贷款金额",
            "执行利率",
            "发放日期",
            "到期日期",
            "欠款本金",
            "欠息",
            "余额日期",
            "经办机构",
        ],
        [
            "6222 0001",
            "钱七",
            make_ric(31),
            "13700001111",
            "消费贷款",
            "￥1,234,567.89",
            "4.35%",
            "2023/3/15",
            "2026年3月15日",
            "1,000,000.00",
            "1234.5",
            "20241231",
            "BJ-CY",
        ],
    ]
    path = tmp_path / "bank.csv"
    path.write_bytes(files.csv_bytes(rows, encoding="gb18030"))
    report = _import(personas, path)
    assert report.errors == [] and report.created == 1
    loan = LoanContract.objects.get()
    assert (loan.contract_no, loan.principal, loan.annual_rate) == ("6222 0001", Decimal("1234567.89"), Decimal("4.35"))
    assert (loan.start_date, loan.maturity_date) == (dt.date(2023, 3, 15), dt.date(2026, 3, 15))
    assert LoanParty.objects.get(loan=loan).party.name == "钱七"
    snapshot = LoanBalanceSnapshot.objects.get()
    assert (snapshot.as_of, snapshot.principal, snapshot.interest_on_balance) == (
        dt.date(2024, 12, 31),
        Decimal("1000000.00"),
        Decimal("1234.50"),
    )


def test_the_downloaded_template_with_its_example_row_imports_without_errors(personas, tmp_path):
    from loanlit.imports.template import standard_template

    with translation.override("zh-hans"):
        content = standard_template(get_kind("loans"))
    path = tmp_path / "template.xlsx"
    path.write_bytes(content)
    report = _import(personas, path, preset="loanlit", dry_run=True, unit=personas.beijing)
    assert report.errors == []
    assert report.counts["new"] == 1
    assert not LoanContract.objects.exists()
