"""``manage.py check_documents``: every stored version re-read and re-hashed; missing or altered files are
listed and the command fails (exit code 1) when there is any (for cron and monitoring). Stored files that
no version refers to (orphans) are listed too, without failing: they hide nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loanlit.documents import selectors
from loanlit.documents.models import DocumentVersion


class Command(BaseCommand):
    help = "Check that every stored document version exists and still has its SHA-256."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", type=int, help="Only the documents of this case (id).")

    def handle(self, *args: Any, **options: Any) -> None:
        versions = DocumentVersion.objects.all()
        if options.get("case"):
            versions = versions.filter(document__case_id=options["case"])
        checked = versions.count()
        problems = list(selectors.integrity_problems(versions))
        for problem in problems:
            line = (
                f"{problem.kind.upper()} case={problem.case_id} document={problem.document_id} "
                f"version={problem.number} file={problem.storage_name} name={problem.original_name!r} "
                f"expected_sha256={problem.expected_sha256}"
            )
            if problem.kind == problem.ALTERED:
                line += f" actual_sha256={problem.actual_sha256} size={problem.expected_size}->{problem.actual_size}"
            self.stdout.write(line)
        if not options.get("case"):
            for name in selectors.orphan_files():
                self.stdout.write(f"ORPHAN file={name} (no version refers to it)")
        summary = f"checked {checked} versions: {len(problems)} missing or altered"
        if problems:
            raise CommandError(summary)
        self.stdout.write(summary)
