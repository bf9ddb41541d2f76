"""The retention and archives page (issue 10): audit.view only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from loanlit.audit.models import AccessLog, AuditArchive, AuditEntry

pytestmark = pytest.mark.django_db

URL = "audit:archive_list"


def _archive() -> AuditArchive:
    return AuditArchive.objects.create(
        name="audit-20250302-20260302T020000000000",
        created_at=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
        cut=dt.date(2025, 3, 2),
        cut_at=dt.datetime(2025, 3, 1, 16, 0, tzinfo=dt.UTC),
        retention_days=365,
        entries=1234,
        streams=56,
        checkpoints=78,
        access_rows=910,
        seals=11,
        manifest_sha256="a" * 64,
        pruned=True,
    )


def test_the_auditor_sees_the_retention_setting_and_the_archives_made(client, personas, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC), tick=False)
    _archive()
    client.force_login(personas.auditor)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    text = response.content.decode()
    assert "365 天" in text  # the interface's default language is zh-hans
    assert "2025-03-02" in text  # the cut, and the latest allowed cut today
    assert "audit-20250302-20260302T020000000000" in text
    for count in ("1234", "56", "78", "910", "11"):
        assert f'<td class="text-end">{count}</td>' in text
    assert "关闭：归档和清理由运维人员决定" in text


@pytest.mark.parametrize("persona", ["administrator", "legal_manager", "case_handler", "read_only"])
def test_everybody_without_audit_view_is_refused_and_nothing_but_the_refusal_is_written(client, personas, persona):
    user = getattr(personas, persona)
    client.force_login(user)
    entries, archives = AuditEntry.objects.count(), AuditArchive.objects.count()
    response = client.get(reverse(URL))
    assert response.status_code == 403
    assert list(AccessLog.objects.values_list("user_id", "action", "path")) == [(user.pk, "denied", reverse(URL))]
    assert (AuditEntry.objects.count(), AuditArchive.objects.count()) == (entries, archives)
