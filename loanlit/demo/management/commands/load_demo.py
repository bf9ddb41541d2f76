from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loanlit.demo import workflow_demo
from loanlit.demo.portfolio import loader
from loanlit.reports.services.facts import facts_rebuild_all


class Command(BaseCommand):
    help = (
        "Build the demo loan portfolio and its cases from ../shared/real-inputs (or LOANLIT_SHARED_DIR), "
        "or from the built-in sample when those files are absent, then the workflow demo on it (templates, tasks, "
        "approvals, settlements, comments). Runs once: a second run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = loader.portfolio_load(log=self.stdout.write)
        except loader.DemoNotReady as exc:
            raise CommandError(str(exc)) from None
        for line in result.summary():
            self.stdout.write(line)
        self.stdout.write(f"Portfolio step took {time.perf_counter() - started:.1f}s.")
        # Issue 9 on the loaded portfolio: templates, tasks, approvals, settlements, comments (once).
        started = time.perf_counter()
        work = workflow_demo.workflow_demo_load(log=self.stdout.write)
        for line in work.summary():
            self.stdout.write(line)
        self.stdout.write(f"Workflow step took {time.perf_counter() - started:.1f}s.")
        # Issue 11: the statistics of the whole portfolio at once (the dashboard's "as of" is now).
        started = time.perf_counter()
        cases = facts_rebuild_all()
        self.stdout.write(f"Statistics of {cases} cases built in {time.perf_counter() - started:.1f}s.")
