"""Drop-folder pages: api.manage holders list, create, edit and read results; others get 403."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.imports.models import DropFile, DropFolder
from loanlit.imports.services import dropfolders as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def drop_root(settings, tmp_path: Path) -> Path:
    settings.DROP_ROOT = tmp_path / "drop"
    settings.DROP_ROOT.mkdir()
    with translation.override("en"):
        yield settings.DROP_ROOT


def form_data(personas, **extra) -> dict:
    return {
        "name": "Nightly balances",
        "path": "core/balances",
        "kind": "snapshots",
        "preset": "loanlit-snapshots",
        "creditor": personas.creditor.pk,
        "unit": personas.beijing.pk,
        "run_as": personas.case_handler.pk,
        "on_row_errors": "reject",
        "enabled": "on",
        **extra,
    }


def admin_client(personas) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas.administrator)
    return client


def test_administrator_creates_a_folder_on_disk_and_audited(personas, drop_root):
    response = admin_client(personas).post(reverse("imports:drop_create"), form_data(personas))
    folder = DropFolder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:drop_detail", args=[folder.pk])
    assert (folder.path, folder.kind, folder.run_as, folder.enabled) == (
        "core/balances",
        "snapshots",
        personas.case_handler,
        True,
    )
    assert sorted(p.name for p in (drop_root / "core" / "balances").iterdir()) == ["failed", "processed", "processing"]
    assert AuditEntry.objects.filter(action="drop_folder.created").count() == 1


def test_an_escaping_path_is_a_form_error_and_nothing_is_written(personas, drop_root):
    response = admin_client(personas).post(reverse("imports:drop_create"), form_data(personas, path="../etc"))
    assert response.status_code == 200
    assert "The folder may not leave the drop root" in response.content.decode()
    assert not DropFolder.objects.exists() and not AuditEntry.objects.filter(action__startswith="drop_").exists()


def test_a_stale_edit_answers_409(personas):
    folder = services.drop_folder_create(
        actor=personas.administrator,
        name="F",
        path="f",
        kind="snapshots",
        creditor=personas.creditor,
        unit=personas.beijing,
        run_as=personas.case_handler,
    )
    client = admin_client(personas)
    url = reverse("imports:drop_edit", args=[folder.pk])
    assert client.post(url, form_data(personas, path="f", version=1, enabled="")).status_code == 302
    folder.refresh_from_db()
    assert (folder.enabled, folder.version, folder.name) == (False, 2, "Nightly balances")
    assert client.post(url, form_data(personas, path="f", version=1)).status_code == 409
    folder.refresh_from_db()
    assert folder.enabled is False


def test_a_case_handler_may_not_open_or_post_the_pages(personas):
    client = Client()
    client.force_login(personas.case_handler)
    assert client.get(reverse("imports:drop_list")).status_code == 403
    assert client.post(reverse("imports:drop_create"), form_data(personas)).status_code == 403
    assert not DropFolder.objects.exists()


def test_the_folder_page_lists_recent_files_with_their_results(personas):
    folder = services.drop_folder_create(
        actor=personas.administrator,
        name="F",
        path="f",
        kind="snapshots",
        creditor=personas.creditor,
        unit=personas.beijing,
        run_as=personas.case_handler,
    )
    drop_file = services.drop_file_take(folder=folder, name="bal.csv", stored_name="bal.csv", size=3, sha256="a" * 64)
    services.drop_file_finish(
        drop_file=drop_file,
        state=DropFile.State.FAILED,
        summary={"rows_read": 2, "created": 0, "errors": [{"row": 3, "messages": ["Loan X was not found."]}]},
        error_message="1 rows have errors",
    )
    client = admin_client(personas)
    page = client.get(reverse("imports:drop_detail", args=[folder.pk])).content.decode()
    assert "bal.csv" in page and "Row 3: Loan X was not found." in page and "1 rows have errors" in page
    assert "bal.csv" in client.get(reverse("imports:drop_list")).content.decode()
