"""Signals of the rules app: apps above it (deadlines) recompute what the reference data feeds.

``reference_data_changed`` is sent inside the writing transaction, so a receiver's recomputation commits or
rolls back with the holiday override or LPR row that caused it. Arguments: ``kind`` ("holidays" or "lpr"),
``years`` (the calendar years whose holiday data changed; empty for LPR), ``actor``.
"""

from __future__ import annotations

from django.dispatch import Signal

HOLIDAYS = "holidays"
LPR = "lpr"

reference_data_changed = Signal()
