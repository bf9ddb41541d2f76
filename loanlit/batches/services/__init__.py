"""Writes of the batches app (DESIGN rule 1): keyword-only, atomic, audited on the batch's stream.

* ``batches`` — create a batch, add cases and loans, screen, choose a court by hand.
* ``packs`` — filing packs through docgen, and per-court packages (zip with a list sheet).
* ``writeback`` — the court's returned list: 案号, filing date and fee notice per case.
"""

from __future__ import annotations

from loanlit.batches.services.batches import (
    ZERO,
    batch_add_items,
    batch_create,
    batch_item_remove,
    batch_open_cases,
    batch_screen,
    batch_stream,
    item_choose_court,
    lock_batch,
    require_batch,
)
from loanlit.batches.services.packs import batch_generate_packs, court_package, item_generate_pack
from loanlit.batches.services.writeback import WriteBackReport, batch_write_back

__all__ = [
    "ZERO",
    "WriteBackReport",
    "batch_add_items",
    "batch_create",
    "batch_generate_packs",
    "batch_item_remove",
    "batch_open_cases",
    "batch_screen",
    "batch_stream",
    "batch_write_back",
    "court_package",
    "item_choose_court",
    "item_generate_pack",
    "lock_batch",
    "require_batch",
]
