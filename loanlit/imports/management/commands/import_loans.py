"""``manage.py import_loans FILE``: import a file synchronously through the import pipeline's services.

Prints the counts per status and every row error (``--json`` for machines). Exit status 1 on a fatal
error (file refused, unknown kind or preset, a required field no column feeds, no permission); row
errors alone exit 0 unless ``--strict``. ``--dry-run`` checks everything and writes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.accounts.models import User
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor, OrgUnit
from loanlit.imports.services import import_file

DEFAULT_ADMIN = "admin"


class Command(BaseCommand):
    help = "Import loans, balance snapshots or case progress from an .xlsx/.csv file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--kind", default="loans", help="loans | snapshots | progress")
        parser.add_argument("--preset", default=None, help="a preset's code (the source system's layout)")
        parser.add_argument("--creditor", default=None, help="creditor code (default: the only creditor)")
        parser.add_argument("--unit", default=None, help="default handling unit code (default: the user's)")
        parser.add_argument("--user", default=None, help="acting user (default: the administrator)")
        parser.add_argument("--grouping", choices=("contract", "borrower"), default=None)
        parser.add_argument("--overwrite", action="store_true", help="overwrite fields users changed since")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--encoding", default=None, help="CSV encoding (default: detected)")
        parser.add_argument("--sheet", default=None, help="the sheet to read (default: detected)")
        parser.add_argument("--strict", action="store_true", help="exit 1 when any row has an error")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._user(options["user"])
        creditor = self._creditor(options["creditor"])
        unit = self._unit(options["unit"])
        kind_options: dict[str, Any] = {}
        if options["grouping"]:
            kind_options["grouping"] = options["grouping"]
        if options["overwrite"]:
            kind_options["overwrite"] = True
        try:
            report = import_file(
                actor=actor,
                creditor=creditor,
                path=options["file"],
                kind=options["kind"],
                preset=options["preset"],
                options=kind_options,
                dry_run=options["dry_run"],
                unit=unit,
                encoding=options["encoding"],
                sheet=options["sheet"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        else:
            self._print(report)
        if options["strict"] and report.has_row_errors:
            raise CommandError(_("%(count)s rows have errors.") % {"count": len(report.errors)})

    def _print(self, report: Any) -> None:
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        for problem in report.problems:
            self.stdout.write(_("Warning: %(problem)s") % {"problem": problem})
        for status, count in report.counts.items():
            self.stdout.write(f"{status}: {count}")
        self.stdout.write(
            _("created: %(created)s, updated: %(updated)s, unchanged: %(unchanged)s, cases opened: %(cases)s")
            % {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "cases": report.cases_opened,
            }
        )
        for number, messages in report.errors:
            for message in messages:
                self.stdout.write(_("Row %(row)s: %(message)s") % {"row": number, "message": message})

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).select_related("unit", "role").first()
            if user is None:
                raise CommandError(_("There is no active user “%(user)s”.") % {"user": username})
            return user
        user = (
            User.objects.filter(is_active=True).filter(username=DEFAULT_ADMIN).select_related("unit", "role").first()
            or User.objects.filter(is_active=True, role__code="administrator")
            .select_related("unit", "role")
            .order_by("pk")
            .first()
        )
        if user is None:
            raise CommandError(_("There is no administrator; name the acting user with --user."))
        return user

    def _creditor(self, code: str | None) -> Creditor:
        if code:
            creditor = Creditor.objects.filter(code=code).first()
            if creditor is None:
                raise CommandError(_("There is no creditor with code “%(code)s”.") % {"code": code})
            return creditor
        creditors = list(Creditor.objects.order_by("pk")[:2])
        if len(creditors) != 1:
            raise CommandError(_("Name the creditor with --creditor (there is not exactly one)."))
        return creditors[0]

    def _unit(self, code: str | None) -> OrgUnit | None:
        if not code:
            return None
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(_("There is no unit with code “%(code)s”.") % {"code": code})
        return unit
