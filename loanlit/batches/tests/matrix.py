"""The authorization matrix's batch: the Beijing branch's, created by the case handler, holding the
matrix world's case as an included item before 北京市朝阳区人民法院 (set directly: tests may write models)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def matrix_batch(world: Any):
    batch = getattr(world, "_batches_batch", None)
    if batch is None:
        from loanlit.batches import services
        from loanlit.batches.models import BatchItem
        from loanlit.cases.models import Court

        batch = services.batch_create(
            actor=world.case_handler, name="Matrix batch", creditor=world.creditor, filing_on=dt.date(2025, 12, 15)
        )
        BatchItem.objects.create(
            batch=batch, case=world.cw.case, status=BatchItem.Status.INCLUDED, court=Court.objects.get(code="110105")
        )
        world._batches_batch = batch
    return batch


def matrix_item(world: Any):
    return matrix_batch(world).items.get()
