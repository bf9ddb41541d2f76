"""Court case numbers (案号) under the SPC Provisions on Case Numbers (法〔2015〕137号, in force
2016-01-01, arts. 2–5, 10) and the 2018 amendment (法〔2018〕335号) that added the one-character
specialised-trial code.

Structure: （year）court [special] type sequence 号. Numbers from before 2016 (（2015）朝民初字第01234号)
follow no common standard and are parsed by a separate, loose rule (``legacy=True``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError

CourtLevel = Literal["supreme", "high", "intermediate", "basic", "unknown"]

# Province-level court codes and their GB/T 2260 two-digit division codes (Case Number Provisions
# art. 4 para 3): Inner Mongolia is 内; 兵 (XPCC courts) and 军 (military courts) have no division code.
PROVINCE_CODES: Final[dict[str, str | None]] = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "内": "15",
    "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37",
    "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46",
    "渝": "50", "川": "51", "黔": "52", "云": "53", "藏": "54",
    "陕": "61", "甘": "62", "青": "63", "宁": "64", "新": "65",
    "兵": None, "军": None,
}  # fmt: skip

# Two-digit codes reserved for specialised intermediate courts (法〔2018〕335号).
SPECIAL_INTERMEDIATE: Final[tuple[tuple[range, str], ...]] = (
    (range(71, 72), "railway"),
    (range(72, 73), "maritime"),
    (range(73, 74), "intellectual_property"),
    (range(74, 75), "oilfield"),
    (range(75, 81), "forestry"),
    (range(81, 86), "land_reclamation"),
    (range(87, 96), "cross_regional"),
    (range(96, 100), "partial_county"),
)

SPECIAL_CODES: Final[dict[str, tuple[str, str]]] = {
    "知": ("知识产权专门审判代字（2018年修改增设）", "IP specialised-trial code (added by the 2018 amendment)"),
}

# type code → (key, zh meaning, en meaning). Only codes used in loan work; anything else is refused.
CASE_TYPES: Final[dict[str, tuple[str, str, str]]] = {
    "民初": ("civil_first", "民事一审", "civil first instance"),
    "民终": ("civil_second", "民事二审", "civil second instance"),
    "民再": ("civil_retrial", "民事再审", "civil retrial"),
    "民申": ("civil_retrial_review", "民事申请再审审查", "review of a civil retrial application"),
    "民监": ("civil_supervision", "民事审判监督", "civil trial supervision"),
    "民抗": ("civil_protest", "民事抗诉", "civil procuratorial protest"),
    "民辖": ("civil_jurisdiction", "民事管辖", "civil jurisdiction"),
    "民辖终": ("civil_jurisdiction_appeal", "民事管辖上诉", "civil jurisdiction appeal"),
    "民特": (
        "civil_special",
        "民事特别程序（如确认调解协议、实现担保物权）",
        "special procedure (e.g. confirmation of mediation agreement, realisation of security interest)",
    ),
    "民督": ("payment_order", "督促程序（支付令）", "payment order"),
    "民催": ("public_summons", "公示催告", "public summons"),
    "民诉前调": ("pre_filing_mediation", "诉前调解", "pre-filing mediation"),
    "诉前调": ("pre_filing_mediation_short", "诉前调解", "pre-filing mediation"),
    "财保": ("property_preservation", "非诉财产保全审查", "property preservation review"),
    "行保": ("conduct_preservation", "非诉行为保全审查", "conduct preservation review"),
    "证保": ("evidence_preservation", "非诉证据保全审查", "evidence preservation review"),
    "执": ("enforcement", "首次执行", "first enforcement"),
    "执恢": ("enforcement_resumed", "恢复执行", "resumed enforcement"),
    "执保": ("enforcement_preservation", "财产保全执行", "enforcement of a preservation ruling"),
    "执异": ("enforcement_objection", "执行异议", "enforcement objection"),
    "执复": ("enforcement_review", "执行复议", "enforcement review"),
    "执监": ("enforcement_supervision", "执行监督", "enforcement supervision"),
    "执协": ("enforcement_coordination", "执行协调", "enforcement coordination"),
    "执他": ("enforcement_other", "其他执行", "other enforcement matter"),
    "破申": ("bankruptcy_application", "破产申请审查", "bankruptcy application review"),
    "破": ("bankruptcy", "破产", "bankruptcy"),
    "破终": ("bankruptcy_appeal", "破产上诉", "bankruptcy appeal"),
    "强清": ("compulsory_liquidation", "强制清算", "compulsory liquidation"),
}

_PROVINCES = "".join(PROVINCE_CODES)
MODERN_PATTERN: Final = re.compile(
    r"（(?P<year>(?:19|20)\d{2})）"
    rf"(?P<court>最高法|[{_PROVINCES}](?:\d{{4}}|\d{{2}})?)"
    rf"(?P<special>[{''.join(SPECIAL_CODES)}])?"
    r"(?P<type>[\u4e00-\u9fa5]{1,4}?)"
    r"(?P<seq>\d+)号"
)
# Pre-2016 numbers: a court abbreviation, the type, then 字第 and a sequence that may be zero-padded.
LEGACY_PATTERN: Final = re.compile(
    r"（(?P<year>(?:19|20)\d{2})）(?P<body>[\u4e00-\u9fa5\d]{1,12}?)字第(?P<seq>\d{1,8})号"
)

_TRANSLATE: Final = str.maketrans(
    {"(": "（", ")": "）", "〔": "（", "〕": "）", "[": "（", "]": "）", "［": "（", "］": "）"}
    | {chr(0xFF10 + i): str(i) for i in range(10)}
)


@dataclass(frozen=True)
class CaseNumber:
    raw: str
    normalized: str
    year: int
    court: str
    court_level: CourtLevel
    region_code: str | None  # GB/T 2260 prefix the court digits follow, e.g. "110105"; None if none
    court_kind: str | None  # specialised intermediate court kind (e.g. "maritime"), else None
    special: str | None
    special_meaning: str | None
    type: str
    type_key: str
    type_meaning: str  # English, stable; the zh text is ``type_label``
    seq: int
    legacy: bool = False

    @property
    def type_label(self) -> Msg:
        return Msg(f"caseno.type.{self.type_key}")


def normalize_case_number(raw: str) -> str:
    """Full-width brackets and digits, no whitespace (rules.md §5.1)."""
    return "".join(raw.translate(_TRANSLATE).split())


def _court_level(court: str) -> tuple[CourtLevel, str | None, str | None]:
    if court == "最高法":
        return "supreme", None, None
    province, digits = court[0], court[1:]
    prefix = PROVINCE_CODES[province]
    if not digits:
        return "high", prefix, None
    if len(digits) == 2:
        number = int(digits)
        for numbers, kind in SPECIAL_INTERMEDIATE:
            if number in numbers:
                return "intermediate", None, kind
        return "intermediate", (prefix + digits) if prefix else None, None
    return "basic", (prefix + digits) if prefix else None, None


def parse_case_number(raw: str) -> CaseNumber:
    """Decode a case number (Case Number Provisions arts. 2–5, 10; 法〔2018〕335号).

    Raises ``LawInputError`` with a specific code for anything that is not a case number, an unknown
    type code, or a zero-padded sequence (the sequence is a natural number, art. 10).
    """
    if not isinstance(raw, str) or not raw.strip():
        raise LawInputError("caseno.empty")
    normalized = normalize_case_number(raw)
    match = MODERN_PATTERN.fullmatch(normalized)
    if match is None:
        legacy = LEGACY_PATTERN.fullmatch(normalized)
        if legacy is not None:
            return _parse_legacy(raw, normalized, legacy)
        raise LawInputError("caseno.unrecognised", value=raw)
    seq_text = match["seq"]
    if seq_text.startswith("0"):
        raise LawInputError("caseno.leading_zero", value=raw)
    type_code = match["type"]
    if type_code not in CASE_TYPES:
        raise LawInputError("caseno.unknown_type", value=raw, type=type_code)
    court = match["court"]
    level, region, kind = _court_level(court)
    special = match["special"]
    key, _zh, en = CASE_TYPES[type_code]
    return CaseNumber(
        raw=raw,
        normalized=normalized,
        year=int(match["year"]),
        court=court,
        court_level=level,
        region_code=region,
        court_kind=kind,
        special=special,
        special_meaning=SPECIAL_CODES[special][1] if special else None,
        type=type_code,
        type_key=key,
        type_meaning=en,
        seq=int(seq_text),
    )


def _parse_legacy(raw: str, normalized: str, match: re.Match[str]) -> CaseNumber:
    # The longest whitelisted type code at the end of the body; what precedes it is the court's
    # local abbreviation (e.g. 朝 for Chaoyang), whose level cannot be told from the number.
    body = match["body"]
    for size in (4, 3, 2, 1):
        type_code = body[-size:]
        if len(body) > size and type_code in CASE_TYPES:
            break
    else:
        raise LawInputError("caseno.unknown_type", value=raw, type=body)
    key, _zh, en = CASE_TYPES[type_code]
    return CaseNumber(
        raw=raw,
        normalized=normalized,
        year=int(match["year"]),
        court=body[: -len(type_code)],
        court_level="unknown",
        region_code=None,
        court_kind=None,
        special=None,
        special_meaning=None,
        type=type_code,
        type_key=key,
        type_meaning=en,
        seq=int(match["seq"]),
        legacy=True,
    )


register({f"caseno.type.{key}": (zh, en) for key, zh, en in CASE_TYPES.values()})
register(
    {
        "caseno.empty": ("案号为空", "The case number is empty"),
        "caseno.unrecognised": (
            "无法识别的案号：{value}（应为“（年份）法院代字+类型代字+序号+号”，如（2024）京0105民初1234号）",
            "Not a recognisable case number: {value} (expected （year）court code, type code, number 号, "
            "e.g. （2024）京0105民初1234号)",
        ),
        "caseno.leading_zero": (
            "案号序号不得以 0 开头：{value}（《关于人民法院案件案号的若干规定》第10条）",
            "The sequence of a case number has no leading zero: {value} (Case Number Provisions art. 10)",
        ),
        "caseno.unknown_type": (
            "案号 {value} 中的类型代字“{type}”不在支持范围内",
            "Case type code “{type}” in {value} is not a supported type",
        ),
    }
)
