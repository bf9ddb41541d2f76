"""A small crafted portfolio for the statistics tests, built through the real services as users would.

``build_portfolio(personas)`` builds on the personas (tests/support/personas.py) with time frozen at
``NOW`` (2026-03-02 10:00 Beijing) and every date fixed: creditor A "Demo Bank" — head office HO
(path 0001.), Beijing branch BJ (0001.0001.) with sub-branch Chaoyang BJ-CY (0001.0001.0001.), Guangdong
branch GD (0001.0002.) with sub-branch Tianhe GD-TH (0001.0002.0001., created here) — and creditor B
(head office OB-HO, 0002.). Handlers: ``case_handler`` (Beijing subtree), ``outsider_branch`` (Guangdong
subtree), ``outsider_creditor`` (creditor B). Law firms "Alpha Law Firm" and "Beta Law Firm" (creditor
A's panel). Every loan: principal as claimed, start 2023-01-10, the ``overdue_since`` below. With
``refresh=True`` (the default) it ends with ``facts_rebuild_all()``: CaseFact and the summaries are ready.

Eleven cases (``Portfolio.cases[label]``), CNY unless said; "RIC" = the borrower's resident-ID region:

* ``won`` — BJ, court 京0105, consumer, opened 2025-01-06, RIC 110105, overdue since 2024-10-15. Claim
  100,000 + interest 5,000. Placed with Alpha 2025-01-08. Judgment 2025-03-03 in full; enforcement
  2025-04-15; court payment 40,000 on 2025-05-20 (cash). Acceptance fee 2,300.
* ``partly`` — BJ-CY, 京0105, credit_card, 2025-02-10, RIC 130102, overdue 2024-11-20. Claim 50,000 +
  interest 4,000 + penalty 1,000. Judgment 2025-04-08: principal 50,000 + interest 3,000 (partly won);
  enforcement 2025-05-20; settlement in kind 20,000 on 2025-07-01. Fee 1,125.
* ``dismiss`` — BJ, 沪0115, business, 2025-03-03, RIC 310115, overdue 2024-12-01. Claim 80,000 + 2,000.
  Dismissed 2025-06-20 (no judgment row); closed "lost" 2025-07-01. Fee 1,825.
* ``reduced`` — GD, 粤0106 then 粤01, mortgage, 2025-03-17, RIC 440106, overdue 2025-01-05. Claim 60,000 +
  3,000. First instance 2025-05-12 in full; second instance 2025-08-18 principal 45,000 + interest 2,000
  (lost, overrides). Placed with Alpha 2025-03-18, with Beta 2025-06-01. Fee 1,375.
* ``paidoff`` — GD-TH, 粤0304, auto, 2025-04-07, RIC 430102, overdue 2025-01-20. Claim 30,000 + 1,500.
  Settlement plan 2025-05-06, two instalments of 15,750 paid 2025-05-20 and 2025-06-18 (restructuring);
  withdrawn 2025-06-25; fee 590 with 295 refunded 2025-07-15; closed "recovered in full" 2025-07-20.
* ``withdrawn`` — BJ, 京0108, micro, 2025-05-12, borrower without an ID, overdue 2025-02-10. Claim 20,000
  + 800. Borrower paid 5,000 on 2025-06-10; withdrawn 2025-06-15.
* ``pending`` — BJ-CY, 京0105, consumer, 2025-06-02, RIC 510104, overdue 2025-03-01. Claim 40,000 +
  1,000. Placed with Beta 2025-06-03; filed 2025-06-05; fee 850.
* ``zhongben`` — BJ, 京0105, business, 2025-01-20, RIC 410105, overdue 2024-10-01. Claim 70,000 + 2,800.
  Judgment 2025-03-24 in full; enforcement 2025-05-06; court payment 10,000 on 2025-06-16; 终本
  2025-08-20; loan written off 62,800 on 2025-10-10; court payment 3,000 on 2025-12-01 (after write-off).
  Fee 1,620.
* ``transfer`` — GD, 粤0106, consumer, 2025-02-24, RIC 330106, overdue 2024-12-15. Claim 25,000 + 1,000.
  Judgment 2025-05-06 in full; debt sold 2025-09-30 (base date 2025-09-01); price 18,000 received
  2025-10-15 (source debt transfer).
* ``usd`` — BJ, 京74, business, USD, 2025-07-07, RIC 110108, overdue 2025-04-01. Claim USD 10,000 + 300;
  borrower paid USD 2,000 on 2025-08-05; judgment 2025-09-15 in full.
* ``other`` — creditor B, OB-HO, no proceeding, consumer, 2025-08-04, RIC 110101, overdue 2025-05-01.
  Claim 9,000.

``EXPECTED[label]`` holds every CaseFact field of each case; ``DAYS`` the cycle days per case;
``TOTALS_A`` the sums over creditor A (counts and cycle times over its 10 cases, money over its 9 CNY
cases — the USD case is in ``cases`` and ``foreign_cases`` only). The main figures of creditor A:

==================================  ===================================================================
cases / open / closed / foreign     10 / 8 / 2 / 1
outcomes                            won 4 (won, zhongben, transfer, usd), partly won 1, lost 2 (dismiss,
                                    reduced), withdrawn after full payment 1, withdrawn 1, pending 1
claim / principal claimed           497,100.00 / 475,000.00
adjudicated                         303,800.00 (cases with an adjudicated amount: 6, 5 of them CNY)
recovered                           127,500.00 = cash 58,000 + in kind 20,000 + transfer 18,000 +
                                    restructuring 31,500; on adjudicated cases 91,000.00
after write-off / written off       3,000.00 / 62,800.00
costs                               9,390.00
enforcement / 终本 / written off     3 / 1 / 1 cases
days to judgment                    56, 57, 154, 63, 71, 70 (usd): sum 471, n 6, median 66.5
days to first recovery              134, 141, 43, 29, 147, 233, 29 (usd): sum 756, n 7, median 134
days to close                       120 (dismiss), 104 (paidoff): sum 224, n 2, median 112
by court province                   11: 6 cases (5 CNY), claim 294,600, recovered 78,000;
                                    31: 1 case, claim 82,000; 44: 3 cases, claim 120,500, recovered 49,500
by branch                           Beijing subtree 7 cases (6 CNY), claim 376,600, recovered 78,000;
                                    Guangdong subtree 3 cases, claim 120,500, recovered 49,500;
                                    Chaoyang 2 cases (partly, pending), claim 96,000, recovered 20,000
==================================  ===================================================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import time_machine

from loanlit.accounts import services as accounts
from loanlit.cases import services as cases
from loanlit.cases.models import Case, Court, LawFirm, Proceeding, ProceedingParty
from loanlit.cases.tests import factories
from loanlit.core.models import Creditor, OrgUnit
from loanlit.enforcement import services as enforcement
from loanlit.loans.models import LoanContract
from loanlit.parties.models import Party
from loanlit.parties.tests.support import make_ric
from loanlit.workflow.services import settlements

D = Decimal
TODAY = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing
CAUSE = "金融借款合同纠纷"


@dataclass
class Portfolio:
    personas: Any
    creditor: Creditor
    other_creditor: Creditor
    head_office: OrgUnit
    beijing: OrgUnit
    chaoyang: OrgUnit
    guangdong: OrgUnit
    tianhe: OrgUnit
    alpha: LawFirm
    beta: LawFirm
    courts: dict[str, Court] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    loans: dict[str, LoanContract] = field(default_factory=dict)
    borrowers: dict[str, Party] = field(default_factory=dict)

    def case(self, label: str) -> Case:
        return Case.objects.get(pk=self.cases[label].pk)

    def ids(self, *labels: str) -> list[int]:
        return [self.cases[label].pk for label in labels or self.cases]


def _court(code: str) -> Court:
    return Court.objects.get(caseno_code=code)


class _Builder:
    def __init__(self, personas: Any) -> None:
        self.p = personas
        self.seq = 700

    # --- small steps --------------------------------------------------------------------------------------
    def open(
        self,
        *,
        creditor: Creditor,
        unit: OrgUnit,
        handler: Any,
        opened_on: dt.date,
        product: str,
        principal: str,
        interest: str = "0.00",
        penalty: str = "0.00",
        region: str | None = None,
        currency: str = "CNY",
        overdue_since: dt.date,
    ) -> tuple[Case, LoanContract, Party]:
        self.seq += 1
        name = f"Borrower {self.seq}"
        ric = make_ric(self.seq, region=region) if region else None
        borrower = factories.party(creditor, name, ric=ric)
        loan = factories.loan(
            creditor,
            unit,
            borrower=borrower,
            principal=principal,
            product=product,
            currency=currency,
            start=dt.date(2023, 1, 10),
            maturity=dt.date(2024, 1, 10),
            days_past_due=200,
            overdue_since=overdue_since,
        )
        case = cases.case_open(
            actor=None,
            creditor=creditor,
            handling_unit=unit,
            cause_of_action=CAUSE,
            loans=[loan],
            handler=handler,
            opened_on=opened_on,
        )
        case = cases.case_compute_claim(
            actor=None,
            case=case,
            as_of=opened_on,
            override=cases.ClaimOverride(
                principal=D(principal), interest=D(interest), penalty=D(penalty), reason="bank statement"
            ),
            version=case.version,
            exchange_rate=None if currency == "CNY" else D("7.1000"),
        ).case
        return case, loan, borrower

    def stage(self, case: Case, *stages: str) -> None:
        for stage in stages:
            case.refresh_from_db()
            cases.case_change_stage(actor=None, case=case, to_stage=stage, version=case.version)

    def sue(
        self,
        case: Case,
        borrower: Party,
        court: Court,
        filed_on: dt.date,
        *,
        kind: str = "first_instance",
        follows=None,
    ) -> tuple[Proceeding, ProceedingParty, ProceedingParty]:
        proceeding = cases.proceeding_open(
            actor=None, case=case, kind=kind, court=court, filed_on=filed_on, follows=follows
        )
        plaintiff = cases.proceeding_party_add(
            actor=None, proceeding=proceeding, role="plaintiff", unit=case.handling_unit
        )
        defendant = cases.proceeding_party_add(actor=None, proceeding=proceeding, role="defendant", party=borrower)
        return proceeding, plaintiff, defendant

    def fee(self, case: Case, amount: str, paid_on: dt.date, proceeding: Proceeding | None = None):
        return cases.cost_record(
            actor=None,
            case=case,
            kind="acceptance_fee",
            amount=D(amount),
            paid_on=paid_on,
            payer="creditor",
            borne_by_defendant=True,
            proceeding=proceeding,
        )

    def judge(
        self,
        proceeding: Proceeding,
        judged_on: dt.date,
        parties: tuple[ProceedingParty, ...],
        served_on: dt.date | None,
        **amounts: str,
    ):
        proceeding.refresh_from_db()
        judgment = cases.proceeding_record_judgment(
            actor=None,
            proceeding=proceeding,
            judged_on=judged_on,
            items=[cases.JudgmentItemInput(kind=kind, amount=D(value)) for kind, value in amounts.items()],
            version=proceeding.version,
        )
        if served_on is not None:
            for participant in parties:
                cases.service_record_add(
                    actor=None, proceeding_party=participant, document="judgment", served_on=served_on, method="direct"
                )
        return judgment

    def result(self, proceeding: Proceeding, result: str, on: dt.date) -> None:
        proceeding.refresh_from_db()
        cases.proceeding_record_result(
            actor=None, proceeding=proceeding, result=result, result_on=on, version=proceeding.version, close=True
        )

    def place(self, case: Case, firm: LawFirm, on: dt.date) -> None:
        case.refresh_from_db()
        cases.case_place_with_firm(actor=None, case=case, law_firm=firm, version=case.version, placed_on=on)

    def close(self, case: Case, outcome: str, on: dt.date) -> None:
        with time_machine.travel(dt.datetime.combine(on, dt.time(2, 0), tzinfo=dt.UTC), tick=False):
            case.refresh_from_db()
            cases.case_close(actor=None, case=case, outcome=outcome, version=case.version)


def build_portfolio(personas: Any, *, refresh: bool = True) -> Portfolio:
    """The portfolio of the module docstring; ``refresh`` rebuilds every fact and summary at the end."""
    with time_machine.travel(NOW, tick=False):
        portfolio = _build(personas)
        if refresh:
            from loanlit.reports.services import facts

            facts.facts_rebuild_all()
    return portfolio


def _build(p: Any) -> Portfolio:
    b = _Builder(p)
    tianhe = accounts.org_unit_create(
        actor=None, code="GD-TH", name="Tianhe sub-branch", kind="sub_branch", parent=p.guangdong, region_code="440106"
    )
    alpha = cases.law_firm_create(actor=None, name="Alpha Law Firm", creditors=[p.creditor])
    beta = cases.law_firm_create(actor=None, name="Beta Law Firm", creditors=[p.creditor])
    out = Portfolio(
        personas=p,
        creditor=p.creditor,
        other_creditor=p.other_creditor,
        head_office=p.head_office,
        beijing=p.beijing,
        chaoyang=p.beijing_chaoyang,
        guangdong=p.guangdong,
        tianhe=tianhe,
        alpha=alpha,
        beta=beta,
        courts={code: _court(code) for code in ("京0105", "京0108", "京74", "沪0115", "粤0106", "粤01", "粤0304")},
    )
    c = out.courts
    A, handler, gd_handler = p.creditor, p.case_handler, p.outsider_branch

    def keep(label: str, case: Case, loan: LoanContract, borrower: Party) -> None:
        out.cases[label], out.loans[label], out.borrowers[label] = case, loan, borrower

    # won: judgment in full, enforcement, a court payment (cash).
    case, loan, who = b.open(
        creditor=A, unit=p.beijing, handler=handler, opened_on=dt.date(2025, 1, 6), product="consumer",
        principal="100000.00", interest="5000.00", region="110105", overdue_since=dt.date(2024, 10, 15),
    )  # fmt: skip
    keep("won", case, loan, who)
    b.place(case, alpha, dt.date(2025, 1, 8))
    first, pl, df = b.sue(case, who, c["京0105"], dt.date(2025, 1, 10))
    b.stage(case, "filed", "in_trial", "judged")
    b.fee(case, "2300.00", dt.date(2025, 1, 10), first)
    b.judge(first, dt.date(2025, 3, 3), (pl, df), dt.date(2025, 3, 5), principal="100000.00", interest="5000.00")
    case.refresh_from_db()
    enforcement.enforcement_apply(actor=None, case=case, court=c["京0105"], applied_on=dt.date(2025, 4, 15))
    enforcement.court_payment_record(actor=None, case=case, received_on=dt.date(2025, 5, 20), amount=D("40000.00"))

    # partly won: interest reduced, penalty refused; settlement in kind in enforcement.
    case, loan, who = b.open(
        creditor=A, unit=p.beijing_chaoyang, handler=handler, opened_on=dt.date(2025, 2, 10), product="credit_card",
        principal="50000.00", interest="4000.00", penalty="1000.00", region="130102",
        overdue_since=dt.date(2024, 11, 20),
    )  # fmt: skip
    keep("partly", case, loan, who)
    first, pl, df = b.sue(case, who, c["京0105"], dt.date(2025, 2, 12))
    b.stage(case, "filed", "in_trial", "judged")
    b.fee(case, "1125.00", dt.date(2025, 2, 12), first)
    b.judge(first, dt.date(2025, 4, 8), (pl, df), dt.date(2025, 4, 10), principal="50000.00", interest="3000.00")
    case.refresh_from_db()
    enforcement.enforcement_apply(actor=None, case=case, court=c["京0105"], applied_on=dt.date(2025, 5, 20))
    enforcement.court_payment_record(
        actor=None, case=case, received_on=dt.date(2025, 7, 1), amount=D("20000.00"), source="settlement_in_kind"
    )

    # dismiss: claim dismissed at first instance, case closed as lost.
    case, loan, who = b.open(
        creditor=A, unit=p.beijing, handler=handler, opened_on=dt.date(2025, 3, 3), product="business",
        principal="80000.00", interest="2000.00", region="310115", overdue_since=dt.date(2024, 12, 1),
    )  # fmt: skip
    keep("dismiss", case, loan, who)
    first, pl, df = b.sue(case, who, c["沪0115"], dt.date(2025, 3, 5))
    b.stage(case, "filed", "in_trial")
    b.fee(case, "1825.00", dt.date(2025, 3, 5), first)
    b.result(first, "dismissed", dt.date(2025, 6, 20))
    b.close(case, "lost", dt.date(2025, 7, 1))

    # reduced: won in full at first instance, the second instance cut the principal (lost).
    case, loan, who = b.open(
        creditor=A, unit=p.guangdong, handler=gd_handler, opened_on=dt.date(2025, 3, 17), product="mortgage",
        principal="60000.00", interest="3000.00", region="440106", overdue_since=dt.date(2025, 1, 5),
    )  # fmt: skip
    keep("reduced", case, loan, who)
    b.place(case, alpha, dt.date(2025, 3, 18))
    first, pl, df = b.sue(case, who, c["粤0106"], dt.date(2025, 3, 20))
    b.stage(case, "filed", "in_trial", "judged")
    b.fee(case, "1375.00", dt.date(2025, 3, 20), first)
    b.judge(first, dt.date(2025, 5, 12), (pl, df), None, principal="60000.00", interest="3000.00")
    b.place(case, beta, dt.date(2025, 6, 1))
    first.refresh_from_db()
    second, pl2, df2 = b.sue(case, who, c["粤01"], dt.date(2025, 6, 3), kind="second_instance", follows=first)
    b.judge(second, dt.date(2025, 8, 18), (pl2, df2), None, principal="45000.00", interest="2000.00")

    # paidoff: a settlement plan paid in full (restructuring), the suit withdrawn, half the fee refunded.
    case, loan, who = b.open(
        creditor=A, unit=tianhe, handler=gd_handler, opened_on=dt.date(2025, 4, 7), product="auto",
        principal="30000.00", interest="1500.00", region="430102", overdue_since=dt.date(2025, 1, 20),
    )  # fmt: skip
    keep("paidoff", case, loan, who)
    first, pl, df = b.sue(case, who, c["粤0304"], dt.date(2025, 4, 10))
    b.stage(case, "filed", "in_trial")
    fee = b.fee(case, "590.00", dt.date(2025, 4, 10), first)
    settlements.settlement_create(
        actor=None,
        case=case,
        phase="in_court",
        agreed_on=dt.date(2025, 5, 6),
        total=D("31500.00"),
        instalments=[(dt.date(2025, 5, 20), D("15750.00")), (dt.date(2025, 6, 20), D("15750.00"))],
    )
    for day in (dt.date(2025, 5, 20), dt.date(2025, 6, 18)):
        cases.recovery_record(actor=None, case=case, received_on=day, amount=D("15750.00"), source="borrower_payment")
    b.result(first, "withdrawn", dt.date(2025, 6, 25))
    fee.refresh_from_db()
    cases.cost_refund(actor=None, cost=fee, amount=D("295.00"), refunded_on=dt.date(2025, 7, 15), version=fee.version)
    b.close(case, "recovered_in_full", dt.date(2025, 7, 20))

    # withdrawn: a part payment, then the suit withdrawn; the borrower has no resident ID on file.
    case, loan, who = b.open(
        creditor=A, unit=p.beijing, handler=handler, opened_on=dt.date(2025, 5, 12), product="micro",
        principal="20000.00", interest="800.00", region=None, overdue_since=dt.date(2025, 2, 10),
    )  # fmt: skip
    keep("withdrawn", case, loan, who)
    first, pl, df = b.sue(case, who, c["京0108"], dt.date(2025, 5, 15))
    b.stage(case, "filed")
    cases.recovery_record(
        actor=None, case=case, received_on=dt.date(2025, 6, 10), amount=D("5000.00"), source="borrower_payment"
    )
    b.result(first, "withdrawn", dt.date(2025, 6, 15))

    # pending: filed, nothing decided yet.
    case, loan, who = b.open(
        creditor=A, unit=p.beijing_chaoyang, handler=handler, opened_on=dt.date(2025, 6, 2), product="consumer",
        principal="40000.00", interest="1000.00", region="510104", overdue_since=dt.date(2025, 3, 1),
    )  # fmt: skip
    keep("pending", case, loan, who)
    b.place(case, beta, dt.date(2025, 6, 3))
    first, pl, df = b.sue(case, who, c["京0105"], dt.date(2025, 6, 5))
    b.stage(case, "filed")
    b.fee(case, "850.00", dt.date(2025, 6, 5), first)

    # zhongben: judgment, enforcement, a payment, 终本, the loan written off, a payment after the write-off.
    case, loan, who = b.open(
        creditor=A, unit=p.beijing, handler=handler, opened_on=dt.date(2025, 1, 20), product="business",
        principal="70000.00", interest="2800.00", region="410105", overdue_since=dt.date(2024, 10, 1),
    )  # fmt: skip
    keep("zhongben", case, loan, who)
    first, pl, df = b.sue(case, who, c["京0105"], dt.date(2025, 1, 22))
    b.stage(case, "filed", "in_trial", "judged")
    b.fee(case, "1620.00", dt.date(2025, 1, 22), first)
    b.judge(first, dt.date(2025, 3, 24), (pl, df), dt.date(2025, 3, 26), principal="70000.00", interest="2800.00")
    case.refresh_from_db()
    record = enforcement.enforcement_apply(actor=None, case=case, court=c["京0105"], applied_on=dt.date(2025, 5, 6))
    enforcement.court_payment_record(actor=None, case=case, received_on=dt.date(2025, 6, 16), amount=D("10000.00"))
    search = enforcement.asset_search_record(
        actor=None,
        case=case,
        searched_on=dt.date(2025, 8, 1),
        channel="court_online",
        result="nothing",
        proceeding=record.proceeding,
    )
    proceeding = Proceeding.objects.get(pk=record.proceeding_id)
    enforcement.enforcement_terminate_for_now(
        actor=None,
        proceeding=proceeding,
        version=proceeding.version,
        terminated_on=dt.date(2025, 8, 20),
        ruling_no="(2025)京0105执1234号之一",
        asset_search=search,
    )
    enforcement.write_off_record(
        actor=None,
        case=case,
        loan=loan,
        written_off_on=dt.date(2025, 10, 10),
        amount=D("62800.00"),
        approval_ref="HX-2025-001",
    )
    enforcement.court_payment_record(actor=None, case=case, received_on=dt.date(2025, 12, 1), amount=D("3000.00"))

    # transfer: judgment, the debt sold, the price received.
    case, loan, who = b.open(
        creditor=A, unit=p.guangdong, handler=gd_handler, opened_on=dt.date(2025, 2, 24), product="consumer",
        principal="25000.00", interest="1000.00", region="330106", overdue_since=dt.date(2024, 12, 15),
    )  # fmt: skip
    keep("transfer", case, loan, who)
    first, pl, df = b.sue(case, who, c["粤0106"], dt.date(2025, 2, 26))
    b.stage(case, "filed", "in_trial", "judged")
    b.judge(first, dt.date(2025, 5, 6), (pl, df), None, principal="25000.00", interest="1000.00")
    case.refresh_from_db()
    enforcement.debt_transfer_record(
        actor=None,
        creditor=A,
        buyer="Huarong Asset Management",
        agreed_on=dt.date(2025, 9, 30),
        base_date=dt.date(2025, 9, 1),
        price=D("18000.00"),
        cases=[case],
    )
    cases.recovery_record(
        actor=None, case=case, received_on=dt.date(2025, 10, 15), amount=D("18000.00"), source="debt_transfer"
    )

    # usd: a foreign-currency case (counted, never added to CNY sums).
    case, loan, who = b.open(
        creditor=A, unit=p.beijing, handler=handler, opened_on=dt.date(2025, 7, 7), product="business",
        principal="10000.00", interest="300.00", region="110108", currency="USD", overdue_since=dt.date(2025, 4, 1),
    )  # fmt: skip
    keep("usd", case, loan, who)
    first, pl, df = b.sue(case, who, c["京74"], dt.date(2025, 7, 10))
    b.stage(case, "filed", "in_trial", "judged")
    cases.recovery_record(
        actor=None, case=case, received_on=dt.date(2025, 8, 5), amount=D("2000.00"), source="borrower_payment"
    )
    b.judge(first, dt.date(2025, 9, 15), (pl, df), None, principal="10000.00", interest="300.00")

    # other: creditor B's case (only its own staff see it).
    case, loan, who = b.open(
        creditor=p.other_creditor, unit=p.other_head_office, handler=p.outsider_creditor,
        opened_on=dt.date(2025, 8, 4), product="consumer", principal="9000.00", region="110101",
        overdue_since=dt.date(2025, 5, 1),
    )  # fmt: skip
    keep("other", case, loan, who)
    return out


# --- the expected figures --------------------------------------------------------------------------------

Z = D("0.00")


def _fact(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "currency": "CNY",
        "adjudicated": Z,
        "recovered": Z,
        "recovered_after_write_off": Z,
        "recovered_cash": Z,
        "recovered_in_kind": Z,
        "recovered_transfer": Z,
        "recovered_restructuring": Z,
        "written_off_amount": Z,
        "costs": Z,
        "is_open": True,
        "closed_on": None,
        "judged_on": None,
        "first_recovery_on": None,
        "entered_enforcement": False,
        "terminated_for_now": False,
        "written_off": False,
        "law_firm": None,
        "cause_of_action": CAUSE,
    }
    base.update(values)
    return base


# label → CaseFact values. "unit", "court", "handler" and "law_firm" are names resolved by the tests
# (unit code, court caseno code, username, firm name).
EXPECTED: dict[str, dict[str, Any]] = {
    "won": _fact(
        unit="BJ", court="京0105", court_province="11", borrower_province="11", product="consumer",
        handler="case_handler", law_firm="Alpha Law Firm", stage="enforcement", position="enforcement",
        outcome_class="won", opened_on=dt.date(2025, 1, 6), cohort_month=dt.date(2025, 1, 1),
        judged_on=dt.date(2025, 3, 3), first_recovery_on=dt.date(2025, 5, 20), entered_enforcement=True,
        claim=D("105000.00"), claim_principal=D("100000.00"), adjudicated=D("105000.00"),
        recovered=D("40000.00"), recovered_cash=D("40000.00"), costs=D("2300.00"),
    ),
    "partly": _fact(
        unit="BJ-CY", court="京0105", court_province="11", borrower_province="13", product="credit_card",
        handler="case_handler", stage="enforcement", position="enforcement", outcome_class="partly_won",
        opened_on=dt.date(2025, 2, 10), cohort_month=dt.date(2025, 2, 1), judged_on=dt.date(2025, 4, 8),
        first_recovery_on=dt.date(2025, 7, 1), entered_enforcement=True, claim=D("55000.00"),
        claim_principal=D("50000.00"), adjudicated=D("53000.00"), recovered=D("20000.00"),
        recovered_in_kind=D("20000.00"), costs=D("1125.00"),
    ),
    "dismiss": _fact(
        unit="BJ", court="沪0115", court_province="31", borrower_province="31", product="business",
        handler="case_handler", stage="closed", position="first_instance", outcome_class="lost",
        opened_on=dt.date(2025, 3, 3), cohort_month=dt.date(2025, 3, 1), is_open=False,
        closed_on=dt.date(2025, 7, 1), claim=D("82000.00"), claim_principal=D("80000.00"), costs=D("1825.00"),
    ),
    "reduced": _fact(
        unit="GD", court="粤01", court_province="44", borrower_province="44", product="mortgage",
        handler="outsider_branch", law_firm="Beta Law Firm", stage="judged", position="second_instance",
        outcome_class="lost", opened_on=dt.date(2025, 3, 17), cohort_month=dt.date(2025, 3, 1),
        judged_on=dt.date(2025, 8, 18), claim=D("63000.00"), claim_principal=D("60000.00"),
        adjudicated=D("47000.00"), costs=D("1375.00"),
    ),
    "paidoff": _fact(
        unit="GD-TH", court="粤0304", court_province="44", borrower_province="43", product="auto",
        handler="outsider_branch", stage="closed", position="first_instance",
        outcome_class="recovered_withdrawn", opened_on=dt.date(2025, 4, 7), cohort_month=dt.date(2025, 4, 1),
        is_open=False, closed_on=dt.date(2025, 7, 20), first_recovery_on=dt.date(2025, 5, 20),
        claim=D("31500.00"), claim_principal=D("30000.00"), recovered=D("31500.00"),
        recovered_restructuring=D("31500.00"), costs=D("295.00"),
    ),
    "withdrawn": _fact(
        unit="BJ", court="京0108", court_province="11", borrower_province="", product="micro",
        handler="case_handler", stage="filed", position="first_instance", outcome_class="withdrawn",
        opened_on=dt.date(2025, 5, 12), cohort_month=dt.date(2025, 5, 1), first_recovery_on=dt.date(2025, 6, 10),
        claim=D("20800.00"), claim_principal=D("20000.00"), recovered=D("5000.00"), recovered_cash=D("5000.00"),
    ),
    "pending": _fact(
        unit="BJ-CY", court="京0105", court_province="11", borrower_province="51", product="consumer",
        handler="case_handler", law_firm="Beta Law Firm", stage="filed", position="first_instance",
        outcome_class="pending", opened_on=dt.date(2025, 6, 2), cohort_month=dt.date(2025, 6, 1),
        claim=D("41000.00"), claim_principal=D("40000.00"), costs=D("850.00"),
    ),
    "zhongben": _fact(
        unit="BJ", court="京0105", court_province="11", borrower_province="41", product="business",
        handler="case_handler", stage="terminated_enforcement", position="enforcement_terminated_for_now",
        outcome_class="won", opened_on=dt.date(2025, 1, 20), cohort_month=dt.date(2025, 1, 1),
        judged_on=dt.date(2025, 3, 24), first_recovery_on=dt.date(2025, 6, 16), entered_enforcement=True,
        terminated_for_now=True, written_off=True, claim=D("72800.00"), claim_principal=D("70000.00"),
        adjudicated=D("72800.00"), recovered=D("13000.00"), recovered_cash=D("13000.00"),
        recovered_after_write_off=D("3000.00"), written_off_amount=D("62800.00"), costs=D("1620.00"),
    ),
    "transfer": _fact(
        unit="GD", court="粤0106", court_province="44", borrower_province="33", product="consumer",
        handler="outsider_branch", stage="judged", position="first_instance", outcome_class="won",
        opened_on=dt.date(2025, 2, 24), cohort_month=dt.date(2025, 2, 1), judged_on=dt.date(2025, 5, 6),
        first_recovery_on=dt.date(2025, 10, 15), claim=D("26000.00"), claim_principal=D("25000.00"),
        adjudicated=D("26000.00"), recovered=D("18000.00"), recovered_transfer=D("18000.00"),
    ),
    "usd": _fact(
        unit="BJ", court="京74", court_province="11", borrower_province="11", product="business",
        handler="case_handler", stage="judged", position="first_instance", outcome_class="won", currency="USD",
        opened_on=dt.date(2025, 7, 7), cohort_month=dt.date(2025, 7, 1), judged_on=dt.date(2025, 9, 15),
        first_recovery_on=dt.date(2025, 8, 5), claim=D("10300.00"), claim_principal=D("10000.00"),
        adjudicated=D("10300.00"), recovered=D("2000.00"), recovered_cash=D("2000.00"),
    ),
    "other": _fact(
        unit="OB-HO", court=None, court_province="", borrower_province="11", product="consumer",
        handler="outsider_creditor", stage="pre_litigation", position="not_in_court", outcome_class="pending",
        opened_on=dt.date(2025, 8, 4), cohort_month=dt.date(2025, 8, 1), claim=D("9000.00"),
        claim_principal=D("9000.00"),
    ),
}  # fmt: skip

CREDITOR_A = ("won", "partly", "dismiss", "reduced", "paidoff", "withdrawn", "pending", "zhongben", "transfer", "usd")

# label → days from opening to (judgment, first recovery, close); None = not reached.
DAYS: dict[str, tuple[int | None, int | None, int | None]] = {
    "won": (56, 134, None),
    "partly": (57, 141, None),
    "dismiss": (None, None, 120),
    "reduced": (154, None, None),
    "paidoff": (None, 43, 104),
    "withdrawn": (None, 29, None),
    "pending": (None, None, None),
    "zhongben": (63, 147, None),
    "transfer": (71, 233, None),
    "usd": (70, 29, None),
    "other": (None, None, None),
}

# Creditor A: counts and cycle times over its 10 cases, money over its 9 CNY cases (definitions.Measures).
TOTALS_A: dict[str, Any] = {
    "cases": 10,
    "open_cases": 8,
    "closed_cases": 2,
    "foreign_cases": 1,
    "adjudicated_cases": 6,
    "recovered_cases": 7,
    "enforcement_cases": 3,
    "terminated_cases": 1,
    "written_off_cases": 1,
    "won": 4,
    "partly_won": 1,
    "lost": 2,
    "recovered_withdrawn": 1,
    "withdrawn": 1,
    "pending": 1,
    "claim": D("497100.00"),
    "claim_principal": D("475000.00"),
    "adjudicated": D("303800.00"),
    "recovered": D("127500.00"),
    "recovered_adjudicated": D("91000.00"),
    "recovered_after_write_off": D("3000.00"),
    "recovered_cash": D("58000.00"),
    "recovered_in_kind": D("20000.00"),
    "recovered_transfer": D("18000.00"),
    "recovered_restructuring": D("31500.00"),
    "written_off_amount": D("62800.00"),
    "costs": D("9390.00"),
    "judgment_days": 471,
    "judgment_n": 6,
    "recovery_days": 756,
    "recovery_n": 7,
    "close_days": 224,
    "close_n": 2,
}
