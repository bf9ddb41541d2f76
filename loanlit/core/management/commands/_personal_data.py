"""Shared runner of ``rotate_personal_data_keys`` and ``reindex_personal_data`` (not a command itself)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.core.fields import BatchProgress, RewriteResult, models_with_personal_data


class PersonalDataPassCommand(BaseCommand):
    """Run one pass over every PersonalDataField of every installed model, in batches, then audit it."""

    audit_action = ""
    model_line: Any = ""  # %(model)s %(count)s %(current)s %(unreadable)s
    total_line: Any = ""  # %(count)s %(batches)s

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Values per batch; each batch is its own transaction (default 500).",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Stop after this many values (run again to continue where it stopped).",
        )

    def run_pass(self, model: Any, *, batch_size: int, limit: int | None, progress: Any) -> RewriteResult:
        raise NotImplementedError

    def audit_details(self) -> dict[str, Any]:
        return {}

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        limit: int | None = options["limit"]
        if batch_size < 1 or (limit is not None and limit < 1):
            raise CommandError(_("--batch-size and --limit must be at least 1."))
        total = RewriteResult()
        per_model: dict[str, dict[str, int]] = {}
        finished = False
        try:
            for model in models_with_personal_data():
                remaining = None if limit is None else limit - total.rewritten
                if remaining is not None and remaining <= 0:
                    break
                result = self.run_pass(model, batch_size=batch_size, limit=remaining, progress=self._progress)
                total.add(result)
                per_model[model._meta.label] = {"rewritten": result.rewritten, "unreadable": result.unreadable}
                self.stdout.write(
                    str(self.model_line)
                    % {
                        "model": model._meta.label,
                        "count": result.rewritten,
                        "current": result.current,
                        "unreadable": result.unreadable,
                    }
                )
            finished = True
        finally:
            # Also after an interruption: the batches already committed are on record.
            stopped = limit is not None and total.rewritten >= limit
            with transaction.atomic():
                audit.record(
                    actor=None,
                    action=self.audit_action,
                    changes={
                        "rewritten": total.rewritten,
                        "unreadable": total.unreadable,
                        "batches": total.batches,
                        "batch_size": batch_size,
                        "limit": limit,
                        "stopped_at_limit": stopped,
                        "interrupted": not finished,
                        "models": per_model,
                        **self.audit_details(),
                    },
                )
        self.stdout.write(str(self.total_line) % {"count": total.rewritten, "batches": total.batches})
        if stopped:
            self.stdout.write(_("Stopped at --limit %(limit)s; run the command again to continue.") % {"limit": limit})
        if total.unreadable:
            self.stderr.write(
                _(
                    "%(count)s values could not be decrypted with any key in LOANLIT_ENCRYPTION_KEY and were left "
                    "as they are (a key removed too early, or data under a per-party key)."
                )
                % {"count": total.unreadable}
            )

    def _progress(self, step: BatchProgress) -> None:
        self.stdout.write(
            _("%(model)s.%(field)s: batch %(batch)s, %(rows)s values (%(done)s of %(total)s)")
            % {
                "model": step.model,
                "field": step.field,
                "batch": step.batch,
                "rows": step.rows,
                "done": step.done,
                "total": step.total,
            }
        )
