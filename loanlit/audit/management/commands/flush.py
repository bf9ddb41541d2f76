"""Django's `flush`, with the audit tables' append-only triggers suspended for the wipe.

Flushing deliberately empties every table (it is also how transactional tests reset the database);
without this the triggers would refuse the DELETE on SQLite and MySQL and the TRUNCATE on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from loanlit.audit.maintenance import append_only_suspended


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with append_only_suspended(using=options["database"]):
            super().handle(**options)
