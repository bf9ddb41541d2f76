"""The case progress import's fields and choices, the roles and order of proceedings, and its row messages."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Final

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from loanlit.cases.models import (
    CostEntry,
    Judgment,
    JudgmentItem,
    Proceeding,
    Recovery,
    ServiceRecord,
)
from loanlit.cases.services.proceedings import CASE_TYPES_BY_KIND
from loanlit.imports.kinds.base import (
    FieldSpec,
    FieldType,
)

DATA_FILE: Final = Path(__file__).parent.parent / "data" / "progress.json"
LOOKUP_CHUNK: Final = 500

# "终本" names an enforcement proceeding whose result is 终结本次执行.
TERMINATED: Final = Proceeding.Result.TERMINATED_FOR_NOW.value
ENFORCEMENT_KINDS: Final = frozenset({"enforcement", "resumed_enforcement", "notarised_enforcement"})
# Results after which the proceeding is over (no longer the active one).
CLOSING_RESULTS: Final = frozenset({"withdrawn", "dismissed", "terminated_for_now", "concluded", "paid"})
JUDGMENT_AMOUNTS: Final = (
    ("judgment_principal", JudgmentItem.Kind.PRINCIPAL.value),
    ("judgment_interest", JudgmentItem.Kind.INTEREST.value),
    ("judgment_penalty", JudgmentItem.Kind.PENALTY.value),
    ("judgment_compound", JudgmentItem.Kind.COMPOUND.value),
    ("judgment_lawyer_fee", JudgmentItem.Kind.LAWYER_FEE.value),
    ("judgment_court_fee", JudgmentItem.Kind.COURT_FEE_BORNE.value),
)
DECISION_DOCUMENT: Final = {
    Judgment.Kind.JUDGMENT.value: ServiceRecord.Document.JUDGMENT.value,
    Judgment.Kind.RULING.value: ServiceRecord.Document.RULING.value,
    Judgment.Kind.MEDIATION.value: ServiceRecord.Document.MEDIATION_STATEMENT.value,
}
# Who takes part, by kind of proceeding: (the bank's unit, borrowers, guarantors). Kinds not listed
# (appeal, objection) depend on who appealed or objected: their participants are added by hand.
ROLES_BY_KIND: Final[dict[str, tuple[str, str, str]]] = {
    "pre_filing_mediation": ("plaintiff", "defendant", "guarantor_defendant"),
    "first_instance": ("plaintiff", "defendant", "guarantor_defendant"),
    "retrial": ("plaintiff", "defendant", "guarantor_defendant"),
    "payment_order": ("applicant", "respondent", "respondent"),
    "preservation": ("applicant", "respondent", "respondent"),
    "arbitration": ("applicant", "respondent", "respondent"),
    "bankruptcy_claim": ("applicant", "respondent", "respondent"),
    "enforcement": ("enforcement_applicant", "person_subject_to_enforcement", "person_subject_to_enforcement"),
    "resumed_enforcement": (
        "enforcement_applicant",
        "person_subject_to_enforcement",
        "person_subject_to_enforcement",
    ),
    "notarised_enforcement": (
        "enforcement_applicant",
        "person_subject_to_enforcement",
        "person_subject_to_enforcement",
    ),
}
# Which earlier proceeding a new one follows (and ends): the latest of these kinds.
FOLLOWS: Final[dict[str, frozenset[str]]] = {
    "first_instance": frozenset({"pre_filing_mediation"}),
    "second_instance": frozenset({"first_instance"}),
    "retrial": frozenset({"first_instance", "second_instance"}),
    "enforcement": frozenset({"first_instance", "second_instance", "retrial", "payment_order", "arbitration"}),
    "notarised_enforcement": frozenset(),
    "resumed_enforcement": frozenset(ENFORCEMENT_KINDS),
}
KIND_BY_CASE_TYPE: Final = {
    type_key: kind
    for kind, types in CASE_TYPES_BY_KIND.items()
    if kind != "notarised_enforcement"
    for type_key in types
}

MSG_NO_REFERENCE: Final = gettext_noop("Give the court case number or the internal case number.")
MSG_CASE_NOT_FOUND: Final = gettext_noop("Case not found: %(ref)s.")
MSG_AMBIGUOUS: Final = gettext_noop(
    "The court case number %(number)s is on several cases; give the internal case number too."
)
MSG_OTHER_CASE: Final = gettext_noop("The court case number %(number)s belongs to another case (%(case)s).")
MSG_BAD_NUMBER: Final = gettext_noop("%(field)s: “%(value)s” is not a court case number.")
MSG_KIND_MISMATCH: Final = gettext_noop("%(field)s: the proceeding %(number)s on file is of another kind (%(kind)s).")
MSG_KIND_NEEDED: Final = gettext_noop(
    "%(field)s: say which proceeding this is (first instance, appeal, enforcement …)."
)
MSG_PROCEEDING_NEEDED: Final = gettext_noop(
    "The case has no proceeding yet: give the court case number or the kind of proceeding, and the court."
)
MSG_COURT_NOT_FOUND: Final = gettext_noop("%(field)s: no court “%(value)s” (give its name or code).")
MSG_NUMBER_KIND: Final = gettext_noop(
    "%(field)s: %(number)s is not a case number for this kind of proceeding (%(kind)s)."
)
MSG_NUMBER_COURT: Final = gettext_noop("%(field)s: the case number %(number)s belongs to another court than %(court)s.")
MSG_COURT_NEEDED: Final = gettext_noop("%(field)s: give the court to open the proceeding %(number)s.")
MSG_OTHER_COURT: Final = gettext_noop("%(field)s: the proceeding is before another court on file (%(court)s).")
MSG_ACCEPTED_BEFORE_FILED: Final = gettext_noop("A case cannot be accepted before it was filed.")
MSG_HEARING_TIME: Final = gettext_noop("%(field)s: give the hearing's time as well as its date.")
MSG_JUDGMENT_DATE: Final = gettext_noop("%(field)s: the judgment's amounts need the judgment date.")
MSG_JUDGMENT_AMOUNTS: Final = gettext_noop("%(field)s: give at least one amount of the judgment.")
MSG_JUDGMENT_EXISTS: Final = gettext_noop(
    "A judgment is already recorded for this proceeding (%(on_file)s) and differs from the row (%(in_file)s)."
)
MSG_NO_PARTICIPANTS: Final = gettext_noop(
    "%(field)s: the proceeding has no participants to record service on; add them on the case page first."
)
MSG_RESULT_DATE: Final = gettext_noop("%(field)s: give the date of the result.")
MSG_RESULT_CONFLICT: Final = gettext_noop(
    "%(field)s: the row says enforcement terminated for now but gives another result (%(result)s)."
)
MSG_RESULT_EXISTS: Final = gettext_noop(
    "%(field)s: another result is recorded for this proceeding (%(on_file)s); the row says %(in_file)s."
)
MSG_RESULT_FOR_KIND: Final = gettext_noop(
    "%(field)s: enforcement terminated for now is a result of an enforcement proceeding."
)
MSG_COST_INCOMPLETE: Final = gettext_noop("%(field)s is needed to record the cost.")
MSG_RECOVERY_INCOMPLETE: Final = gettext_noop("%(field)s is needed to record the recovery.")
MSG_NEGATIVE: Final = gettext_noop("%(field)s cannot be negative.")
MSG_NOT_POSITIVE: Final = gettext_noop("%(field)s must be greater than zero.")
MSG_WRITE: Final = gettext_noop("The row could not be applied: %(reason)s")


@functools.cache
def _data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _synonyms(key: str) -> tuple[str, ...]:
    entry = _data()["fields"][key]
    return (entry["header"], *entry["synonyms"])


def _choice_synonyms(key: str) -> dict[str, str]:
    return {cells_text(k): v for k, v in _data()["choices"][key].items()}


def cells_text(text: str) -> str:
    """How a choice synonym is compared: NFKC, trimmed, case-folded (as the cell rules compare choices)."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).strip().casefold()


def template_header(key: str) -> str:
    return str(_data()["fields"][key]["header"])


def _spec(
    key: str, label: Any, type: FieldType, *, group: str, help: Any = "", example: str = "", **kw: Any
) -> FieldSpec:
    example = example or str(_data()["fields"][key].get("example", ""))
    return FieldSpec(
        key=key, label=label, type=type, synonyms=_synonyms(key), group=group, help=help, example=example, **kw
    )


def _amount(key: str, label: Any, *, group: str, example: str = "") -> FieldSpec:
    return _spec(key, label, FieldType.AMOUNT, group=group, places=2, example=example, help=_("Amount to the cent."))


def _choices(values: Any) -> tuple[tuple[str, Any], ...]:
    return tuple((value, label) for value, label in values.choices if value)


def field_specs() -> tuple[FieldSpec, ...]:
    kind_choices = (*_choices(Proceeding.Kind), (TERMINATED, _("Enforcement terminated for now")))
    return (
        _spec(
            "case_number",
            _("Court case number"),
            FieldType.TEXT,
            group="case",
            key_column=True,
            max_length=64,
            help=_("The court case number of the proceeding; a new one opens a proceeding on the case."),
        ),
        _spec(
            "internal_no",
            _("Internal case number"),
            FieldType.TEXT,
            group="case",
            key_column=True,
            max_length=64,
            help=_("The case's number in Loanlit; needed when the court case number is not on file yet."),
            example="BJ-2025-000001",
        ),
        _spec(
            "proceeding_kind",
            _("Proceeding"),
            FieldType.CHOICE,
            group="proceeding",
            choices=kind_choices,
            choice_synonyms=_choice_synonyms("proceeding_kind"),
            help=_(
                "First instance, appeal, enforcement, enforcement terminated for now, resumed enforcement …; "
                "blank: told by the court case number."
            ),
        ),
        _spec(
            "court",
            _("Court"),
            FieldType.TEXT,
            group="proceeding",
            max_length=200,
            help=_("Name or code of the court."),
        ),
        _spec(
            "filed_on",
            pgettext_lazy("case progress import", "Filed on"),
            FieldType.DATE,
            group="proceeding",
            example="2025-08-01",
        ),
        _spec(
            "accepted_on",
            pgettext_lazy("case progress import", "Accepted on"),
            FieldType.DATE,
            group="proceeding",
            example="2025-08-08",
        ),
        _spec("judge", _("Judge"), FieldType.TEXT, group="proceeding", max_length=100),
        _spec(
            "hearing_at",
            _("Hearing date and time"),
            FieldType.DATETIME,
            group="hearing",
            help=_("Beijing time, e.g. 2025-09-02 09:30."),
            example="2025-09-02 09:30",
        ),
        _spec("hearing_room", _("Courtroom"), FieldType.TEXT, group="hearing", max_length=100),
        _spec("judged_on", _("Judgment date"), FieldType.DATE, group="judgment", example="2025-09-10"),
        _spec(
            "judgment_kind",
            _("Kind of decision"),
            FieldType.CHOICE,
            group="judgment",
            choices=_choices(Judgment.Kind),
            choice_synonyms=_choice_synonyms("judgment_kind"),
            help=_("Judgment, ruling or mediation statement; blank is a judgment."),
        ),
        _amount("judgment_principal", _("Judgment: principal"), group="judgment", example="100000.00"),
        _amount("judgment_interest", _("Judgment: interest"), group="judgment", example="2345.67"),
        _amount("judgment_penalty", _("Judgment: penalty interest"), group="judgment"),
        _amount("judgment_compound", _("Judgment: compound interest"), group="judgment"),
        _amount("judgment_lawyer_fee", _("Judgment: lawyer's fee"), group="judgment"),
        _amount("judgment_court_fee", _("Judgment: court fee borne by the defendant"), group="judgment"),
        _spec("summons_served_on", _("Summons served on"), FieldType.DATE, group="service"),
        _spec(
            "judgment_served_on",
            _("Judgment served on"),
            FieldType.DATE,
            group="service",
            help=_("Recorded for every participant of the proceeding; the appeal period runs from it."),
            example="2025-09-25",
        ),
        _spec(
            "service_method",
            _("Method of service"),
            FieldType.CHOICE,
            group="service",
            choices=_choices(ServiceRecord.Method),
            choice_synonyms=_choice_synonyms("service_method"),
            help=_("Blank is service in person."),
        ),
        _spec(
            "result",
            _("Result of the proceeding"),
            FieldType.CHOICE,
            group="result",
            choices=_choices(Proceeding.Result),
            choice_synonyms=_choice_synonyms("result"),
        ),
        _spec("result_on", _("Result date"), FieldType.DATE, group="result"),
        _spec(
            "cost_kind",
            _("Kind of cost"),
            FieldType.CHOICE,
            group="cost",
            choices=_choices(CostEntry.Kind),
            choice_synonyms=_choice_synonyms("cost_kind"),
        ),
        _amount("cost_amount", _("Cost amount"), group="cost", example="1234.00"),
        _spec("cost_paid_on", _("Cost paid on"), FieldType.DATE, group="cost", example="2025-08-01"),
        _spec(
            "cost_payer",
            _("Cost paid by"),
            FieldType.CHOICE,
            group="cost",
            choices=_choices(CostEntry.Payer),
            choice_synonyms=_choice_synonyms("cost_payer"),
            help=_("Blank: the law firm when a panel lawyer imports, else the creditor."),
        ),
        _amount("recovery_amount", _("Recovery amount"), group="recovery"),
        _spec("recovery_received_on", _("Recovery received on"), FieldType.DATE, group="recovery"),
        _spec(
            "recovery_source",
            _("Source of the recovery"),
            FieldType.CHOICE,
            group="recovery",
            choices=_choices(Recovery.Source),
            choice_synonyms=_choice_synonyms("recovery_source"),
        ),
        _spec(
            "note",
            _("Note"),
            FieldType.TEXT,
            group="note",
            max_length=300,
            personal=True,
            help=_("Kept on the hearing, service and cost the row records."),
        ),
    )
