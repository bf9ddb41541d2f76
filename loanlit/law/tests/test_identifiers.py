"""Resident IDs, unified social credit codes and mobiles: vectors R, U, M and the permit variants."""

from __future__ import annotations

from datetime import date

import pytest

from loanlit.law.identifiers import (
    ric_check_digit,
    upgrade_ric_15,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)
from loanlit.law.money import LawInputError

from .vectors import cases

RIC_ERRORS = {
    "R02": ("ric.bad_check_digit", {"expected": "X", "given": "1"}),
    "R05": ("ric.bad_birth_date", {"birth": "19991301"}),
}


@pytest.mark.parametrize("vector", cases("validation_ric", where=lambda v: isinstance(v["inputs"], str)))
def test_resident_id_vector(vector):
    result = validate_resident_id(vector["inputs"])
    expected = vector["expected"]
    assert result.valid is expected["valid"]
    if expected["valid"]:
        assert result.normalized == vector["inputs"]
        assert result.error is None
        if "birth_date" in expected:
            assert result.birth_date == date.fromisoformat(expected["birth_date"])
        if "sex" in expected:
            assert expected["sex"].startswith(result.sex + " ")  # type: ignore[operator]
    else:
        assert (result.error, result.error_params) == RIC_ERRORS[vector["id"]]


def test_legacy_15_digit_upgrade_r07():
    assert upgrade_ric_15("110105491231002") == "11010519491231002X"
    result = validate_resident_id("110105491231002")
    assert (result.valid, result.normalized) == (True, "11010519491231002X")
    assert [w.code for w in result.warnings] == ["ric.upgraded_from_15"]


def test_check_digit_takes_the_17_digit_body_r08():
    # stdnum's calc_check_digit('11010519491231002') returns '2' because it drops a character; ours
    # takes exactly 17 digits and gives the right answer.
    assert ric_check_digit("11010519491231002") == "X"
    with pytest.raises(LawInputError):
        ric_check_digit("11010519491231002X")


def _with_check(body: str) -> str:
    return body + ric_check_digit(body)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("81000019900101001", "hk_residence_permit"),
        ("82000019900101001", "macau_residence_permit"),
        ("83000019900101001", "taiwan_residence_permit"),
        ("93184019900101001", "foreign_permanent_residence"),
    ],
)
def test_residence_permits_and_foreign_permanent_residence_cards_use_the_same_check(body, kind):
    result = validate_resident_id(_with_check(body))
    assert (result.valid, result.kind, result.birth_date) == (True, kind, date(1990, 1, 1))


def test_foreign_permanent_residence_card_parts():
    result = validate_resident_id(_with_check("93184019900101001"))
    assert result.parts["province"] == "31" and result.parts["nationality"] == "840"


def test_lowercase_x_is_accepted_and_stored_upper():
    result = validate_resident_id(" 11010519491231002x ")
    assert (result.valid, result.normalized) == (True, "11010519491231002X")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1101051949123100", "ric.bad_length"),
        ("1101051949123100AX", "ric.bad_characters"),
        (_with_check("00010519491231002"), "ric.bad_region"),
        (_with_check("11010519490230002"), "ric.bad_birth_date"),
    ],
)
def test_malformed_resident_ids_give_a_message_code(value, code):
    result = validate_resident_id(value)
    assert (result.valid, result.error) == (False, code)
    assert result.message is not None and result.message.text("en") != code


def test_birth_date_in_the_future_is_refused_when_today_is_given():
    value = _with_check("11010520300101001")
    assert validate_resident_id(value).valid is True
    assert validate_resident_id(value, today=date(2026, 12, 3)).error == "ric.birth_in_future"


@pytest.mark.parametrize("vector", cases("validation_uscc"))
def test_uscc_vector(vector):
    result = validate_uscc(vector["inputs"])
    expected = vector["expected"]
    assert result.valid is expected["valid"]
    if expected["valid"]:
        assert result.normalized == expected.get("normalised", vector["inputs"])
        assert result.warnings == ()
        parts = expected.get("parts", {})
        for key in ("region", "org_code", "check"):
            if key in parts:
                assert result.parts[key] == parts[key]
        if "registration_authority" in parts:
            authority = f"{result.parts['registration_authority']} ({result.parts['registration_authority_meaning']})"
            assert authority == parts["registration_authority"]
            assert f"{result.parts['org_type']} ({result.parts['org_type_meaning']})" == parts["org_type"]
    else:
        assert (result.error, result.error_params) == ("uscc.bad_character", {"character": "I"})


def test_uscc_with_a_wrong_embedded_organisation_code_is_valid_with_a_warning_u03():
    result = validate_uscc("91110108MA01ABCD0B")
    assert result.valid is True
    assert [(w.code, w.params) for w in result.warnings] == [("uscc.org_code_check", {"expected": "5", "given": "0"})]


@pytest.mark.parametrize(
    ("value", "code"), [("91350100M000100Y44", "uscc.bad_check_character"), ("9135", "uscc.bad_length")]
)
def test_bad_uscc_gives_a_message_code(value, code):
    assert validate_uscc(value).error == code


MOBILE_ERRORS = {"M04": "mobile.bad_prefix", "M05": "mobile.bad_length", "M07": "mobile.landline"}


@pytest.mark.parametrize("vector", cases("validation_mobile"))
def test_mobile_vector(vector):
    result = validate_mobile(vector["inputs"])
    expected = vector["expected"]
    assert result.valid is expected["valid"]
    if expected["valid"]:
        assert result.normalized == expected.get("normalised", vector["inputs"])
    else:
        assert result.error == MOBILE_ERRORS[vector["id"]]


@pytest.mark.parametrize("value", ["008613800138000", "8613800138000", "138-0013-8000", "+86-199 0000 0000"])
def test_mobile_prefixes_and_separators_are_removed(value):
    assert validate_mobile(value).valid is True


def test_mobile_with_letters_is_refused():
    assert validate_mobile("1380013800a").error == "mobile.bad_characters"
