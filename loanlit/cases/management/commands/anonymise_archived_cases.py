"""Anonymise archived cases past LOANLIT_CASE_ANONYMISE_AFTER_DAYS (issue 10), or show what would be done."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.cases.services import retention


class Command(BaseCommand):
    help = "Anonymise the personal data of archived cases past the retention period (not under a legal hold)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be anonymised; write nothing.")
        parser.add_argument("--batch", type=int, default=retention.DEFAULT_BATCH, help="Cases per transaction.")

    def handle(self, *args: Any, dry_run: bool = False, batch: int = retention.DEFAULT_BATCH, **options: Any) -> None:
        days = retention.anonymise_after_days()
        if days <= 0:
            raise CommandError(_("LOANLIT_CASE_ANONYMISE_AFTER_DAYS is 0: anonymisation of archived cases is off."))
        if batch <= 0:
            raise CommandError(_("--batch must be a positive number."))
        if dry_run:
            preview = retention.anonymisation_preview(limit=batch)
            self.stdout.write(
                _(
                    "Dry run: %(cases)d cases due (first batch of at most %(batch)d); %(anonymised)d parties "
                    "would be anonymised, %(kept)d kept."
                )
                % {
                    "cases": len(preview.cases),
                    "batch": batch,
                    "anonymised": preview.parties_anonymised,
                    "kept": preview.parties_kept,
                }
            )
            return
        cases = anonymised = kept = 0
        while True:
            result = retention.cases_anonymise_due(actor=None, limit=batch)
            if not result.cases:
                break
            cases += len(result.cases)
            anonymised += result.parties_anonymised
            kept += result.parties_kept
        self.stdout.write(
            _("%(cases)d cases anonymised; %(anonymised)d parties anonymised, %(kept)d kept.")
            % {"cases": cases, "anonymised": anonymised, "kept": kept}
        )
