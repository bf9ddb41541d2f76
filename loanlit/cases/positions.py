"""The procedural position (一审, 二审, 执行, 终本, 恢复执行) derived from the proceedings (DESIGN rule 8).

Never stored: the case's latest active proceeding says where the case stands before the court. With
no active proceeding the latest proceeding of any state counts (a 终本 enforcement stays the position
until enforcement resumes), and a case without proceedings is "Not before a court".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from loanlit.cases.models import Case, Proceeding


@dataclass(frozen=True)
class ProceduralPosition:
    code: str
    label: str | Promise
    proceeding_id: int | None = None

    def __str__(self) -> str:
        return str(self.label)


NOT_IN_COURT: Final = "not_in_court"
TERMINATED_FOR_NOW: Final = "enforcement_terminated_for_now"

POSITION_LABELS: Final[dict[str, Promise]] = {
    NOT_IN_COURT: _("Not before a court"),
    "pre_filing_mediation": _("Pre-filing mediation"),
    "first_instance": _("First instance"),
    "second_instance": _("Second instance"),
    "retrial": _("Retrial"),
    "enforcement": _("Enforcement"),
    TERMINATED_FOR_NOW: _("Enforcement terminated for now"),
    "resumed_enforcement": _("Resumed enforcement"),
    "preservation": _("Preservation"),
    "payment_order": _("Payment order"),
    "arbitration": _("Arbitration"),
    "notarised_enforcement": _("Enforcement of a notarised debt instrument"),
    "bankruptcy_claim": _("Claim in bankruptcy"),
    "enforcement_objection": _("Enforcement objection"),
}

ENFORCEMENT_KINDS: Final = frozenset({"enforcement", "resumed_enforcement", "notarised_enforcement"})


def position_of(proceeding: Proceeding | None) -> ProceduralPosition:
    """The position one proceeding gives the case."""
    if proceeding is None:
        return ProceduralPosition(NOT_IN_COURT, POSITION_LABELS[NOT_IN_COURT])
    code = proceeding.kind
    if code in ENFORCEMENT_KINDS and proceeding.result == "terminated_for_now":
        code = TERMINATED_FOR_NOW
    return ProceduralPosition(code, POSITION_LABELS.get(code, proceeding.get_kind_display()), proceeding.pk)


def current_proceeding(case: Case) -> Proceeding | None:
    """Latest active proceeding, else the latest one. Uses prefetched ``proceedings`` when present."""
    cache = getattr(case, "_prefetched_objects_cache", {})
    if "proceedings" in cache:
        rows = sorted(cache["proceedings"], key=lambda p: p.pk)
    else:
        rows = list(case.proceedings.order_by("pk"))
    active = [p for p in rows if p.is_active]
    pool = active or rows
    return pool[-1] if pool else None


def procedural_position(case: Case) -> ProceduralPosition:
    return position_of(current_proceeding(case))
