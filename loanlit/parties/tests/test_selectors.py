from __future__ import annotations

import pytest
from django.http import Http404

from loanlit.parties import selectors, services
from loanlit.parties.services import PartyInput
from loanlit.parties.tests.support import make_ric, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(personas):
    rows = [
        PartyInput(name="张三", id_number=make_ric(1), mobile="13800138000"),
        PartyInput(name="张三丰", id_number=make_ric(2), mobile="13900139001"),
        PartyInput(name="李四"),
        PartyInput(name="北京某某科技有限公司", kind="company", id_number=make_uscc(5)),
        PartyInput(name="Li Si", id_type="passport", id_number="E12345678"),
    ]
    results = services.parties_upsert_batch(actor=None, creditor=personas.creditor, rows=rows)
    other = services.parties_upsert_batch(
        actor=None,
        creditor=personas.other_creditor,
        rows=[PartyInput(name="张三", id_number=make_ric(1), mobile="13800138000")],
    )
    return [r.party for r in results], other[0].party


def names(found):
    return [party.name for party in found]


def test_search_by_name_is_exact_or_prefix_within_the_users_creditor(personas, parties):
    user = personas.case_handler
    assert names(selectors.party_search_for_user(user=user, q="张三")) == ["张三", "张三丰"]
    assert names(selectors.party_search_for_user(user=user, q="张三丰")) == ["张三丰"]
    assert names(selectors.party_search_for_user(user=user, q="li")) == ["Li Si"]
    assert selectors.party_search_for_user(user=user, q="  ") == []


def test_search_by_full_id_or_its_last_six(personas, parties):
    user = personas.case_handler
    assert names(selectors.party_search_for_user(user=user, q=make_ric(2))) == ["张三丰"]
    assert names(selectors.party_search_for_user(user=user, q=make_ric(2)[-6:])) == ["张三丰"]
    assert names(selectors.party_search_for_user(user=user, q=make_uscc(5))) == ["北京某某科技有限公司"]
    assert names(selectors.party_search_for_user(user=user, q="e12345678")) == ["Li Si"]


def test_search_by_mobile_or_its_last_four(personas, parties):
    user = personas.case_handler
    assert names(selectors.party_search_for_user(user=user, q="138 0013 8000")) == ["张三"]
    assert names(selectors.party_search_for_user(user=user, q="9001")) == ["张三丰"]


def test_another_creditors_user_never_finds_or_opens_our_parties(personas, parties):
    ours, theirs = parties
    outsider = personas.outsider_creditor
    found = selectors.party_search_for_user(user=outsider, q=make_ric(1))
    assert [p.pk for p in found] == [theirs.pk]
    assert [p.pk for p in selectors.party_search_for_user(user=outsider, q="13800138000")] == [theirs.pk]
    with pytest.raises(Http404):
        selectors.party_get_for_user(user=outsider, pk=ours[0].pk)
    assert selectors.party_get_for_user(user=personas.case_handler, pk=ours[0].pk) == ours[0]
    with pytest.raises(Http404):
        selectors.party_get_for_user(user=personas.case_handler, pk=theirs.pk)


def test_parties_are_creditor_scoped_not_unit_scoped(personas, parties):
    ours, _theirs = parties
    assert selectors.party_get_for_user(user=personas.outsider_branch, pk=ours[0].pk) == ours[0]
