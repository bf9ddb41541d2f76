"""Test data builders for parties and loans: valid ID numbers and USCCs computed from the standards."""

from __future__ import annotations

from loanlit.law.identifiers import org_code_check_character, ric_check_digit, uscc_check_character


def make_ric(seq: int = 1, *, region: str = "110105", birth: str = "19900307") -> str:
    """A resident ID number with a correct check character (GB 11643-1999)."""
    body = f"{region}{birth}{seq:03d}"
    return body + ric_check_digit(body)


def bad_check_ric(seq: int = 1) -> str:
    """The same shape with a wrong check character."""
    good = make_ric(seq)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong


def make_uscc(serial: int = 1) -> str:
    """A unified social credit code with a correct check character (GB 32100-2015)."""
    org = f"{serial:08d}"
    body = f"91110105{org}{org_code_check_character(org)}"
    return body + uscc_check_character(body)
