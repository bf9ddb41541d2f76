"""Refresh the statistics now: the incremental refresh the scheduler runs, or with --full a rebuild."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loanlit.reports.services import facts


class Command(BaseCommand):
    help = "Refresh the statistics of the cases changed since the last refresh, or rebuild them all (--full)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Rebuild every case's figures and every summary.")
        parser.add_argument("--batch", type=int, default=2000, help="Cases read per batch in a full rebuild.")

    def handle(self, *args: Any, full: bool = False, batch: int = 2000, **options: Any) -> None:
        if batch <= 0:
            raise CommandError(_("--batch must be a positive number."))
        if full:
            count = facts.facts_rebuild_all(batch_size=batch)
            message = ngettext("Statistics rebuilt: %(count)d case.", "Statistics rebuilt: %(count)d cases.", count)
        else:
            count = facts.facts_refresh_pending()
            message = ngettext(
                "Statistics refreshed: %(count)d case changed.", "Statistics refreshed: %(count)d cases changed.", count
            )
        self.stdout.write(message % {"count": count})
