"""The daily audit-retention task (issue 10) is registered and runs loanlit.audit's auto-prune."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loanlit.jobs.registry import ensure_discovered, periodic_tasks

pytestmark = pytest.mark.django_db


def test_the_audit_retention_task_runs_daily_and_calls_the_audit_auto_prune(monkeypatch):
    calls = []
    monkeypatch.setattr("loanlit.audit.retention.retention_auto_prune", lambda: calls.append("ran"))
    ensure_discovered()
    task = periodic_tasks["audit.retention"]
    assert task.every == timedelta(hours=24)
    task.func()
    assert calls == ["ran"]


def test_with_auto_prune_off_the_task_writes_nothing(settings):
    from loanlit.audit.models import AuditArchive, AuditEntry

    settings.AUDIT_AUTO_PRUNE = False
    ensure_discovered()
    periodic_tasks["audit.retention"].func()
    assert not AuditArchive.objects.exists()
    assert not AuditEntry.objects.exists()
