"""Case numbers (法〔2015〕137号 as amended by 法〔2018〕335号): vectors C01–C17 and input hygiene."""

from __future__ import annotations

import re

import pytest

from loanlit.law.caseno import MODERN_PATTERN, normalize_case_number, parse_case_number
from loanlit.law.money import LawInputError

from .vectors import cases

DESCRIPTIVE = {"region_hint", "match", "reason"}


@pytest.mark.parametrize("vector", cases("case_numbers", where=lambda v: v["expected"].get("match", True)))
def test_case_number_vector_decodes_every_expected_field(vector):
    result = parse_case_number(vector["inputs"])
    for key, value in vector["expected"].items():
        if key not in DESCRIPTIVE:
            assert getattr(result, key) == value, key
    digits = re.match(r"\d+", vector["expected"].get("region_hint", ""))
    if digits:
        assert result.region_code == digits.group()
    assert result.legacy is False
    assert result.normalized == vector["inputs"]


def test_legacy_number_c16_does_not_match_the_modern_rule_but_parses_loosely():
    raw = "（2015）朝民初字第01234号"
    assert MODERN_PATTERN.fullmatch(normalize_case_number(raw)) is None
    result = parse_case_number(raw)
    assert (result.legacy, result.year, result.court, result.type, result.seq) == (True, 2015, "朝", "民初", 1234)
    assert result.court_level == "unknown"
    assert result.type_meaning == "civil first instance"


def test_leading_zero_sequence_c17_is_refused():
    with pytest.raises(LawInputError) as excinfo:
        parse_case_number("（2024）京0105民初0123号")
    assert excinfo.value.code == "caseno.leading_zero"


@pytest.mark.parametrize(
    "raw",
    [
        "(2024)京0105民初1234号",
        "（2024） 京0105 民初 1234号 ",
        "（２０２４）京０１０５民初１２３４号",
        "(2024）京0105民初1234号",
    ],
)
def test_half_width_brackets_full_width_digits_and_stray_spaces_are_normalised(raw):
    result = parse_case_number(raw)
    assert result.normalized == "（2024）京0105民初1234号"
    assert (result.year, result.court, result.type, result.seq) == (2024, "京0105", "民初", 1234)
    assert result.raw == raw


@pytest.mark.parametrize(
    ("raw", "level", "region", "kind"),
    [
        ("（2024）京民终5号", "high", "11", None),
        ("（2024）沪72民初5号", "intermediate", None, "maritime"),
        ("（2024）粤0781执12号", "basic", "440781", None),
        ("（2024）军民初5号", "high", None, None),
    ],
)
def test_court_level_and_region_follow_the_code(raw, level, region, kind):
    result = parse_case_number(raw)
    assert (result.court_level, result.region_code, result.court_kind) == (level, region, kind)


def test_type_meaning_has_a_chinese_label_too():
    result = parse_case_number("（2022）沪0115执恢56号")
    assert result.type_label.text("zh-hans") == "恢复执行"
    assert result.type_label.text("en") == "resumed enforcement"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "caseno.empty"),
        ("   ", "caseno.empty"),
        ("京0105民初1234号", "caseno.unrecognised"),
        ("（2024）京0105民初1234", "caseno.unrecognised"),
        ("（2024）港0105民初1234号", "caseno.unrecognised"),
        ("（2024）京0105刑初1234号", "caseno.unknown_type"),
        ("（2024）京0105民初字1234号", "caseno.unknown_type"),
        ("（2015）朝刑初字第1号", "caseno.unknown_type"),
    ],
)
def test_anything_else_is_refused_with_a_clear_code(raw, code):
    with pytest.raises(LawInputError) as excinfo:
        parse_case_number(raw)
    assert excinfo.value.code == code
