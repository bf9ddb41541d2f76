from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.audit.verification import Break, verify


class Command(BaseCommand):
    help = (
        "Check every audit stream's hash chain, the checkpoints and the access-log seals; exit 1 on a break. "
        "With --archive: check archives (and with --live, archives plus the live database end to end)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stream", help="Check only this stream (skips checkpoints and seals).")
        parser.add_argument(
            "--archive",
            action="append",
            default=[],
            metavar="PATH",
            help="An archive directory written by audit_archive; repeat for several (checked in the order made).",
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="With --archive: also check the live database and that the archives and it form one history.",
        )

    def handle(
        self, *args: Any, stream: str | None = None, archive: list[str], live: bool = False, **options: Any
    ) -> None:
        if archive:
            self._archives([Path(path) for path in archive], live=live)
            return
        result = verify(stream=stream)
        if not result.ok:
            self._fail(result.breaks)
        self.stdout.write(
            _(
                "Audit intact: %(streams)s streams, %(entries)s entries, %(checkpoints)s checkpoints, "
                "%(seals)s access-log seals."
            )
            % {
                "streams": result.streams,
                "entries": result.entries,
                "checkpoints": result.checkpoints,
                "seals": result.seals,
            }
        )

    def _archives(self, paths: list[Path], *, live: bool) -> None:
        from loanlit.audit.retention import verify_history

        history = verify_history(paths, live=live)
        if not history.ok:
            self._fail(history.all_breaks)
        for result in history.archives:
            self.stdout.write(
                _(
                    "Archive %(name)s intact: %(streams)s streams, %(entries)s entries, %(checkpoints)s checkpoints, "
                    "%(rows)s access-log rows, %(seals)s seals."
                )
                % {
                    "name": result.path.name,
                    "streams": result.streams,
                    "entries": result.entries,
                    "checkpoints": result.checkpoints,
                    "rows": result.access_rows,
                    "seals": result.seals,
                }
            )
        if history.live is not None:
            self.stdout.write(
                _("The archives and the live database form one intact history (%(entries)s live entries).")
                % {"entries": history.live.entries}
            )

    def _fail(self, breaks: list[Break]) -> None:
        for item in breaks[1:]:
            self.stderr.write(str(item))
        raise CommandError(_("Audit verification failed. First broken link: %(link)s") % {"link": breaks[0]})
