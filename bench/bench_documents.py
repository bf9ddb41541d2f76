"""Uploading a large document (issue 8): a 200 MB file into the case file in constant memory.

* **product** — ``loanlit.documents.services.document_add`` with the file opened from disk (as Django hands
  an upload that went to a temporary file): streamed to the default storage in chunks, SHA-256 and size
  computed on the way, type detected from the first bytes, the document and version rows, audit, timeline
  event and the preview job queued.
* **floor** — the same bytes copied chunk by chunk into the default storage with ``hashlib.sha256``
  updated on the way (``default_storage.save`` of the open file), nothing else.

Memory is the Python heap's peak during each upload (tracemalloc), printed next to the file size: a
streamed upload stays at a few megabytes whatever the size. BENCH_DOCUMENT_MB sets the size (default 200;
``--smoke`` 5).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.common import Figure

FULL_MB = 200
SMOKE_MB = 5
CHUNK = 1024 * 1024


def _file(megabytes: int, folder: Path) -> Path:
    path = folder / "scan.pdf"
    block = b"%PDF-1.4\n" + os.urandom(CHUNK - 9)
    with path.open("wb") as out:
        out.write(block)
        for _ in range(megabytes - 1):
            out.write(os.urandom(CHUNK))
    return path


def _world():  # type: ignore[no-untyped-def]
    from loanlit.accounts import services as accounts
    from loanlit.cases.management.commands.generate_cases import generate_cases
    from loanlit.cases.models import Case

    creditor = accounts.creditor_create(
        actor=None, code="BENCHD", name="Bench Bank D", kind="bank", legal_name="Bench Bank D Co., Ltd."
    )
    head = accounts.org_unit_create(actor=None, code="BDH", name="Bench D head office", kind="head_office")
    admin = accounts.user_create(
        actor=None,
        username="bench.documents",
        password=None,
        role_code="administrator",
        unit=head,
        creditors=[creditor],
        is_superuser=True,
    )
    generate_cases(actor=admin, creditor=creditor, count=1, seed=5, chunk=10, proceeding_share=0.0)
    return admin, Case.objects.filter(creditor=creditor).order_by("pk").first()


def _measured(fn):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, seconds, peak / (1024 * 1024)


def run(smoke: bool) -> list[Figure]:
    from django.conf import settings
    from django.core.files import File
    from django.core.files.storage import default_storage

    from loanlit.documents.services import document_add

    megabytes = SMOKE_MB if smoke else int(os.environ.get("BENCH_DOCUMENT_MB", FULL_MB))
    limit_mb = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
    if megabytes > limit_mb:
        raise RuntimeError(f"BENCH_DOCUMENT_MB={megabytes} is above the upload limit of {limit_mb} MB")
    admin, case = _world()
    with tempfile.TemporaryDirectory(prefix="loanlit-bench-doc-") as folder:
        path = _file(megabytes, Path(folder))

        def product():  # type: ignore[no-untyped-def]
            with path.open("rb") as handle:
                return document_add(
                    actor=admin,
                    case=case,
                    category="evidence",
                    title="Bench scan",
                    filename=path.name,
                    content=File(handle, name=path.name),
                )

        def floor():  # type: ignore[no-untyped-def]
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while block := handle.read(CHUNK):
                    digest.update(block)
                handle.seek(0)
                name = default_storage.save("bench/floor.bin", File(handle, name="floor.bin"))
            default_storage.delete(name)
            return digest.hexdigest()

        floor_digest, floor_seconds, floor_peak = _measured(floor)
        document, seconds, peak = _measured(product)
        version = document.current_version
        if version.sha256 != floor_digest or version.size != megabytes * CHUNK:
            raise RuntimeError("the stored version's hash or size differs from the file's")
        default_storage.delete(version.storage_name)
    print(
        f"   {megabytes} MB upload: Python heap peak {peak:.1f} MB (floor {floor_peak:.1f} MB), "
        f"{megabytes / seconds:,.0f} MB/s; SHA-256 equal to the file's"
    )
    return [
        Figure(
            f"MB uploaded (document_add, heap peak {peak:.1f} MB)", megabytes, seconds, "copy + sha256", floor_seconds
        )
    ]
