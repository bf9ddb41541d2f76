from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.audit.verification import verify


class Command(BaseCommand):
    help = "Check every audit stream's hash chain, the checkpoints and the access-log seals; exit 1 on a break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stream", help="Check only this stream (skips checkpoints and seals).")

    def handle(self, *args: Any, stream: str | None = None, **options: Any) -> None:
        result = verify(stream=stream)
        if not result.ok:
            for item in result.breaks[1:]:
                self.stderr.write(str(item))
            first = result.first_break
            raise CommandError(_("Audit verification failed. First broken link: %(link)s") % {"link": first})
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
