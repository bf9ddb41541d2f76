from __future__ import annotations

from decimal import Decimal

import pytest

from loanlit.batches import screening, selectors, services
from loanlit.batches.models import BatchItem
from loanlit.cases.models import Court
from loanlit.core.errors import PermissionDeniedError

pytestmark = pytest.mark.django_db
D = Decimal


def _screened(world):
    services.batch_add_items(
        actor=world.personas.case_handler, batch=world.batch, cases=[world.a, world.b, world.c, world.d]
    )
    counts = services.batch_screen(actor=world.personas.case_handler, batch=world.batch)
    return counts, {item.case_id: item for item in world.batch.items.select_related("court")}


def test_screening_includes_a_sound_case_and_names_every_reason_for_an_excluded_one(world):
    counts, items = _screened(world)
    assert counts == {"pending": 0, "included": 3, "excluded": 1, "needs_court": 0}
    a, b = items[world.a.pk], items[world.b.pk]
    assert a.status == "included" and a.reasons == []
    assert a.claim_amount == D("103456.78")
    assert a.court.caseno_code == "京0105" and a.court_basis == "domicile"
    assert b.status == "excluded"
    assert [screening.reason_text(r) for r in b.reasons] == [
        "The claim of 20,000.00 is below the batch threshold of 50,000.00.",
        "Evidence missing from the case file: Loan contract, IOU, Repayment record.",
    ]


def test_a_guarantor_whose_guarantee_period_lapsed_is_not_sued_and_the_case_stays_in(world):
    _counts, items = _screened(world)
    a = items[world.a.pk]
    assert a.status == "included"
    assert [(p["party"], p["name"]) for p in a.excluded_parties] == [(world.guarantor.pk, "A&B融资担保有限公司")]
    assert screening.reason_text(a.excluded_parties[0]) == (
        "The guarantee period of contract BZ-2024-0001 ended on 2025-12-01: "
        "A&B融资担保有限公司 is not sued as a guarantor."
    )


def test_a_lapsed_limitation_period_excludes_the_case(world):
    from loanlit.loans.models import LoanContract

    LoanContract.objects.filter(case_links__case=world.d).update(maturity_date="2022-06-01")
    _counts, items = _screened(world)
    d = items[world.d.pk]
    assert d.status == "excluded"
    assert [screening.reason_text(r) for r in d.reasons] == [
        "The limitation period of loan JK-2024-0004 ended on 2025-06-03."
    ]


def test_an_address_in_no_known_district_leaves_the_court_to_be_chosen_then_a_chosen_court_includes_it(world):
    from loanlit.parties.models import PartyContact

    PartyContact.objects.filter(party__loan_links__loan__case_links__case=world.d).update(address="河北省某县某村")
    _counts, items = _screened(world)
    d = items[world.d.pk]
    assert d.status == "needs_court" and d.court is None
    assert [screening.reason_text(r) for r in d.reasons] == [
        "Court to be chosen: no court on file for the district of 李四's address “河北省某县某村”."
    ]
    court = Court.objects.get(caseno_code="京0101")
    d = services.item_choose_court(actor=world.personas.case_handler, item=d, court=court)
    assert (d.status, d.court_id, d.court_basis, d.reasons) == ("included", court.pk, "chosen", [])


def test_grouping_by_court_and_by_firm(world):
    _screened(world)
    by_court = selectors.groups_by_court(batch=world.batch)
    assert [(g.label, [i.case_id for i in g.items], g.total) for g in by_court] == [
        ("北京市朝阳区人民法院", [world.a.pk, world.d.pk], D("191456.90")),
        ("北京市海淀区人民法院", [world.c.pk], D("60000.00")),
    ]
    by_firm = selectors.groups_by_firm(batch=world.batch)
    assert [(g.key, g.count) for g in by_firm] == [(None, 3)]


def test_another_branchs_case_cannot_be_added_and_nothing_changes(world):
    before = world.batch.items.count()
    with pytest.raises(PermissionDeniedError):
        services.batch_add_items(actor=world.personas.case_handler, batch=world.batch, cases=[world.a, world.gd])
    assert world.batch.items.count() == before == 0
    assert world.gd not in selectors.case_candidates(
        user=world.personas.case_handler, batch=world.batch, filters=selectors.CaseFilters()
    )


def test_an_outsider_cannot_see_or_change_the_batch(world):
    outsider = world.personas.outsider_branch
    assert not selectors.batches_visible_to(outsider).filter(pk=world.batch.pk).exists()
    with pytest.raises(PermissionDeniedError):
        services.batch_add_items(actor=outsider, batch=world.batch, cases=[world.gd])
    assert world.batch.items.count() == 0


def test_loans_without_a_case_are_candidates_and_screen_out_until_a_case_is_opened(world, personas):
    from loanlit.cases.tests import factories

    _person, loan = factories.borrower_loan(personas.creditor, personas.beijing, name="周八", seq=9, days_past_due=400)
    found = selectors.loan_candidates(
        user=personas.case_handler, batch=world.batch, filters=selectors.LoanFilters(min_days_past_due=300)
    )
    assert list(found) == [loan]
    services.batch_add_items(actor=personas.case_handler, batch=world.batch, loans=[loan])
    services.batch_screen(actor=personas.case_handler, batch=world.batch)
    item = world.batch.items.get()
    assert item.status == BatchItem.Status.EXCLUDED
    assert screening.reason_text(item.reasons[0]) == "No case has been opened for this loan yet."


def test_cases_are_opened_for_loan_items_and_then_screen_as_cases(world, personas):
    from loanlit.cases.tests import factories

    _person, loan = factories.borrower_loan(personas.creditor, personas.beijing, name="周八", seq=9, days_past_due=400)
    services.batch_add_items(actor=personas.case_handler, batch=world.batch, loans=[loan])
    opened = services.batch_open_cases(
        actor=personas.case_handler, batch=world.batch, cause_of_action="金融借款合同纠纷"
    )
    item = world.batch.items.get()
    assert [c.pk for c in opened] == [item.case_id]
    assert list(item.case.loans.all()) == [loan] and item.case.handling_unit == personas.beijing
    services.batch_screen(actor=personas.case_handler, batch=world.batch)
    item.refresh_from_db()
    assert [screening.reason_text(r) for r in item.reasons] == [
        "Evidence missing from the case file: Loan contract, IOU, Repayment record."
    ]


def test_reasons_are_shown_in_the_readers_language(world):
    from django.utils import translation

    _counts, items = _screened(world)
    with translation.override("zh-hans"):
        assert [screening.reason_text(r) for r in items[world.b.pk].reasons] == [
            "标的额 20,000.00 低于本批次门槛 50,000.00。",
            "案卷缺少证据：借款合同、借据、还款记录。",
        ]
