from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from loanlit.audit.services import scheduled_checkpoint


class Command(BaseCommand):
    help = "Seal new access-log rows and checkpoint the audit stream heads (what the scheduler runs)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = scheduled_checkpoint()
        if result.checkpoint is None:
            checkpoint = _("no stream moved since the last checkpoint")
        else:
            checkpoint = _("checkpoint %(seq)s over %(count)s stream heads") % {
                "seq": result.checkpoint.seq,
                "count": len(result.checkpoint.heads),
            }
        self.stdout.write(
            _("%(checkpoint)s; %(seals)s access-log seals.") % {"checkpoint": checkpoint, "seals": len(result.seals)}
        )
