"""Re-encrypt personal data under the first key of LOANLIT_ENCRYPTION_KEY (docs/operations.md, "Rotating keys")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext_lazy

from loanlit.core import crypto
from loanlit.core.fields import RewriteResult, personal_data_reencrypt
from loanlit.core.management.commands._personal_data import PersonalDataPassCommand

rewrapped_line = gettext_lazy("Subject keys re-wrapped under the first key: %(count)s")


class Command(PersonalDataPassCommand):
    help = (
        "Re-encrypt every PersonalDataField value not yet under the first key of LOANLIT_ENCRYPTION_KEY "
        "(and LOANLIT_CIPHER: AES-256-GCM or SM4-GCM), in batches. Values already under it are skipped, so an "
        "interrupted run can simply be started again. The search digests are recomputed on the way."
    )
    audit_action = "personal_data.keys_rotated"
    model_line = gettext_lazy("%(model)s: %(count)s values re-encrypted, %(unreadable)s unreadable")
    total_line = gettext_lazy("Total: %(count)s values re-encrypted in %(batches)s batches.")

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--all-rows",
            action="store_true",
            help="Also rewrite values already under the first key (reindex_personal_data is the lighter way "
            "to repair digests after an HMAC key change).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from loanlit.core import subjects

        self.all_rows = bool(options["all_rows"])
        # Per-party subject keys (crypto-shredding) are wrapped by the master key too: re-wrap them first.
        self.rewrapped = subjects.rewrap_all()
        self.stdout.write(str(rewrapped_line % {"count": self.rewrapped}))
        super().handle(*args, **options)

    def run_pass(self, model: Any, *, batch_size: int, limit: int | None, progress: Any) -> RewriteResult:
        return personal_data_reencrypt(
            model, batch_size=batch_size, limit=limit, all_rows=self.all_rows, progress=progress
        )

    def audit_details(self) -> dict[str, Any]:
        ring = crypto.get_keyring()
        return {
            "key_id": ring.primary,
            "algorithm": ring.algorithm,
            "all_rows": self.all_rows,
            "subject_keys_rewrapped": self.rewrapped,
        }
