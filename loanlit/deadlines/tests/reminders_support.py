"""Test data for the reminder tests: a case with a named, identified borrower and deadlines on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from loanlit.accounts.models import User
from loanlit.cases.tests.views_support import CaseWorld, build_case_world
from loanlit.deadlines.models import Deadline
from loanlit.parties.tests.support import make_ric

BORROWER_NAME = "张三丰"
CLAIM_AMOUNT_MARKERS = ("12000", "12,000", "345.67", "12345.67")


@dataclass
class ReminderWorld:
    personas: Any
    cw: CaseWorld

    @property
    def case(self):  # type: ignore[no-untyped-def]
        return self.cw.case

    @property
    def borrower_id_number(self) -> str:
        return make_ric(1)  # build_case_world's borrower (seq 1)

    def forbidden_strings(self) -> list[str]:
        """What must never leave the perimeter: the borrower's name, ID number (full and tail), amounts."""
        ric = self.borrower_id_number
        return [BORROWER_NAME, ric, ric[-6:], self.cw.borrower.id_number.masked, *CLAIM_AMOUNT_MARKERS]

    def deadline(
        self,
        *,
        due_on: dt.date,
        kind: str = Deadline.Kind.APPEAL,
        reminder_date: dt.date | None = None,
        confirmed: bool = True,
        status: str = Deadline.Status.OPEN,
        responsible: User | str | None = "handler",
        source_key: str = "",
    ) -> Deadline:
        if responsible == "handler":
            responsible = self.personas.case_handler
        return Deadline.objects.create(
            case=self.case,
            kind=kind,
            due_on=due_on,
            reminder_date=reminder_date if reminder_date is not None else due_on,
            confirmed=confirmed,
            status=status,
            responsible=responsible,
            unit_path=self.case.unit_path,
            creditor=self.case.creditor,
            source_key=source_key,
        )


def build_reminder_world(personas: Any) -> ReminderWorld:
    User.objects.filter(pk=personas.case_handler.pk).update(email="handler@bank.example")
    User.objects.filter(pk=personas.legal_manager.pk).update(email="manager@bank.example")
    personas.case_handler.refresh_from_db()
    personas.legal_manager.refresh_from_db()
    world = ReminderWorld(personas=personas, cw=build_case_world(personas, name=BORROWER_NAME))
    # Deadlines the case's own events produced would blur the counts these tests assert.
    Deadline.objects.all().delete()
    return world
