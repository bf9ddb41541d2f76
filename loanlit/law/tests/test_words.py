"""Amounts in Chinese capitals (PBoC 支付结算办法 1997 annex; house style in rules.md): A01–A20."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loanlit.law.money import LawInputError
from loanlit.law.words import amount_in_words

from .vectors import cases


@pytest.mark.parametrize("vector", cases("amount_in_words", where=lambda v: not v["expected"].startswith(("reject",))))
def test_amount_in_words_vector(vector):
    expected = vector["expected"].split(" (")[0]  # A17 carries a note in brackets
    result = amount_in_words(Decimal(vector["inputs"]))
    assert result.words == expected
    assert result.with_currency == "人民币" + expected


def test_negative_amount_a19_is_refused():
    with pytest.raises(LawInputError) as excinfo:
        amount_in_words(Decimal("-123.45"))
    assert excinfo.value.code == "input.negative"


def test_exponent_notation_a20_is_normalised_as_a_decimal_and_refused_as_a_string():
    assert amount_in_words(Decimal("1e5")).words == "壹拾万元整"
    with pytest.raises(LawInputError) as excinfo:
        amount_in_words("1e5")
    assert excinfo.value.code == "input.not_decimal"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("6007.14", "陆仟零柒元壹角肆分"),  # PBoC annex worked examples
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("1000.05", "壹仟元零伍分"),
        ("100000001", "壹亿零壹元整"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("100500", "壹拾万零伍佰元整"),
        ("1010000", "壹佰零壹万元整"),
        ("10000000000", "壹佰亿元整"),
        ("1200000000000.30", "壹万贰仟亿元零叁角"),
        ("12.345", "壹拾贰元叁角伍分"),  # half-up, not truncated
        ("12.344", "壹拾贰元叁角肆分"),
        ("0.004", "零元整"),
        ("0.005", "壹分"),
    ],
)
def test_more_amounts_in_words(amount, words):
    assert amount_in_words(Decimal(amount)).words == words


def test_rounding_is_explained():
    result = amount_in_words(Decimal("1.005"))
    assert result.amount == Decimal("1.01")
    assert [m.code for m in result.explanation] == ["words.rule", "words.rounded"]


@pytest.mark.parametrize("value", [1.5, "10", None, True, Decimal("NaN"), Decimal("Infinity")])
def test_non_decimal_amounts_are_refused(value):
    with pytest.raises(LawInputError):
        amount_in_words(value)


def test_amounts_beyond_wan_yi_are_refused():
    with pytest.raises(LawInputError) as excinfo:
        amount_in_words(Decimal("10000000000000000"))
    assert excinfo.value.code == "words.too_large"


def test_integers_are_accepted():
    assert amount_in_words(10).words == "壹拾元整"


@given(st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2, allow_nan=False))
def test_words_use_only_the_pboc_characters_and_never_end_jiao_or_fen_with_zheng(value):
    words = amount_in_words(value).words
    assert set(words) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    assert "零零" not in words and not words.endswith(("角整", "分整"))
    assert words.endswith("整") == (value == value.to_integral_value())
