from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    count: int
    seconds: float
    floor_name: str = ""
    floor_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")

    @property
    def ratio(self) -> float | None:
        if not self.floor_seconds:
            return None
        return self.seconds / self.floor_seconds


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def print_figures(figures: list[Figure]) -> None:
    for f in figures:
        line = f"   {f.name}: {f.count:,} in {f.seconds:.3f}s = {f.rate:,.0f}/s"
        if f.ratio is not None:
            line += f"; floor ({f.floor_name}) {f.floor_seconds:.3f}s; ratio {f.ratio:.2f}x"
        print(line)


@contextlib.contextmanager
def test_database() -> Iterator[None]:
    from django.db import connection

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
