"""Backup and restore at volume (issue 12): ``manage.py backup`` of N generated cases.

Sizes: BENCH_BACKUP_CASES cases (default 20,000); ``--smoke`` 300. The cases come from ``generate_cases``
(loans, borrowers, cases through the batch services, 10% with a proceeding) under one branch.

Figures:

* the backup (snapshot, JSONL export in keyset pages, gzip, tar, manifest): rows per second, MB/s of
  archive written, peak RSS growth. Floor: the cheapest honest copy of the same database — on SQLite
  the online backup API into a file (``sqlite3.Connection.backup``), on PostgreSQL a ``SELECT *`` of every
  table read to the end through the same driver (what ``COPY`` would cost to stream).
* the same backup encrypted (AES-256-GCM chunks) against the plain one.
* the restore's checking pass (``verify_archive``: every part's SHA-256) in MB/s.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from django.db import connection
from django.test import override_settings

from bench.common import Figure

SMOKE = 300
DEFAULT = 20_000
SEED = 12


def _size(smoke: bool) -> int:
    return SMOKE if smoke else int(os.environ.get("BENCH_BACKUP_CASES", DEFAULT))


class _PeakRss:
    """Samples this process's RSS every 20 ms while the block runs."""

    def __enter__(self) -> _PeakRss:
        self._process = psutil.Process()
        self.start = self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 1e6


def _setup(count: int) -> None:
    from loanlit.accounts import services as accounts
    from loanlit.cases.management.commands.generate_cases import generate_cases

    creditor = accounts.creditor_create(
        actor=None, code="BENCH-BK", name="Backup Bench Bank", kind="bank", legal_name="Backup Bench Bank Co."
    )
    head = accounts.org_unit_create(
        actor=None, code="BKH", name="Backup bench head office", kind="head_office", parent=None, region_code="110000"
    )
    branch = accounts.org_unit_create(
        actor=None, code="BKB", name="Backup bench branch", kind="branch", parent=head, region_code="110000"
    )
    admin = accounts.user_create(
        actor=None,
        username="bench.bk.admin",
        password=None,
        role_code="administrator",
        unit=head,
        creditors=[creditor],
        is_superuser=True,
    )
    accounts.user_create(
        actor=None,
        username="bench.bk.handler",
        password=None,
        role_code="case_handler",
        unit=branch,
        creditors=[creditor],
    )
    started = time.perf_counter()
    result = generate_cases(actor=admin, creditor=creditor, count=count, seed=SEED, chunk=2000, proceeding_share=0.1)
    print(f"   generated {result.cases:,} cases in {time.perf_counter() - started:.1f}s")


def _floor(tmp: Path) -> tuple[str, float]:
    from loanlit.backups.tables import backed_up_tables

    started = time.perf_counter()
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(tmp / "floor.sqlite3")
        connection.connection.backup(target)
        target.close()
        return "sqlite3 backup API", time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in backed_up_tables(connection):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table.name)}")
            while cursor.fetchmany(5000):
                pass
    return "SELECT * of every table", time.perf_counter() - started


def run(smoke: bool) -> list[Figure]:
    from loanlit.backups import services
    from loanlit.backups.restore import verify_archive
    from loanlit.backups.tests.support import key

    count = _size(smoke)
    _setup(count)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp_name:
        tmp = Path(tmp_name)
        media = tmp / "media"
        media.mkdir()
        with override_settings(MEDIA_ROOT=str(media), BACKUP_DIR=tmp / "out", BACKUP_KEY=key("bench", 9)):
            floor_name, floor_seconds = _floor(tmp)
            with _PeakRss() as rss:
                started = time.perf_counter()
                run_plain = services.backup_create(output=tmp / "out" / "plain.tar")
                seconds = time.perf_counter() - started
            rows = sum(run_plain.counts.values())
            mb = run_plain.size_bytes / 1e6
            print(
                f"   backup: {count:,} cases, {rows:,} rows in {len(run_plain.counts)} tables, archive {mb:.1f} MB, "
                f"{rows / seconds:,.0f} rows/s, {mb / seconds:.1f} MB/s, peak RSS +{rss.growth_mb:.0f} MB"
            )
            figures.append(Figure("backup (rows)", rows, seconds, floor_name, floor_seconds))
            started = time.perf_counter()
            run_sealed = services.backup_create(output=tmp / "out" / "sealed.tar.enc", encrypt=True)
            sealed_seconds = time.perf_counter() - started
            figures.append(Figure("backup encrypted (rows)", rows, sealed_seconds, "plain backup", seconds))
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as work:
                verify_archive(Path(run_sealed.path), workdir=Path(work))
            verify_seconds = time.perf_counter() - started
            print(f"   restore check pass (decrypt + SHA-256 of every part): {mb / verify_seconds:.1f} MB/s")
            figures.append(Figure("restore check pass (rows)", rows, verify_seconds))
            per_case = seconds / count
            print(
                f"   extrapolated (linear, not measured): 1,000,000 cases ≈ {per_case * 1_000_000 / 60:.0f} min, "
                f"archive ≈ {mb / count * 1_000_000 / 1000:.1f} GB"
            )
    return figures
