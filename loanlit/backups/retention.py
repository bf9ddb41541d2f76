"""Which scheduled backups to keep: the newest of each of the last N days, M ISO weeks and K months.

Pure: the same list and policy always keep the same backups. Buckets count only periods that have a
backup (like ``restic forget --keep-daily``), so a week without backups does not use up a slot; one
backup may fill a daily, a weekly and a monthly slot at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def _day(when: date) -> Hashable:
    return when.date() if isinstance(when, datetime) else when


def _week(when: date) -> Hashable:
    iso = when.isocalendar()
    return (iso[0], iso[1])


def _month(when: date) -> Hashable:
    return (when.year, when.month)


def kept(backups: Iterable[tuple[K, date]], *, daily: int, weekly: int, monthly: int) -> set[K]:
    """The keys of ``backups`` (key, local date or datetime of the backup) that the policy keeps."""
    newest_first = sorted(backups, key=lambda item: item[1], reverse=True)
    keep: set[K] = set()
    rules: list[tuple[int, Callable[[date], Hashable]]] = [(daily, _day), (weekly, _week), (monthly, _month)]
    for limit, bucket_of in rules:
        seen: set[Hashable] = set()
        for key, when in newest_first:
            if len(seen) >= limit:
                break
            bucket = bucket_of(when)
            if bucket in seen:
                continue
            seen.add(bucket)
            keep.add(key)
    return keep
