"""Causes of action by name, with both numberings (vectors K01–K11, [unverified] numbers)."""

from __future__ import annotations

import pytest

from loanlit.law.causes import CAUSES, cause_by_name
from loanlit.law.money import LawInputError

from .vectors import cases


@pytest.mark.parametrize("vector", cases("causes_of_action"))
def test_cause_of_action_vector(vector):
    cause = cause_by_name(vector["inputs"]["cause_name"])
    expected = vector["expected"]
    assert (cause.code_2020_rules, cause.code_2025_12_revision, cause.level) == (
        expected["code_2020_rules"],
        expected["code_2025_12_revision"],
        expected["level"],
    )
    assert cause.code("2020") == expected["code_2020_rules"]
    assert cause.code("2025-12") == expected["code_2025_12_revision"]


def test_level_four_causes_name_their_parent():
    assert cause_by_name("金融借款合同纠纷").parent == "借款合同纠纷"
    assert cause_by_name("信用卡纠纷").parent == "银行卡纠纷"
    assert all(c.parent is None for c in CAUSES if c.level == 3)


def test_unknown_cause_is_refused():
    with pytest.raises(LawInputError) as excinfo:
        cause_by_name("合伙合同纠纷")
    assert excinfo.value.code == "cause.unknown"
