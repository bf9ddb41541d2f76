"""Mapping suggestions and preset matching."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import translation
from django.utils.functional import lazy

from loanlit.imports import mapping
from loanlit.imports.headers import normalise_header
from loanlit.imports.kinds.base import FieldSpec, FieldType, ImportKind, Preset
from loanlit.imports.kinds.testing import DERIVED, LEGACY, UnitsKind

from . import pipeline_support as support

# The pipeline fixtures (a module, not a conftest: other import tests share this folder).
_pipeline_settings = support._pipeline_settings
test_kind = support.test_kind


def bilingual(zh: str, en: str) -> Any:
    """A label that is ``zh`` under zh-Hans and ``en`` otherwise, like a translated gettext_lazy."""
    return lazy(lambda: zh if (translation.get_language() or "").startswith("zh") else en, str)()


class ContractsKind(ImportKind):
    code: ClassVar[str] = "contracts-test"
    label: ClassVar[Any] = bilingual("合同", "Contracts")
    fields: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec(
            "contract_no",
            bilingual("合同编号", "Contract number"),
            FieldType.IDENTIFIER,
            required=True,
            synonyms=("合同号", "借据号"),
        ),
        FieldSpec(
            "borrower", bilingual("借款人姓名", "Borrower name"), FieldType.TEXT, required=True, synonyms=("客户名称",)
        ),
        FieldSpec("principal", bilingual("本金余额", "Principal balance"), FieldType.AMOUNT, synonyms=("本金",)),
    )


def norm(headers: list[str]) -> list[str]:
    return [normalise_header(h) for h in headers]


def test_chinese_labels_english_labels_and_synonyms_are_matched() -> None:
    kind = ContractsKind()
    headers = norm(["*合同编号", "Borrower  Name", "本金", "备注"])
    assert mapping.suggest(kind, headers) == {"contract_no": 0, "borrower": 1, "principal": 2}


def test_the_label_wins_over_a_synonym_and_each_header_is_used_once() -> None:
    kind = ContractsKind()
    # "借据号" is a synonym of the contract number, but the exact label "合同编号" is a stronger match.
    headers = norm(["借据号", "合同编号", "客户名称", "客户名称"])
    assert mapping.suggest(kind, headers) == {"contract_no": 1, "borrower": 2}


def test_a_presets_columns_come_first() -> None:
    kind = ContractsKind()
    preset = Preset(
        code="core-x", label="Core X", kind=kind.code, columns={"borrower": ("户名",), "contract_no": ("借据号",)}
    )
    headers = norm(["合同编号", "借据号", "户名", "客户名称"])
    assert mapping.suggest(kind, headers, preset) == {"contract_no": 1, "borrower": 2}
    assert mapping.suggest(kind, headers) == {"contract_no": 0, "borrower": 3}


def test_known_headers_hold_both_languages_synonyms_and_preset_headers(test_kind: UnitsKind) -> None:
    known = mapping.known_headers(test_kind)
    assert {"unit code", "unit no", "unit number", "legacy id", "legacy name", "ref", "title"} <= known
    assert "legacy id" in mapping.known_headers(test_kind, LEGACY)
    assert "legacy id" not in mapping.known_headers(test_kind, DERIVED)


def test_presets_are_matched_by_their_required_headers(test_kind: UnitsKind) -> None:
    assert mapping.matching_presets(test_kind, norm(["Legacy ID", "Legacy name"])) == [LEGACY]
    assert mapping.matching_presets(test_kind, norm(["REF", "Title", "Other"])) == [DERIVED]
    assert mapping.matching_presets(test_kind, norm(["Unit code"])) == []
