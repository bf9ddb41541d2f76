"""Authorization-matrix rows for the backup pages; collected by tests/test_authorization_matrix.py.

Everything needs ``backup.run`` (the built-in administrator): others get 403, anonymous users the login
redirect. "Back up now" answers a holder with a redirect to the queued job's page.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from tests.support.authz import Access, Route

RUN = Access("code", code="backup.run")
RUN_POST = Access("code", code="backup.run", ok=(302,))


def world_backup(world: Any) -> Any:
    """A finished backup whose (tiny) archive is on disk, for the download route."""
    run = getattr(world, "backup_run", None)
    if run is None:
        from django.utils import timezone

        from loanlit.backups.models import BackupRun

        path = Path(tempfile.mkdtemp(prefix="loanlit-matrix-backup-")) / "loanlit-matrix.tar"
        path.write_bytes(b"matrix archive")
        run = BackupRun.objects.create(
            kind=BackupRun.Kind.MANUAL,
            state=BackupRun.State.SUCCEEDED,
            path=str(path),
            size_bytes=14,
            finished_at=timezone.now(),
        )
        world.backup_run = run
    return run


ROUTES: list = [
    Route("backups:backup_list", get=RUN),
    Route("backups:backup_now", get=None, post=RUN_POST),
    Route("backups:backup_download", get=RUN, kwargs=lambda w: {"pk": world_backup(w).pk}),
]
