"""The case-list search routes (selectors.search_q): each shape finds exactly the cases it should."""

from __future__ import annotations

import datetime as dt

from loanlit.cases import selectors, services
from loanlit.cases.models import Case, CaseLoan, Court
from loanlit.parties.tests.support import make_ric

from . import factories as f


def _open(personas, loans, opened_on: dt.date) -> Case:
    return services.case_open(
        actor=personas.case_handler,
        creditor=personas.creditor,
        handling_unit=personas.beijing_chaoyang,
        cause_of_action="金融借款合同纠纷",
        loans=loans,
        handler=personas.case_handler,
        opened_on=opened_on,
    )


def _found(personas, q: str) -> list[Case]:
    return list(selectors.case_list_for_user(user=personas.case_handler, filters=selectors.CaseFilters(q=q)))


def test_search_by_id_tail_mobile_tail_and_name_prefix_returns_exactly_the_matching_cases(personas):
    _li, loan_li = f.borrower_loan(personas.creditor, personas.beijing, "Li Si", seq=11)
    _liu, loan_liu = f.borrower_loan(personas.creditor, personas.beijing, "Liu Wu", seq=12)
    _zhao, loan_zhao = f.borrower_loan(personas.creditor, personas.beijing, "Zhao Liu", seq=13)
    case_li = _open(personas, [loan_li], dt.date(2024, 3, 1))
    case_liu = _open(personas, [loan_liu], dt.date(2024, 3, 2))
    case_zhao = _open(personas, [loan_zhao], dt.date(2024, 3, 3))

    assert _found(personas, "li") == [case_liu, case_li]  # newest first; "Zhao Liu" does not start with "li"
    assert _found(personas, "liu") == [case_liu]
    assert _found(personas, make_ric(12)[-6:]) == [case_liu]
    assert _found(personas, make_ric(13)) == [case_zhao]
    assert _found(personas, "0011") == [case_li]
    assert _found(personas, "13800130013") == [case_zhao]
    assert _found(personas, "0099") == []
    assert _found(personas, "wang") == []


def test_search_finds_a_participant_of_a_proceeding_but_not_the_borrower_of_an_unlinked_loan(personas):
    borrower, loan = f.borrower_loan(personas.creditor, personas.beijing, "Qian Qi", seq=21)
    _other, other_loan = f.borrower_loan(personas.creditor, personas.beijing, "Sun Ba", seq=22)
    defendant = f.party(personas.creditor, "Zhou Jiu", ric=make_ric(23))
    case = _open(personas, [loan], dt.date(2024, 4, 1))
    sued = _open(personas, [other_loan], dt.date(2024, 4, 2))
    proceeding = services.proceeding_open(
        actor=personas.case_handler,
        case=sued,
        kind="first_instance",
        court=Court.objects.first(),
        filed_on=dt.date(2024, 4, 8),
    )
    services.proceeding_party_add(actor=personas.case_handler, proceeding=proceeding, role="defendant", party=defendant)

    assert _found(personas, make_ric(23)[-6:]) == [sued]
    assert _found(personas, "zhou") == [sued]
    assert _found(personas, "qian") == [case]

    CaseLoan.objects.filter(case=case).update(unlinked_on=dt.date(2024, 5, 1), active=False)

    assert _found(personas, "qian") == []
    assert _found(personas, make_ric(21)) == []
    assert borrower.name == "Qian Qi"


def test_contract_number_typed_full_width_or_in_lower_case_finds_the_case(personas):
    _li, loan = f.borrower_loan(personas.creditor, personas.beijing, "Li Si", seq=31)
    case = _open(personas, [loan], dt.date(2024, 5, 1))
    number = loan.contract_no
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in number)
    assert full_width != number
    assert _found(personas, number) == [case]
    assert _found(personas, full_width) == [case]
    assert _found(personas, number.lower()) == [case]
    assert _found(personas, number + "9") == []
