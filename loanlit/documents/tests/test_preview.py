"""Previews: real files rendered to PNG pages, re-opened with Pillow; failures never cached as success."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import translation
from PIL import Image, ImageDraw

from loanlit.documents import previews, services, tasks
from loanlit.documents.models import DocumentVersion, PreviewPage
from loanlit.documents.tests.support import add_pdf, make_case_world, pdf_bytes
from loanlit.jobs.models import Job

pytestmark = pytest.mark.django_db

LETTER_PAGE = (1240, 1605)  # 612 × 792 pt scaled to 1240 px wide


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def world(personas):
    return make_case_world(personas)


def scan_pdf(pages: int = 1, size: tuple[int, int] = (850, 1100)) -> bytes:
    """An image-only PDF (a 'scan'): Pillow draws on a page image and saves it as PDF, no text layer."""
    images = []
    for number in range(pages):
        image = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle((100, 100 + number * 50, 500, 300 + number * 50), fill=(20, 20, 20))
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=100)
    return out.getvalue()


def image_bytes(fmt: str, size: tuple[int, int], frames: int = 1) -> bytes:
    images = []
    for number in range(frames):
        image = Image.new("RGB", size, "white")
        ImageDraw.Draw(image).ellipse((10, 10, size[0] // 2, size[1] // 2 + number), fill=(200, 0, 0))
        images.append(image)
    out = io.BytesIO()
    if frames > 1:
        images[0].save(out, format=fmt, save_all=True, append_images=images[1:])
    else:
        images[0].save(out, format=fmt)
    return out.getvalue()


def add_file(world, content: bytes, filename: str):
    return services.document_add(
        actor=world.handler, case=world.case, category="evidence", title=filename, filename=filename, content=content
    )


def stored_pngs(version: DocumentVersion) -> list[Image.Image]:
    images = []
    for row in PreviewPage.objects.filter(version=version).order_by("page"):
        assert row.storage_name == f"previews/{version.pk}/{row.page}.png"
        with default_storage.open(row.storage_name, "rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
            image.load()
        assert image.format == "PNG"
        assert (image.width, image.height) == (row.width, row.height)
        images.append(image)
    return images


def preview_files(version: DocumentVersion) -> list[str]:
    folder = f"previews/{version.pk}"
    if not default_storage.exists(folder):
        return []
    return sorted(default_storage.listdir(folder)[1])


def test_a_pdf_renders_one_png_per_page_cached_in_storage(world):
    document = add_pdf(world.case, world.handler, pages=3)
    version = document.current_version
    assert version.preview_status == "pending"

    summary = tasks.process_version(version.pk)

    version.refresh_from_db()
    assert summary["preview"] == "ready"
    assert version.preview_status == "ready"
    assert version.preview_pages == 3
    assert version.preview_error == ""
    images = stored_pngs(version)
    assert [image.size for image in images] == [LETTER_PAGE] * 3
    assert preview_files(version) == ["1.png", "2.png", "3.png"]


def test_an_image_only_pdf_renders(world):
    document = add_file(world, scan_pdf(pages=2), "扫描件 (1).pdf")
    version = document.current_version

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert (version.preview_status, version.preview_pages) == ("ready", 2)
    images = stored_pngs(version)
    # 850 × 1100 px at 100 dpi = 612 × 792 pt
    assert [image.size for image in images] == [LETTER_PAGE, LETTER_PAGE]
    # The dark rectangle survived rendering: the page is not blank.
    assert not previews.is_blank(images[0])


def test_a_corrupt_pdf_fails_with_a_message_and_nothing_is_cached(world):
    document = add_file(world, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref", "坏文件.pdf")
    version = document.current_version

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert version.preview_status == "failed"
    assert version.preview_pages == 0
    assert version.preview_error.startswith("corrupt")
    with translation.override("en"):
        assert previews.error_message(version.preview_error) == (
            "The file could not be read; it may be damaged. It can still be downloaded."
        )
    assert PreviewPage.objects.filter(version=version).count() == 0
    assert preview_files(version) == []
    # The file itself stays in storage, downloadable.
    assert default_storage.exists(version.storage_name)


def test_a_blank_rendering_file_fails_and_is_not_cached(world):
    out = io.BytesIO()
    Image.new("RGB", (850, 1100), "white").save(out, format="PDF", resolution=100)
    document = add_file(world, out.getvalue(), "blank.pdf")
    version = document.current_version

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert (version.preview_status, version.preview_error, version.preview_pages) == ("failed", "blank", 0)
    assert PreviewPage.objects.filter(version=version).count() == 0
    assert preview_files(version) == []


def test_a_failed_message_is_translated():
    with translation.override("zh-hans"):
        message = previews.error_message("blank")
    assert message == "该文件渲染出的是空白页，因此不显示预览。文件仍可下载。"


@pytest.mark.parametrize(
    ("fmt", "name", "size", "frames", "expected"),
    [
        ("PNG", "照片.png", (3000, 1500), 1, [(1240, 620)]),
        ("JPEG", "photo.jpg", (800, 600), 1, [(800, 600)]),
        ("TIFF", "scan.tif", (2480, 3508), 2, [(1240, 1754), (1240, 1754)]),
        ("GIF", "anim.gif", (300, 200), 3, [(300, 200)]),
    ],
)
def test_images_become_png_pages_no_wider_than_the_maximum(world, fmt, name, size, frames, expected):
    document = add_file(world, image_bytes(fmt, size, frames), name)
    version = document.current_version

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert version.preview_status == "ready"
    assert [image.size for image in stored_pngs(version)] == expected


def test_pages_past_the_limit_are_left_out_and_the_preview_says_so(tmp_path):
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf_bytes("Long file", pages=4))

    result = previews.render_file(path, max_pages=2)

    assert (result.status, len(result.pages), result.total_pages, result.error) == ("ready", 2, 4, "truncated:4")
    assert previews.truncated_total(result.error) == 4
    with translation.override("en"):
        assert previews.error_message(result.error) == (
            f"Only the first {previews.MAX_PAGES} of 4 pages are shown; download the file for the rest."
        )
    with translation.override("zh-hans"):
        assert (
            previews.error_message(result.error)
            == f"共 4 页，仅显示前 {previews.MAX_PAGES} 页；其余页面请下载文件查看。"
        )


def test_an_unknown_type_is_unsupported(world):
    document = add_file(world, b"just some notes\n", "notes.txt")
    version = document.current_version

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert (version.preview_status, version.preview_error) == ("unsupported", "unknown_type")
    assert PreviewPage.objects.filter(version=version).count() == 0


def docx_bytes(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_files_without_libreoffice_are_unsupported_with_a_clear_message(world, monkeypatch):
    monkeypatch.setattr(previews.shutil, "which", lambda name: None)
    document = add_file(world, docx_bytes("民事起诉状"), "起诉状.docx")
    version = document.current_version

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert (version.preview_status, version.preview_error) == ("unsupported", "no_libreoffice")
    with translation.override("en"):
        assert previews.error_message(version.preview_error) == (
            "Previews of Word and Excel files need LibreOffice, which is not installed on the server. "
            "The file can still be downloaded."
        )


@pytest.mark.skipif(previews.libreoffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_a_word_file_renders_through_libreoffice(world):
    document = add_file(world, docx_bytes("民事起诉状", "原告：某银行股份有限公司"), "起诉状 [草稿].docx")
    version = document.current_version

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert (version.preview_status, version.preview_pages, version.preview_error) == ("ready", 1, "")
    (image,) = stored_pngs(version)
    assert image.width == 1240
    assert not previews.is_blank(image)


@pytest.mark.skipif(previews.libreoffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_an_excel_file_renders_through_libreoffice(world):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["借款人", "本金"])
    workbook.active.append(["张三", 100000])
    out = io.BytesIO()
    workbook.save(out)
    document = add_file(world, out.getvalue(), "还款记录.xlsx")
    version = document.current_version

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert (version.preview_status, version.preview_pages) == ("ready", 1)


def test_a_conversion_past_the_timeout_is_killed_and_reported(tmp_path):
    assert previews._run(["sleep", "30"], timeout=1, cwd=tmp_path) == "timeout"
    with translation.override("en"):
        assert previews.error_message("timeout") == (
            "Converting the file for its preview took too long. It can still be downloaded."
        )


def test_each_libreoffice_conversion_has_its_own_profile_and_the_configured_timeout(tmp_path, settings, monkeypatch):
    settings.PREVIEW_TIMEOUT_SECONDS = 7
    calls = []

    def fake_run(command, *, timeout, cwd):
        calls.append((command, timeout, cwd))
        return "timeout"

    monkeypatch.setattr(previews, "libreoffice_path", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(previews, "_run", fake_run)
    path = tmp_path / "a.docx"
    path.write_bytes(docx_bytes("x"))

    first = previews.render_file(path)
    previews.render_file(path)

    assert (first.status, first.error) == ("failed", "timeout")
    (command_a, timeout_a, cwd_a), (command_b, _timeout_b, cwd_b) = calls
    assert timeout_a == 7
    profile_a = next(arg for arg in command_a if arg.startswith("-env:UserInstallation=file:///"))
    profile_b = next(arg for arg in command_b if arg.startswith("-env:UserInstallation=file:///"))
    assert profile_a != profile_b
    assert cwd_a != cwd_b
    assert not Path(cwd_a).exists()  # the temporary profile is removed afterwards


def test_a_missing_stored_file_fails_as_missing(world):
    document = add_pdf(world.case, world.handler)
    version = document.current_version
    default_storage.delete(version.storage_name)

    tasks.process_version(version.pk)

    version.refresh_from_db()
    assert (version.preview_status, version.preview_error) == ("failed", "missing")


def test_recording_twice_keeps_the_first_result_unless_forced(world):
    document = add_pdf(world.case, world.handler, pages=2)
    version = document.current_version
    tasks.process_version(version.pk)

    assert tasks.process_version(version.pk) == {"version": version.pk, "skipped": "done"}
    tasks.process_version(version.pk, force=True)

    version.refresh_from_db()
    assert (version.preview_status, version.preview_pages) == ("ready", 2)
    assert PreviewPage.objects.filter(version=version).count() == 2
    assert preview_files(version) == ["1.png", "2.png"]


def test_schedule_preview_queues_a_job_that_the_worker_runs(world):
    from loanlit.jobs.worker import run_job_by_id

    document = add_pdf(world.case, world.handler, pages=1)
    version = document.current_version
    Job.objects.filter(kind=tasks.PREVIEW_JOB).delete()  # whatever the store queued itself

    job = tasks.schedule_preview(version, actor=world.handler)

    assert (job.kind, job.params, job.state) == ("documents.preview", {"version_id": version.pk}, "queued")
    assert run_job_by_id(job.pk) == "succeeded"
    version.refresh_from_db()
    assert (version.preview_status, version.preview_pages, version.text_extracted) == ("ready", 1, True)
    job.refresh_from_db()
    assert job.result["preview"] == "ready"
