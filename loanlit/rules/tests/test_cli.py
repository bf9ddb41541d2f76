"""``manage.py law … --json``: exact values for every subcommand, clear errors with a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from loanlit.rules import services

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def law_json(*args: str) -> dict:
    out = StringIO()
    call_command("law", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def law_text(*args: str, lang: str = "en") -> str:
    out = StringIO()
    call_command("law", *args, "--lang", lang, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    "kind, amount, halved, fee, exact",
    [
        ("acceptance", "1234567.89", False, "15911.11", "15911.11101"),
        ("acceptance", "8000", False, "50.00", "50"),
        ("acceptance", "1234567.89", True, "7955.56", "7955.555505"),
        ("appeal", "100000", False, "2300.00", "2300.000"),
        ("preservation", "2000000", False, "5000.00", "5000"),
        ("enforcement", "1000000", False, "12400.00", "12400.000"),
        ("payment_order", "100000", False, "766.67", None),
    ],
)
def test_fee_json_gives_the_statutory_fee(kind, amount, halved, fee, exact):
    data = law_json("fee", "--kind", kind, "--amount", amount, *(["--halved"] if halved else []))
    assert (data["kind"], data["amount"], data["halved"], data["fee"]) == (kind, amount, halved, fee)
    if exact is not None:
        assert data["exact"] == exact
    assert data["explanation"][0]["code"] == f"fee.{kind}"


def test_deadline_json_rolls_over_the_national_day_swap():
    data = law_json("deadline", "--rule", "appeal_judgment", "--start", "2025-09-23")
    assert {k: data[k] for k in ("nominal_end", "deadline", "rolled", "confirmed", "reminder_date")} == {
        "nominal_end": "2025-10-08",
        "deadline": "2025-10-09",
        "rolled": True,
        "confirmed": True,
        "reminder_date": "2025-10-09",
    }
    assert data["article"]["en"] == "CPL (2023) art. 171 para 1"
    first = data["explanation"][0]
    assert first["code"] == "period.rule.appeal_judgment"
    assert first["zh-hans"] == "不服判决上诉期：15日（《民事诉讼法》（2023年修正）第171条第1款）"
    assert first["en"] == "appeal against a judgment: 15 days (CPL (2023) art. 171 para 1)"


def test_deadline_in_a_year_without_data_is_flagged_provisional():
    data = law_json("deadline", "--rule", "appeal_judgment", "--start", "2026-12-20")
    assert (data["nominal_end"], data["deadline"], data["rolled"], data["confirmed"]) == (
        "2027-01-04",
        "2027-01-04",
        False,
        False,
    )
    assert data["explanation"][-1]["code"] == "period.provisional"


def test_deadline_uses_the_administrators_holiday_override(personas):
    services.holiday_override_save(
        actor=personas.administrator,
        year=2027,
        notice="GUOBANFA-2026-7",
        rest_days=[date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3), date(2027, 1, 4)],
        working_days=[],
    )
    data = law_json("deadline", "--rule", "appeal_judgment", "--start", "2026-12-20")
    assert (data["nominal_end"], data["deadline"], data["rolled"], data["confirmed"], data["reminder_date"]) == (
        "2027-01-04",
        "2027-01-05",
        True,
        True,
        "2027-01-05",
    )


def test_deadline_for_a_preservation_gives_the_renewal_reminder():
    data = law_json("deadline", "--rule", "preservation_deposit", "--start", "2025-03-10")
    assert (data["nominal_end"], data["deadline"], data["reminder_date"]) == ("2026-03-10", "2026-03-10", "2026-03-03")


def test_rules_lists_every_rule_with_both_labels():
    data = law_json("rules")
    names = [r["name"] for r in data["rules"]]
    assert len(names) == 22 and names[0] == "appeal_judgment" and "preservation_real_estate" in names
    assert data["rules"][0] == {
        "name": "appeal_judgment",
        "label": {"zh-hans": "不服判决上诉期", "en": "appeal against a judgment"},
        "amount": 15,
        "unit": "days",
        "kind": "period",
        "article": {"zh-hans": "《民事诉讼法》（2023年修正）第171条第1款", "en": "CPL (2023) art. 171 para 1"},
    }


@pytest.mark.parametrize(
    "basis, days, interest",
    [("actual/360", 365, "4410.42"), ("actual/365", 365, "4350.00"), ("30/360", 359, "4337.92")],
)
def test_interest_json_per_day_count_basis(basis, days, interest):
    data = law_json(
        "interest", "--principal", "100000", "--rate", "4.35", "--start", "2024-01-01", "--end", "2024-12-31",
        "--basis", basis,
    )  # fmt: skip
    assert (data["basis"], data["days"], data["interest"], data["rate_pct"]) == (basis, days, interest, "4.35")


def test_interest_defaults_to_the_bank_basis_actual_360():
    data = law_json(
        "interest", "--principal", "100000", "--rate", "3.6", "--start", "2024-01-01", "--end", "2024-01-31"
    )
    assert (data["basis"], data["days"], data["interest"]) == ("actual/360", 30, "300.00")


def test_cap_json_for_a_private_lender_is_four_times_the_lpr_at_formation():
    data = law_json("cap", "--formed", "2024-01-22", "--rate", "18")
    assert {k: data[k] for k in ("lpr_1y", "cap_pct", "supported_rate_pct", "applies", "warnings")} == {
        "lpr_1y": "3.45",
        "cap_pct": "13.80",
        "supported_rate_pct": "13.80",
        "applies": True,
        "warnings": [],
    }


def test_cap_json_for_a_licensed_lender_reports_the_ceiling_as_a_warning():
    data = law_json("cap", "--formed", "2024-01-22", "--rate", "26", "--lender", "licensed")
    assert (data["lpr_1y"], data["cap_pct"], data["supported_rate_pct"], data["applies"]) == (
        None,
        None,
        "26.00",
        False,
    )
    assert [w["code"] for w in data["warnings"]] == ["cap.total_cost_ceiling_exceeded"]


def test_lpr_json_is_the_latest_publication_on_or_before_the_day():
    assert law_json("lpr", "--on", "2024-06-01") | {"explanation": None} == {
        "on": "2024-06-01",
        "lpr_1y": "3.45",
        "lpr_5y": "3.95",
        "published": "2024-05-20",
        "explanation": None,
    }


def test_lpr_after_the_verified_date_is_refused_until_an_administrator_adds_a_row(personas):
    services.lpr_rate_add(
        actor=personas.administrator,
        published=date(2031, 1, 20),
        lpr_1y=Decimal("2.85"),
        lpr_5y=Decimal("3.35"),
        verified_through=date(2031, 2, 19),
    )
    data = law_json("lpr", "--on", "2031-02-01")
    assert (data["lpr_1y"], data["lpr_5y"], data["published"]) == ("2.85", "3.35", "2031-01-20")
    with pytest.raises(CommandError, match="verified only through 2031-02-19"):
        call_command("law", "lpr", "--on", "2031-02-20", "--json", "--lang", "en")


def test_caseno_json_decodes_every_part():
    data = law_json("caseno", "(2024) 京0105民初1234号")
    assert {k: data[k] for k in ("year", "court", "court_level", "special", "type", "type_meaning", "seq")} == {
        "year": 2024,
        "court": "京0105",
        "court_level": "basic",
        "special": None,
        "type": "民初",
        "type_meaning": "civil first instance",
        "seq": 1234,
    }
    assert data["normalized"] == "（2024）京0105民初1234号"


def test_words_json_has_the_words_with_and_without_the_currency():
    data = law_json("words", "1680.32")
    assert (data["words"], data["with_currency"]) == ("壹仟陆佰捌拾元零叁角贰分", "人民币壹仟陆佰捌拾元零叁角贰分")
    assert law_json("words", "100000.005")["words"] == "壹拾万元零壹分"


@pytest.mark.parametrize(
    "kind, value, valid, normalized, error",
    [
        ("ric", "11010519491231002X", True, "11010519491231002X", None),
        ("ric", "110105194912310021", False, "110105194912310021", "ric.bad_check_digit"),
        ("uscc", "91350100M000100Y43", True, "91350100M000100Y43", None),
        ("mobile", "+86 138-0013-8000", True, "13800138000", None),
        ("mobile", "010-62345678", False, "01062345678", "mobile.landline"),
    ],
)
def test_validate_json(kind, value, valid, normalized, error):
    data = law_json("validate", kind, value)
    assert (data["valid"], data["normalized"]) == (valid, normalized)
    assert (data["error"]["code"] if data["error"] else None) == error
    assert data["warnings"] == []


def test_calendar_json_names_the_data_source(personas):
    data = law_json("calendar", "--year", "2025")
    assert (data["source"], data["package_covers"], data["notice"]) == ("package", True, None)
    assert "2025-10-08" in data["rest_days"] and "2025-09-28" in data["working_days"]
    assert data["provisional_rest_days"] == []
    services.holiday_override_save(
        actor=personas.administrator,
        year=2027,
        notice="GUOBANFA-2026-7",
        rest_days=[date(2027, 2, 8), date(2027, 2, 9)],
        working_days=[date(2027, 2, 6)],
    )
    data = law_json("calendar", "--year", "2027")
    assert (data["source"], data["notice"], data["rest_days"], data["working_days"]) == (
        "override",
        "GUOBANFA-2026-7",
        ["2027-02-08", "2027-02-09"],
        ["2027-02-06"],
    )


def test_text_output_is_readable_in_both_languages():
    assert "Deadline: 2025-10-09" in law_text("deadline", "--rule", "appeal_judgment", "--start", "2025-09-23")
    zh = law_text("fee", "--kind", "acceptance", "--amount", "1234567.89", lang="zh-hans")
    assert "15911.11" in zh and "案件受理费" in zh


@pytest.mark.parametrize(
    "args, message",
    [
        (["fee", "--kind", "acceptance", "--amount", "1e5"], "--amount must be a decimal number"),
        (["fee", "--kind", "acceptance", "--amount", "abc"], "--amount must be a decimal number"),
        (["fee", "--kind", "acceptance", "--amount", "-1"], "--amount must not be negative: -1"),
        (["fee", "--kind", "preservation", "--amount", "100", "--halved"], "cannot be halved"),
        (["deadline", "--rule", "appeal_judgment", "--start", "2025-02-30"], "--start must be a real date"),
        (["deadline", "--rule", "nonsense", "--start", "2025-02-03"], "Unknown period rule: nonsense"),
        (["interest", "--principal", "1", "--rate", "1", "--start", "2025-02-03", "--end", "2025-01-01"], "before"),
        (["lpr", "--on", "2019-01-01"], "before the first LPR publication"),
        (["caseno", "hello"], "Not a recognisable case number"),
        (["words", "1.5e3"], "must be a decimal number"),
        (["calendar", "--year", "27"], "four digits"),
        (["cap", "--formed", "2019-01-01", "--rate", "20"], "filing"),
    ],
)
def test_bad_input_is_a_clear_command_error(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("law", *args, "--json", "--lang", "en")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOANLIT_TESTING": "true", "LOANLIT_LANGUAGE_CODE": "en"}
    return subprocess.run(
        [sys.executable, "manage.py", "law", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_command_line_prints_json_and_exits_zero():
    done = _run("fee", "--kind", "acceptance", "--amount", "1234567.89", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["fee"] == "15911.11"


def test_the_command_line_reports_errors_on_stderr_with_exit_1_and_no_traceback():
    done = _run("fee", "--kind", "acceptance", "--amount", "1e5", "--json")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "--amount must be a decimal number written in digits" in done.stderr
    assert "Traceback" not in done.stderr
    words = _run("words", "-5", "--json")
    assert (words.returncode, "Traceback" in words.stderr) == (1, False)
    assert "must not be negative" in words.stderr
