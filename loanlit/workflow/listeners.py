"""How the workflow app hears about cases (connected in apps.ready).

Each area registers its own hooks on the cases layer (``loanlit.cases.gates`` stage gates,
``loanlit.cases.events`` event listeners) from one ``connect()`` in its own module; this file only
calls them, so areas never edit each other's code.
"""

from __future__ import annotations


def connect() -> None:
    from loanlit.workflow import panels_tasks
    from loanlit.workflow.services import automation, decisions, settlements

    panels_tasks.connect()  # the case's open tasks on the case page
    automation.connect()  # template stage gate + stage-entry tasks/documents
    decisions.connect()  # maker-checker gate on moves and actions that need approval
    settlements.connect()  # recoveries matched to settlement instalments
