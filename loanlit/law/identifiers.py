"""Identity and registration numbers, checked without python-stdnum (rules.md §7 explains why).

* Resident identity numbers (GB 11643-1999; check character ISO 7064 MOD 11-2), including the
  residence permits for Hong Kong, Macau and Taiwan residents (region codes 810000, 820000, 830000;
  居住证申领发放办法, State Council 2017) and the 2023 foreign permanent-residence identity card,
  which starts with 9 and uses the same check character (NIA announcement, 2023).
* Unified social credit codes (GB 32100-2015), with the embedded organisation-code check
  (GB 11714-1997) reported as a warning because some old codes fail it.
* Mainland mobile numbers (practice: ^1[3-9]\\d{9}$ after removing +86 and separators).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from operator import mul
from typing import Final, Literal

from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError

IdKind = Literal[
    "resident",
    "hk_residence_permit",
    "macau_residence_permit",
    "taiwan_residence_permit",
    "foreign_permanent_residence",
    "uscc",
    "mobile",
]


@dataclass(frozen=True)
class IdentifierResult:
    """``error`` is a message code (explain.py) when ``valid`` is False; ``warnings`` never block."""

    valid: bool
    normalized: str
    warnings: tuple[Msg, ...] = ()
    error: str | None = None
    error_params: dict[str, object] = field(default_factory=dict)
    kind: IdKind | None = None
    birth_date: date | None = None
    sex: Literal["male", "female"] | None = None
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> Msg | None:
        return Msg(self.error, dict(self.error_params)) if self.error else None


def _fail(code: str, normalized: str, **params: object) -> IdentifierResult:
    return IdentifierResult(valid=False, normalized=normalized, error=code, error_params=params)


# --- resident identity number (GB 11643-1999) -------------------------------------------------

RIC_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RIC_CHECK_MAP: Final = "10X98765432"
_PERMIT_KINDS: Final[dict[str, IdKind]] = {
    "810000": "hk_residence_permit",
    "820000": "macau_residence_permit",
    "830000": "taiwan_residence_permit",
}
# GB/T 2260 province codes (first two digits of a resident number's region code).
_PROVINCES: Final = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
    ]
)


def ric_check_digit(first17: str) -> str:
    """The check character for the first 17 digits (GB 11643-1999; ISO 7064 MOD 11-2).

    Unlike stdnum's ``calc_check_digit``, this takes exactly the 17 digits (rules.md §7, trap 1).
    """
    if len(first17) != 17 or not first17.isdigit():
        raise LawInputError("ric.bad_body", value=first17)
    total = sum(map(mul, map(int, first17), RIC_WEIGHTS))
    return RIC_CHECK_MAP[total % 11]


def upgrade_ric_15(legacy: str) -> str:
    """Convert a 15-digit number (2-digit year, no check) to 18 digits: insert 19 after the region
    code and append the check character (GB 11643-1999 §A; rules.md vector R07)."""
    value = "".join(legacy.split())
    if len(value) != 15 or not value.isdigit():
        raise LawInputError("ric.bad_legacy", value=legacy)
    body = value[:6] + "19" + value[6:]
    return body + ric_check_digit(body)


def _birth_date(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def validate_resident_id(value: str, *, today: date | None = None) -> IdentifierResult:
    """Check a resident ID, HK/Macau/Taiwan residence permit or 2023 foreign permanent-residence
    card number: format, a real birth date (not after ``today`` when given) and the check character
    (GB 11643-1999). A 15-digit number is upgraded to 18 digits with a warning. Region codes are not
    checked against a dated table: they record registration at issue, not birth (rules.md §7)."""
    raw = "".join(str(value).split()).upper()
    warnings: list[Msg] = []
    if len(raw) == 15 and raw.isdigit():
        raw = upgrade_ric_15(raw)
        warnings.append(Msg("ric.upgraded_from_15", {"normalized": raw}))
    if len(raw) != 18:
        return _fail("ric.bad_length", raw, length=len(raw))
    body, check = raw[:17], raw[17]
    if not body.isdigit() or check not in "0123456789X":
        return _fail("ric.bad_characters", raw)
    kind: IdKind
    if body[0] == "9":
        kind = "foreign_permanent_residence"
    elif body[:6] in _PERMIT_KINDS:
        kind = _PERMIT_KINDS[body[:6]]
    elif body[:2] in _PROVINCES:
        kind = "resident"
    else:
        return _fail("ric.bad_region", raw, region=body[:6])
    born = _birth_date(body[6:14])
    if born is None:
        return _fail("ric.bad_birth_date", raw, birth=body[6:14])
    if today is not None and born > today:
        return _fail("ric.birth_in_future", raw, birth=born.isoformat())
    expected = ric_check_digit(body)
    if check != expected:
        return _fail("ric.bad_check_digit", raw, expected=expected, given=check)
    parts = {"region": body[:6], "birth_date": body[6:14], "sequence": body[14:17], "check": check}
    if kind == "foreign_permanent_residence":
        parts = {
            "province": body[1:3],
            "nationality": body[3:6],
            **{k: parts[k] for k in ("birth_date", "sequence", "check")},
        }
    return IdentifierResult(
        valid=True,
        normalized=raw,
        warnings=tuple(warnings),
        kind=kind,
        birth_date=born,
        sex="male" if int(body[16]) % 2 else "female",
        parts=parts,
    )


# --- unified social credit code (GB 32100-2015) ---------------------------------------------------

USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_RE: Final = re.compile(rf"[{USCC_ALPHABET}]{{18}}")
REGISTRATION_AUTHORITIES: Final[dict[str, str]] = {
    "1": "staffing authority",
    "2": "foreign affairs",
    "3": "judicial administration",
    "4": "culture",
    "5": "civil affairs",
    "6": "tourism",
    "7": "religious affairs",
    "8": "trade unions",
    "9": "market regulation",
    "A": "central military commission",
    "N": "agriculture",
    "Y": "other",
}
ORG_TYPES_MARKET: Final[dict[str, str]] = {"1": "enterprise", "2": "individual business", "3": "farmers' cooperative"}


def uscc_check_character(first17: str) -> str:
    """GB 32100-2015 check character: weights 3^i mod 31, value (31 − sum mod 31) mod 31."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(first8: str) -> str:
    """GB 11714-1997 organisation-code check: weights 3,7,9,10,5,8,4,2; letters A=10…Z=35."""
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_uscc(value: str) -> IdentifierResult:
    """Check a unified social credit code (GB 32100-2015): length, alphabet (no I, O, S, V, Z) and
    the final check character; a wrong embedded organisation-code check (GB 11714) is a warning."""
    raw = "".join(str(value).split()).upper()
    if len(raw) != 18:
        return _fail("uscc.bad_length", raw, length=len(raw))
    if not _USCC_RE.fullmatch(raw):
        bad = next(c for c in raw if c not in USCC_ALPHABET)
        return _fail("uscc.bad_character", raw, character=bad)
    expected = uscc_check_character(raw[:17])
    if raw[17] != expected:
        return _fail("uscc.bad_check_character", raw, expected=expected, given=raw[17])
    warnings: list[Msg] = []
    org_code = raw[8:17]
    if all(c.isdigit() or c.isupper() for c in org_code[:8]):
        org_expected = org_code_check_character(org_code[:8])
        if org_code[8] != org_expected:
            warnings.append(Msg("uscc.org_code_check", {"expected": org_expected, "given": org_code[8]}))
    authority = raw[0]
    return IdentifierResult(
        valid=True,
        normalized=raw,
        warnings=tuple(warnings),
        kind="uscc",
        parts={
            "registration_authority": authority,
            "registration_authority_meaning": REGISTRATION_AUTHORITIES.get(authority, "unknown"),
            "org_type": raw[1],
            "org_type_meaning": ORG_TYPES_MARKET.get(raw[1], "other") if authority == "9" else "other",
            "region": raw[2:8],
            "org_code": org_code,
            "check": raw[17],
        },
    )


# --- mobile numbers (practice) ------------------------------------------------------------------------

_MOBILE_RE: Final = re.compile(r"1[3-9]\d{9}")
_SEPARATORS: Final = re.compile(r"[\s\-().（）]")


def validate_mobile(value: str) -> IdentifierResult:
    """A mainland mobile number after removing spaces, hyphens and a +86/0086/86 prefix; prefixes
    are not whitelisted because MIIT keeps allocating new segments (rules.md §7)."""
    raw = _SEPARATORS.sub("", str(value))
    for prefix in ("+86", "0086", "86"):
        if raw.startswith(prefix) and len(raw) == len(prefix) + 11:
            raw = raw[len(prefix) :]
            break
    if not raw.isdigit():
        return _fail("mobile.bad_characters", raw)
    if raw.startswith("0"):
        return _fail("mobile.landline", raw)
    if len(raw) != 11:
        return _fail("mobile.bad_length", raw, length=len(raw))
    if not _MOBILE_RE.fullmatch(raw):
        return _fail("mobile.bad_prefix", raw)
    return IdentifierResult(valid=True, normalized=raw, kind="mobile")


register(
    {
        "ric.bad_body": ("身份证号码前17位必须是数字：{value}", "The first 17 characters must be digits: {value}"),
        "ric.bad_legacy": ("15位身份证号码必须是15位数字：{value}", "A 15-digit ID number must be 15 digits: {value}"),
        "ric.upgraded_from_15": (
            "15位旧号码已升位为18位：{normalized}（GB 11643-1999）",
            "The old 15-digit number was upgraded to 18 digits: {normalized} (GB 11643-1999)",
        ),
        "ric.bad_length": ("身份证号码应为18位，实为 {length} 位", "An ID number has 18 characters, not {length}"),
        "ric.bad_characters": (
            "身份证号码只能由数字组成，末位可为 X",
            "An ID number is made of digits, with X allowed as the last character",
        ),
        "ric.bad_region": ("地址码 {region} 无效", "Region code {region} is not valid"),
        "ric.bad_birth_date": ("出生日期 {birth} 不是真实日期", "Birth date {birth} is not a real date"),
        "ric.birth_in_future": ("出生日期 {birth} 晚于今天", "Birth date {birth} is in the future"),
        "ric.bad_check_digit": (
            "校验码错误：应为 {expected}，实为 {given}（GB 11643-1999）",
            "Wrong check character: {expected} expected, {given} given (GB 11643-1999)",
        ),
        "uscc.bad_length": (
            "统一社会信用代码应为18位，实为 {length} 位",
            "A unified social credit code has 18 characters, not {length}",
        ),
        "uscc.bad_character": (
            "统一社会信用代码含有不允许的字符 {character}（不使用 I、O、S、V、Z，GB 32100-2015）",
            "Character {character} is not allowed in a unified social credit code (no I, O, S, V, Z; GB 32100-2015)",
        ),
        "uscc.bad_check_character": (
            "统一社会信用代码校验码错误：应为 {expected}，实为 {given}（GB 32100-2015）",
            "Wrong check character: {expected} expected, {given} given (GB 32100-2015)",
        ),
        "uscc.org_code_check": (
            "内嵌组织机构代码的校验码应为 {expected}，实为 {given}（GB 11714-1997）；请核对营业执照",
            "The embedded organisation code's check character should be {expected}, not {given} (GB 11714-1997); "
            "check the business licence",
        ),
        "mobile.bad_characters": ("手机号码只能包含数字", "A mobile number contains digits only"),
        "mobile.landline": (
            "这是固定电话号码，请填入固定电话栏",
            "This is a landline number; enter it in the landline field",
        ),
        "mobile.bad_length": ("手机号码应为11位，实为 {length} 位", "A mobile number has 11 digits, not {length}"),
        "mobile.bad_prefix": ("手机号码应以13–19开头", "A mobile number starts with 13 to 19"),
    }
)
