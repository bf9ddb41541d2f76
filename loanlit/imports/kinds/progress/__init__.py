"""Case progress import: the panel law firms' weekly sheets (proceedings, hearings, judgments, service,
costs, recoveries) applied to cases on file.

A row names its case by 案号 (of any proceeding, normalised with ``law.caseno``) or by the internal
number, and may carry several events. Each is applied through the case services, in this order:
open the proceeding if its 案号 is new for the case (with the bank's unit and the loans' borrowers and
guarantors as participants, where the kind of proceeding tells their roles), else complete its court,
filing and acceptance dates and judge; schedule the hearing; record the judgment; record service of
the summons and of the judgment on every participant; record the proceeding's result (终本 …); record
the cost; record the recovery. Deadlines and reminders follow from the services' events.

Nothing is applied twice: a hearing on file at the same time, a judgment on file (a different one is
the row error "judgment already recorded"), service of the same document on the same day, a cost with
the same (kind, amount, paid on) and a recovery with the same (amount, received on, source) count as
on file. A row that adds something is UPDATE (its ``diff`` lists what), one that adds nothing
UNCHANGED. Cases outside the actor's scope (an external lawyer: cases placed with their firm) are
"case not found", exactly like missing ones. All rows of a case commit in the same chunk, each row
inside its own savepoint: a row refused at write time leaves nothing behind.

Planning works on an in-memory picture of each case (``CaseState``) that every planned step updates,
so several rows for one case in a sheet are classified as they will be committed; the commit plans
again from the database inside its transaction, which makes a resumed commit idempotent.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from loanlit.imports.kinds import register_kind, register_preset
from loanlit.imports.kinds.base import Preset
from loanlit.imports.kinds.progress.fields import field_specs, template_header
from loanlit.imports.kinds.progress.kind import ProgressKind

__all__ = ["ProgressKind", "register", "template_header"]


def _preset() -> Preset:
    return Preset(
        code="loanlit-progress",
        label=_("Loanlit standard template: case progress"),
        kind="progress",
        columns={spec.key: (template_header(spec.key),) for spec in field_specs()},
        description=_("The downloadable Loanlit template for the panel firms' weekly progress sheets."),
    )


def register() -> None:
    register_kind(ProgressKind())
    register_preset(_preset())
