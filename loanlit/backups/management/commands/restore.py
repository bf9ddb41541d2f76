"""``manage.py restore PATH``: load an archive into a freshly migrated, unused database, then verify it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.backups.restore import restore_archive
from loanlit.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Restore a backup archive into a freshly migrated, unused database (run `migrate` first); "
        "checks every part before writing and verifies counts, file hashes and the audit chains after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The archive written by `manage.py backup`.")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        archive = Path(path)
        if not archive.is_file():
            raise CommandError(_("There is no archive at %(path)s.") % {"path": archive})
        verbosity = int(options.get("verbosity", 1))

        def progress(done: int, total: int | None, message: str) -> None:
            if verbosity >= 2:
                self.stderr.write(f"{message}: {done}/{total or '?'}")

        try:
            result = restore_archive(path=archive, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except OSError as exc:
            raise CommandError(_("The restore failed: %(error)s") % {"error": exc.strerror or exc}) from None
        self.stdout.write(
            _("Restored %(tables)s tables (%(rows)s rows) and %(files)s files from the backup of %(created)s.")
            % {
                "tables": len(result.counts),
                "rows": sum(result.counts.values()),
                "files": result.file_count,
                "created": result.manifest.get("created_at", "?"),
            }
        )
        self.stdout.write(_("Row counts and file hashes match the archive."))
        if result.audit_report:
            self.stdout.write(result.audit_report)
