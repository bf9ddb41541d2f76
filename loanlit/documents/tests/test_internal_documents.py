"""Internal documents (bank staff only, e.g. the attachments of internal comments): an external lawyer of the
placed firm never sees one, on any route (404 exactly like a missing id, or absent from the list), and may
never create one; bank staff see them everywhere."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.tests.views_support import build_case_world
from loanlit.core.errors import PermissionDeniedError
from loanlit.documents import manifest, selectors, tasks
from loanlit.documents.models import Document, DocumentVersion
from loanlit.documents.search import document_search_for_user

from .support import add_pdf

pytestmark = pytest.mark.django_db

MISSING_PK = 987654


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


class World:
    def __init__(self, personas) -> None:
        cw = build_case_world(personas)
        firm = cases.law_firm_create(actor=None, name="Panel Firm", creditors=[personas.creditor])
        cases.law_firm_member_add(actor=None, law_firm=firm, user=personas.external_lawyer)
        cases.case_place_with_firm(actor=None, case=cw.case, law_firm=firm, version=cw.case.version)
        cw.case.refresh_from_db()
        self.case = cw.case
        self.staff = personas.case_handler
        self.lawyer = personas.external_lawyer
        self.internal = add_pdf(
            self.case, self.staff, title="Internal memo", filename="memo.pdf", text="Zebraword", internal=True
        )
        self.shared = add_pdf(self.case, self.staff, title="Shared contract", filename="contract.pdf", text="Zebraword")
        for document in (self.internal, self.shared):
            tasks.process_version(document.current_version_id)
            document.refresh_from_db()


@pytest.fixture
def world(personas):
    return World(personas)


def document_routes(pk: int) -> list[str]:
    return [
        reverse("documents:document", args=[pk]),
        reverse("documents:versions", args=[pk]),
        reverse("documents:download", args=[pk, 1]),
        reverse("documents:version_preview", args=[pk, 1]),
        reverse("documents:preview_page", args=[pk, 1, 1]),
        reverse("documents:document_edit", args=[pk]),
        reverse("documents:approval_submit", args=[pk]),
    ]


def test_the_internal_flag_is_stored_and_audited(world):
    assert (world.internal.internal, world.shared.internal) == (True, False)
    entry = AuditEntry.objects.filter(action="document.add", target_id=str(world.internal.pk)).get()
    assert entry.changes["internal"] is True


def test_the_external_lawyer_gets_404_on_every_route_of_an_internal_document_like_a_missing_id(world, client):
    client.force_login(world.lawyer)
    for internal_url, missing_url in zip(document_routes(world.internal.pk), document_routes(MISSING_PK), strict=True):
        assert (internal_url, client.get(internal_url).status_code) == (internal_url, 404)
        assert client.get(missing_url).status_code == 404
    # Writes are refused the same way, and write nothing.
    before = (Document.objects.count(), DocumentVersion.objects.count(), AuditEntry.objects.count())
    for name in ("bin", "restore", "purge", "version_upload"):
        assert client.post(reverse(f"documents:{name}", args=[world.internal.pk])).status_code == 404
    assert (Document.objects.count(), DocumentVersion.objects.count(), AuditEntry.objects.count()) == before
    # The shared document of the same case is open to the lawyer.
    for url in document_routes(world.shared.pk)[:5]:
        assert (url, client.get(url).status_code) == (url, 200)


def test_bank_staff_see_the_internal_document_on_every_route(world, client):
    client.force_login(world.staff)
    for url in document_routes(world.internal.pk)[:6]:
        assert (url, client.get(url).status_code) == (url, 200)


def test_the_case_list_panel_and_bin_count_leave_the_internal_document_out_for_the_lawyer(world, client):
    client.force_login(world.lawyer)
    html = client.get(reverse("documents:case", args=[world.case.pk])).content.decode()
    assert "Shared contract" in html
    assert "Internal memo" not in html
    summary = selectors.panel_summary(user=world.lawyer, case=world.case)
    assert summary["count"] == 1
    assert [d.pk for group in summary["groups"] for d in group.documents] == [world.shared.pk]
    staff_summary = selectors.panel_summary(user=world.staff, case=world.case)
    assert staff_summary["count"] == 2

    client.force_login(world.staff)
    html = client.get(reverse("documents:case", args=[world.case.pk])).content.decode()
    assert "Shared contract" in html
    assert "Internal memo" in html


def test_the_recycle_bin_hides_an_internal_document_from_the_lawyer(world, client):
    from loanlit.documents import services

    services.document_move_to_bin(actor=world.staff, document=world.internal, version=world.internal.version)
    assert selectors.bin_count(case=world.case, user=world.lawyer) == 0
    assert selectors.bin_count(case=world.case, user=world.staff) == 1
    assert list(selectors.case_documents(user=world.lawyer, case=world.case, in_bin=True)) == []
    client.force_login(world.lawyer)
    html = client.get(reverse("documents:case_bin", args=[world.case.pk])).content.decode()
    assert "Internal memo" not in html


def test_search_finds_the_internal_document_for_staff_only(world, client):
    for q in ("Zebraword", "Internal memo"):
        lawyer_hits = [d.pk for d in document_search_for_user(user=world.lawyer, q=q)]
        staff_hits = [d.pk for d in document_search_for_user(user=world.staff, q=q)]
        assert world.internal.pk not in lawyer_hits
        assert world.internal.pk in staff_hits
    assert [d.pk for d in document_search_for_user(user=world.lawyer, q="Zebraword")] == [world.shared.pk]
    client.force_login(world.lawyer)
    html = client.get(reverse("documents:search"), {"q": "Internal memo"}).content.decode()
    assert reverse("documents:document", args=[world.internal.pk]) not in html


def test_the_manifest_lists_the_internal_document_for_staff_only(world, client):
    client.force_login(world.lawyer)
    response = client.get(reverse("documents:manifest_json", args=[world.case.pk]))
    assert response.status_code == 200
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    assert [d["id"] for d in data["documents"]] == [world.shared.pk]
    assert client.get(reverse("documents:manifest_xlsx", args=[world.case.pk])).status_code == 200

    staff = manifest.manifest_data(case=world.case, user=world.staff)
    assert sorted(d["id"] for d in staff["documents"]) == sorted([world.internal.pk, world.shared.pk])
    assert [len(d["versions"]) for d in staff["documents"]] == [1, 1]


def test_the_selectors_answer_404_for_the_lawyer(world):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.document_get_for_user(user=world.lawyer, pk=world.internal.pk)
    with pytest.raises(Http404):
        selectors.version_get_for_user(user=world.lawyer, document_pk=world.internal.pk, number=1)
    with pytest.raises(Http404):
        selectors.document_versions(user=world.lawyer, document=world.internal)
    assert world.internal.pk not in selectors.documents_visible_to(world.lawyer).values_list("pk", flat=True)
    assert world.internal.pk in selectors.documents_visible_to(world.staff).values_list("pk", flat=True)
    assert selectors.document_get_for_user(user=world.staff, pk=world.internal.pk).pk == world.internal.pk


def test_an_external_lawyer_may_not_create_an_internal_document(world):
    before = (Document.objects.count(), DocumentVersion.objects.count(), AuditEntry.objects.count())
    with pytest.raises(PermissionDeniedError):
        add_pdf(world.case, world.lawyer, title="Sneaky", internal=True)
    assert (Document.objects.count(), DocumentVersion.objects.count(), AuditEntry.objects.count()) == before
    shared = add_pdf(world.case, world.lawyer, title="Lawyer's letter")
    assert shared.internal is False
