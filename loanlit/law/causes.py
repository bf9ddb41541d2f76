"""Causes of action (案由) used in loan cases, stored by name with both numberings.

Sources: SPC Provisions on Causes of Action in Civil Cases (民事案件案由规定, 2020 rev., in force
2021-01-01) and the 2025-12 revision (法〔2025〕226号/227号). The numbers are from two third-party
transcriptions and were not checked against the official text (rules.md §5.2, [unverified]); the
revision renumbered causes, so a case stores the cause's name and the version label, never the number
alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError

CauseVersion = Literal["2020", "2025-12"]


@dataclass(frozen=True)
class CauseOfAction:
    key: str
    name: str  # the official Chinese name, as written in complaints
    name_en: str
    level: int
    code_2020_rules: str
    code_2025_12_revision: str
    parent: str | None = None  # name of the level-3 cause for a level-4 one

    def code(self, version: CauseVersion) -> str:
        return self.code_2020_rules if version == "2020" else self.code_2025_12_revision

    @property
    def label(self) -> Msg:
        return Msg(f"cause.{self.key}")


_LOAN = "借款合同纠纷"
_CARD = "银行卡纠纷"

CAUSES: Final[tuple[CauseOfAction, ...]] = (
    CauseOfAction("loan_contract", _LOAN, "loan contract dispute", 3, "103", "108"),
    CauseOfAction(
        "financial_loan", "金融借款合同纠纷", "financial loan contract dispute", 4, "103(1)", "108(1)", _LOAN
    ),
    CauseOfAction("interbank_loan", "同业拆借纠纷", "interbank lending dispute", 4, "103(2)", "108(2)", _LOAN),
    CauseOfAction("private_lending", "民间借贷纠纷", "private lending dispute", 4, "103(3)", "108(3)", _LOAN),
    CauseOfAction("small_loan", "小额借款合同纠纷", "small loan contract dispute", 4, "103(4)", "108(4)", _LOAN),
    CauseOfAction(
        "npl_recovery",
        "金融不良债权追偿纠纷",
        "recovery of non-performing financial debt",
        4,
        "103(6)",
        "108(6)",
        _LOAN,
    ),
    CauseOfAction("guarantee_contract", "保证合同纠纷", "guarantee contract dispute", 3, "104", "109"),
    CauseOfAction("mortgage_contract", "抵押合同纠纷", "mortgage contract dispute", 3, "105", "110"),
    CauseOfAction("bank_card", _CARD, "bank card dispute", 3, "110", "115"),
    CauseOfAction("credit_card", "信用卡纠纷", "credit card dispute", 4, "110(2)", "115(2)", _CARD),
    CauseOfAction("financial_leasing", "融资租赁合同纠纷", "financial leasing contract dispute", 3, "112", "117"),
    CauseOfAction("recourse", "追偿权纠纷", "right of recourse dispute", 3, "143", "147"),
)

CAUSES_BY_NAME: Final[dict[str, CauseOfAction]] = {cause.name: cause for cause in CAUSES}
CAUSES_BY_KEY: Final[dict[str, CauseOfAction]] = {cause.key: cause for cause in CAUSES}


def cause_by_name(name: str) -> CauseOfAction:
    """Look a cause up by its official name (民事案件案由规定, 2020 rev. / 2025-12 revision)."""
    cause = CAUSES_BY_NAME.get("".join(name.split()))
    if cause is None:
        raise LawInputError("cause.unknown", name=name)
    return cause


register({f"cause.{c.key}": (c.name, c.name_en) for c in CAUSES})
register({"cause.unknown": ("不支持的案由：{name}", "Unsupported cause of action: {name}")})
