"""``manage.py jobs_demo``: queue a demo job to watch the progress page and the worker by hand."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from loanlit.jobs import services


class Command(BaseCommand):
    help = "Queue a demo job that counts to N (see it at /jobs/<id>/ while run_worker runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--n", type=int, default=30)
        parser.add_argument("--sleep", type=float, default=0.5, help="Seconds per step (at most 1).")
        parser.add_argument("--user", default="", help="Username that owns the job (so it shows in their list).")
        parser.add_argument("--with-file", action="store_true", help="Write a downloadable result file.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            user_model = get_user_model()
            try:
                actor = user_model._default_manager.get_by_natural_key(options["user"])
            except user_model.DoesNotExist:
                raise CommandError(_("No user named %(name)s.") % {"name": options["user"]}) from None
        job = services.job_enqueue(
            kind="jobs.demo_count",
            params={"n": options["n"], "sleep": options["sleep"], "with_file": options["with_file"]},
            actor=actor,
        )
        self.stdout.write(_("Queued job %(id)s: %(url)s") % {"id": job.pk, "url": job.get_absolute_url()})
