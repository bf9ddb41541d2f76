"""The preview pages in the browser: scoped (404 like a missing id), access-logged, rendered lazily."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from loanlit.audit.models import AccessLog
from loanlit.documents import tasks
from loanlit.documents.models import DocumentVersion, PreviewPage
from loanlit.documents.tests.support import add_pdf, make_case_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def world(personas):
    return make_case_world(personas)


def preview_url(document, page: int | None = None) -> str:
    version = document.current_version
    if page is None:
        return reverse("documents:version_preview", args=[document.pk, version.number])
    return reverse("documents:preview_page", args=[document.pk, version.number, page])


def test_the_preview_page_lists_every_page_as_an_image_served_as_png(world, client):
    document = add_pdf(world.case, world.handler, pages=2)
    tasks.process_version(document.current_version_id)
    client.force_login(world.handler)

    response = client.get(preview_url(document))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<img class="img-fluid border') == 2
    assert f'src="{preview_url(document, 1)}"' in html
    assert f'src="{preview_url(document, 2)}"' in html

    png = client.get(preview_url(document, 2))
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(png.streaming_content)))
    assert (image.format, image.size) == ("PNG", (1240, 1605))

    logged = list(AccessLog.objects.filter(user=world.handler, action="download").order_by("id"))
    assert [(row.target_id, row.detail) for row in logged] == [
        (str(document.pk), {"preview": True, "version": 1, "pages": 2}),
        (str(document.pk), {"preview": True, "version": 1, "page": 2}),
    ]


def test_a_pending_preview_renders_on_first_view(world, client):
    document = add_pdf(world.case, world.handler, pages=1)
    version = DocumentVersion.objects.get(pk=document.current_version_id)
    assert version.preview_status == "pending"
    client.force_login(world.handler)

    response = client.get(preview_url(document))

    assert response.status_code == 200
    version.refresh_from_db()
    assert (version.preview_status, version.preview_pages) == ("ready", 1)
    assert response.content.decode().count('<img class="img-fluid border') == 1


def test_a_failed_preview_says_why(world, client):
    from loanlit.documents import services

    document = services.document_add(
        actor=world.handler,
        case=world.case,
        category="evidence",
        title="坏文件",
        filename="坏文件.pdf",
        content=b"%PDF-1.4 broken",
    )
    client.force_login(world.handler)

    response = client.get(preview_url(document))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="failed"' in html
    assert "无法读取该文件，文件可能已损坏。文件仍可下载。" in html
    assert "<img class" not in html
    assert client.get(preview_url(document, 1)).status_code == 404


@pytest.mark.parametrize("page", [None, 1])
def test_a_preview_out_of_scope_is_404_and_logged_as_denied(world, client, page):
    document = add_pdf(world.case, world.handler, pages=1)
    client.force_login(world.outsider)
    before_download = AccessLog.objects.filter(action="download").count()

    response = client.get(preview_url(document, page))

    assert response.status_code == 404
    denied = AccessLog.objects.get(user=world.outsider, action="denied")
    assert (denied.detail["reason"], denied.target_type, denied.target_id) == (
        "out_of_scope",
        "documents.document",
        str(document.pk),
    )
    # Nothing was rendered, stored or logged as read for the outsider.
    version = DocumentVersion.objects.get(pk=document.current_version_id)
    assert version.preview_status == "pending"
    assert PreviewPage.objects.filter(version=version).count() == 0
    assert AccessLog.objects.filter(action="download").count() == before_download


def test_a_missing_document_answers_like_an_out_of_scope_one(world, client):
    client.force_login(world.handler)

    response = client.get(reverse("documents:version_preview", args=[999999, 1]))

    assert response.status_code == 404
    # The same answer as out of scope; only a refusal of an existing document is logged (as in the store).
    assert AccessLog.objects.filter(user=world.handler, action="denied").count() == 0


def test_a_page_beyond_the_rendered_ones_is_404(world, client):
    document = add_pdf(world.case, world.handler, pages=1)
    tasks.process_version(document.current_version_id)
    client.force_login(world.handler)

    assert client.get(preview_url(document, 2)).status_code == 404


def test_a_png_page_asked_for_before_the_job_ran_renders_lazily(world, client):
    document = add_pdf(world.case, world.handler, pages=1)
    client.force_login(world.handler)

    response = client.get(preview_url(document, 1))

    assert response.status_code == 200
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert (image.format, image.size) == ("PNG", (1240, 1605))


def test_with_celery_the_view_leaves_rendering_to_the_workers(world, client, settings):
    settings.JOB_TRANSPORT = "celery"
    document = add_pdf(world.case, world.handler, pages=1)
    client.force_login(world.handler)

    response = client.get(preview_url(document))

    assert response.status_code == 200
    assert 'data-status="pending"' in response.content.decode()
    assert DocumentVersion.objects.get(pk=document.current_version_id).preview_status == "pending"
    assert client.get(preview_url(document, 1)).status_code == 404
