"""Recompute personal-data search digests with the current LOANLIT_HMAC_KEY and algorithm (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from loanlit.core import crypto
from loanlit.core.fields import RewriteResult, personal_data_reindex
from loanlit.core.management.commands._personal_data import PersonalDataPassCommand


class Command(PersonalDataPassCommand):
    help = (
        "Recompute the exact-search and last-6 / last-4 HMACs of every PersonalDataField value with the current "
        "LOANLIT_HMAC_KEY and LOANLIT_HMAC_ALGORITHM, from the decrypted values, in batches. Rows already "
        "current are not written, so it can be run again. Until it has finished, exact search misses the rows "
        "not yet done: run it in a maintenance window."
    )
    audit_action = "personal_data.reindexed"
    model_line = gettext_lazy(
        "%(model)s: %(count)s values re-indexed, %(current)s already current, %(unreadable)s unreadable"
    )
    total_line = gettext_lazy("Total: %(count)s values re-indexed in %(batches)s batches.")

    def run_pass(self, model: Any, *, batch_size: int, limit: int | None, progress: Any) -> RewriteResult:
        return personal_data_reindex(model, batch_size=batch_size, limit=limit, progress=progress)

    def audit_details(self) -> dict[str, Any]:
        return {"hmac_algorithm": crypto.current_hmac_algorithm()}
