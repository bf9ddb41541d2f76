"""``manage.py run_reminders --once [--today YYYY-MM-DD]``: one reminder scan and sending round."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.deadlines.services import reminders


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--today must be a date like 2026-02-14.")) from None


class Command(BaseCommand):
    help = "Scan open deadlines for reminders due today, send them and print what was sent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one scan and one sending round, then exit.")
        parser.add_argument("--today", type=_day, default=None, help="Scan as if it were this day (YYYY-MM-DD).")
        parser.add_argument("--limit", type=int, default=500, help="At most this many reminders are sent.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["once"]:
            raise CommandError(_("Use --once; the worker (run_worker) runs the scan every few minutes."))
        result = reminders.reminders_run(today=options["today"], limit=max(1, options["limit"]))
        scan = result.scan
        self.stdout.write(
            _("Scan for %(day)s: %(count)d new reminders (%(escalations)d escalations).")
            % {"day": scan.today.isoformat(), "count": scan.total, "escalations": scan.escalations}
        )
        for outcome in result.sent:
            line = f"#{outcome.delivery_id} {outcome.status} {outcome.channel} → {outcome.recipient}: "
            line += f"{outcome.case_no} {outcome.kind} ({outcome.offset:+d})"
            if outcome.error:
                line += f" — {outcome.error}"
            self.stdout.write(line)
        sent = sum(1 for o in result.sent if o.status == "sent")
        self.stdout.write(_("Sent %(sent)d of %(total)d.") % {"sent": sent, "total": len(result.sent)})
