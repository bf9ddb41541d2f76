"""``manage.py audit_archive --before YYYY-MM-DD [--prune] [--output DIR]`` (issue 10: audit retention).

Writes one archive of every audit entry, checkpoint, access-log row and seal older than the cut into
``LOANLIT_AUDIT_ARCHIVE_DIR`` (or ``--output``), reads it back and verifies it; with ``--prune`` then
deletes those rows from the live database. See docs/operations.md, "Audit retention and archives".
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.audit.archive import ArchiveError
from loanlit.audit.retention import RetentionError, archive_create, latest_allowed_cut


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--before must be a date such as 2025-06-30, not %(value)r.") % {"value": value}) from None


class Command(BaseCommand):
    help = "Archive (and with --prune, delete) audit and access-log rows older than a cut outside the retention."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--before", required=True, help="Archive what was recorded before this date (YYYY-MM-DD, local time)."
        )
        parser.add_argument("--prune", action="store_true", help="Delete the archived rows once the archive verifies.")
        parser.add_argument("--output", help="Directory for the archive (default LOANLIT_AUDIT_ARCHIVE_DIR).")

    def handle(self, *args: Any, before: str, prune: bool = False, output: str | None = None, **options: Any) -> None:
        cut = _date(before)
        try:
            outcome = archive_create(before=cut, prune=prune, output_dir=Path(output) if output else None)
        except (RetentionError, ArchiveError) as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(_("The archive could not be written: %(error)s") % {"error": error}) from None
        if outcome.archive is None:
            self.stdout.write(
                _("Nothing was recorded before %(cut)s; no archive written (the latest allowed cut is %(latest)s).")
                % {"cut": cut.isoformat(), "latest": latest_allowed_cut().isoformat()}
            )
            return
        archive = outcome.archive
        message = _(
            "Archive %(path)s: %(entries)s entries in %(streams)s streams, %(checkpoints)s checkpoints, "
            "%(rows)s access-log rows, %(seals)s seals; verified."
        ) % {
            "path": outcome.path,
            "entries": archive.entries,
            "streams": archive.streams,
            "checkpoints": archive.checkpoints,
            "rows": archive.access_rows,
            "seals": archive.seals,
        }
        self.stdout.write(message)
        self.stdout.write(
            _("Pruned from the live database.") if archive.pruned else _("Nothing pruned (run with --prune to prune).")
        )
