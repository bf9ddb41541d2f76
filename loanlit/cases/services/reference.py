"""Reference data the cases app needs to exist: courts, stages and stage transitions."""

from __future__ import annotations

import importlib

from django.apps import apps

from loanlit.cases.models import CaseStage


def reference_data_ensure(**kwargs: object) -> bool:
    """Seed courts, stages and transitions when the stage table is empty (post_migrate, and after a
    test flush, which empties the rows the data migration wrote). Returns whether it seeded."""
    if CaseStage.objects.exists():
        return False
    seed_migration = importlib.import_module("loanlit.cases.migrations.0002_seed_courts_and_stages")
    seed_migration.seed(apps, None)
    return True
