"""Writes of the import pipeline (DESIGN rule 1): upload → analyse → map → validate → preview → commit.

The interface the views, the CLI and the demo use:

    import_start(*, actor, creditor, kind, file_name, content: bytes, preset=None, unit=None) -> ImportBatch
        Store the file (encrypted at rest), queue the "imports.analyse" job (read, detect encoding and
        header, suggest a mapping). Status ANALYSING → MAPPING (or FAILED with a translated message).
        A transform preset needs no mapping: validation is queued at once (→ VALIDATING → PREVIEW).
    import_configure(*, actor, batch, version, mapping: dict[str, int], options: dict,
                     encoding: str | None = None, sheet: str | None = None) -> ImportBatch
        Save the column mapping (field key → 0-based column) and options ("grouping": "contract" |
        "borrower", "overwrite": bool …); queue "imports.validate". VALIDATING → PREVIEW. A new encoding
        or sheet reads the file again instead (→ ANALYSING → MAPPING, mapping suggested afresh).
    import_resolve_duplicates(*, actor, batch, version, keep: dict[str, int | None]) -> ImportBatch
        For each duplicate key, the row number to import (None: import none of them); re-validates.
    import_commit(*, actor, batch, version) -> ImportBatch
        Refused while a required field is unmapped. Queue "imports.commit": COMMITTING → DONE. Chunked;
        a killed commit resumes where it stopped (idempotent by creditor + contract no.) or is cancelled
        and rolled back chunk by chunk — never a half-imported case.
    import_cancel(*, actor, batch, version) -> ImportBatch
    import_file(*, actor, creditor, path, kind="loans", preset=None, options=None, dry_run=False,
                unit=None, encoding=None, sheet=None) -> ImportReport
        The CLI's synchronous run of the same steps (no jobs, no ImportBatch).

``ImportBatch.job`` points at the job of the step in progress; every status change bumps ``version``.
"""

from loanlit.imports.services.batches import (
    ANALYSE,
    CANCEL_COMMIT_NOTE,
    COMMIT,
    VALIDATE,
    import_cancel,
    import_commit,
    import_configure,
    import_resolve_duplicates,
    import_start,
)
from loanlit.imports.services.cli import ImportReport, import_file

__all__ = [
    "ANALYSE",
    "CANCEL_COMMIT_NOTE",
    "COMMIT",
    "VALIDATE",
    "ImportReport",
    "import_cancel",
    "import_commit",
    "import_configure",
    "import_file",
    "import_resolve_duplicates",
    "import_start",
]
