"""``manage.py backup --output PATH [--encrypt]``: one archive of the database and the media files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.backups import services
from loanlit.backups.models import BackupRun
from loanlit.core.errors import DomainError


class Command(BaseCommand):
    help = "Back up the database and every file under MEDIA_ROOT into one archive (see docs/backups.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", help="Archive path (default: BACKUP_DIR/loanlit-<date>-<time>.tar, .tar.enc when encrypted)."
        )
        parser.add_argument("--encrypt", action="store_true", help="Seal the archive with LOANLIT_BACKUP_KEY.")

    def handle(self, *args: Any, output: str | None = None, encrypt: bool = False, **options: Any) -> None:
        path = Path(output) if output else services.default_output(encrypted=encrypt)
        if path.exists() and path.is_dir():
            raise CommandError(_("%(path)s is a directory; give the archive's file name.") % {"path": path})
        verbosity = int(options.get("verbosity", 1))

        def progress(done: int, total: int | None, message: str) -> None:
            if verbosity >= 2:
                self.stderr.write(f"{message}: {done}/{total or '?'}")

        try:
            run = services.backup_create(output=path, kind=BackupRun.Kind.MANUAL, encrypt=encrypt, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except OSError as exc:
            raise CommandError(
                _("The backup failed: %(error)s (%(path)s)")
                % {"error": exc.strerror or exc, "path": exc.filename or path}
            ) from None
        rows = sum(run.counts.values())
        self.stdout.write(
            _("Backup written to %(path)s: %(tables)s tables, %(rows)s rows, %(files)s files, %(size)s bytes%(enc)s.")
            % {
                "path": run.path,
                "tables": len(run.counts),
                "rows": rows,
                "files": run.file_count,
                "size": run.size_bytes,
                "enc": (_(", encrypted with key %(kid)s") % {"kid": run.encrypted_key_id})
                if run.encrypted_key_id
                else "",
            }
        )
        self.stdout.write(_("SHA-256: %(sha)s") % {"sha": run.sha256})
