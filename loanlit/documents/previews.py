"""Rendering a version's preview: PNG pages from PDFs (scans included) and images with pypdfium2 and
Pillow, and from .docx/.xlsx through LibreOffice → PDF when ``soffice`` is installed.

Pure of the database: :func:`render_file` takes a local file and returns a :class:`RenderResult`; the
job (``tasks.py``) stores the pages through ``services.previews``. Failures carry a stable code in
``preview_error`` ("corrupt", "blank", …) and are translated when shown (:func:`error_message`), so a
user reads the reason in their own language whoever's job rendered it.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

__all__ = [
    "MAX_PAGES",
    "MAX_WIDTH",
    "RenderResult",
    "RenderedPage",
    "detect_kind",
    "error_message",
    "is_blank",
    "libreoffice_path",
    "render_file",
    "truncated_total",
]

MAX_PAGES = 50  # pages rendered per version; the preview says when there are more
MAX_WIDTH = 1240  # pixels: an A4 page at 150 dpi, sharp on a phone and a desktop alike
PDF_SCALE = 150 / 72  # PDF points → pixels at 150 dpi (then capped to MAX_WIDTH)
# Pillow refuses decompression bombs beyond this many pixels (a 600 dpi A0 scan is ~ 560 M).
MAX_IMAGE_PIXELS = 200_000_000
# A page counts as blank when no pixel is darker than this (JPEG noise on white stays above it).
BLANK_THRESHOLD = 245

READY = "ready"
FAILED = "failed"
UNSUPPORTED = "unsupported"

# preview_error codes (the stored value is "<code>" or "<code>: <technical detail>").
CORRUPT = "corrupt"
BLANK = "blank"
TIMEOUT = "timeout"
CONVERSION = "conversion"
NO_LIBREOFFICE = "no_libreoffice"
UNKNOWN_TYPE = "unknown_type"
MISSING = "missing"
TRUNCATED = "truncated"  # status ready: "truncated:<total pages>"

IMAGE_KINDS = {"png", "jpeg", "gif", "tiff", "bmp", "webp"}
OFFICE_KINDS = {"docx", "xlsx", "doc", "xls"}


@dataclass(frozen=True)
class RenderedPage:
    number: int  # 1-based
    png: bytes
    width: int
    height: int


@dataclass
class RenderResult:
    status: str  # READY, FAILED or UNSUPPORTED (DocumentVersion.Preview values)
    pages: list[RenderedPage] = field(default_factory=list)
    error: str = ""  # code[: detail]; for READY, "truncated:<total>" when pages were left out
    total_pages: int = 0


def error_message(code: str) -> str:
    """The translated reason shown for a stored ``preview_error`` (empty for none)."""
    if not code:
        return ""
    key, _sep, detail = code.partition(":")
    messages = {
        CORRUPT: _("The file could not be read; it may be damaged. It can still be downloaded."),
        BLANK: _("The file rendered as blank pages, so no preview is shown. It can still be downloaded."),
        TIMEOUT: _("Converting the file for its preview took too long. It can still be downloaded."),
        CONVERSION: _("The file could not be converted for its preview. It can still be downloaded."),
        NO_LIBREOFFICE: _(
            "Previews of Word and Excel files need LibreOffice, which is not installed on the server. "
            "The file can still be downloaded."
        ),
        UNKNOWN_TYPE: _("There is no preview for this type of file. It can still be downloaded."),
        MISSING: _("The stored file is missing, so no preview could be made."),
    }
    if key == TRUNCATED:
        try:
            total = int(detail)
        except ValueError:
            total = 0
        return _("Only the first %(shown)d of %(total)d pages are shown; download the file for the rest.") % {
            "shown": MAX_PAGES,
            "total": total,
        }
    return messages.get(key, _("The preview could not be made. The file can still be downloaded."))


def truncated_total(code: str) -> int | None:
    """Total page count when the stored preview left pages out, else None."""
    key, _sep, detail = code.partition(":")
    if key != TRUNCATED:
        return None
    try:
        return int(detail)
    except ValueError:
        return None


# --- type detection ---------------------------------------------------------------------------------


def detect_kind(path: Path) -> str:
    """What the file is, from its first bytes (and a zip's member names): "pdf", "png", "jpeg", "gif",
    "tiff", "bmp", "webp", "docx", "xlsx", "doc"/"xls" (OLE), or "" for anything else."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(b"%PDF-") or b"%PDF-" in _first_kb(path):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith(b"BM"):
        return "bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return ""
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return ""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"  # OLE: .doc or .xls alike; LibreOffice tells them apart itself
    return ""


def _first_kb(path: Path) -> bytes:
    # A PDF may start with junk (some scanners write a header); readers accept %PDF within the first 1 KB.
    with open(path, "rb") as handle:
        return handle.read(1024)


# --- rendering --------------------------------------------------------------------------------------


def render_file(path: Path, *, kind: str | None = None, max_pages: int = MAX_PAGES) -> RenderResult:
    """Render a local file to PNG pages. Never raises for a bad file: the result says what went wrong."""
    kind = detect_kind(path) if kind is None else kind
    if kind == "pdf":
        return _render_pdf(path, max_pages)
    if kind in IMAGE_KINDS:
        return _render_image(path, max_pages)
    if kind in OFFICE_KINDS:
        return _render_office(path, kind, max_pages)
    return RenderResult(status=UNSUPPORTED, error=UNKNOWN_TYPE)


def is_blank(image: object) -> bool:
    """True when no pixel of the (Pillow) image is darker than near-white."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    dark = image.convert("L").point(lambda value: 255 if value < BLANK_THRESHOLD else 0)
    return dark.getbbox() is None


def _finish(images: list[object], total: int) -> RenderResult:
    """PNG-encode rendered pages; all blank → failed (a broken file often renders white)."""
    from PIL import Image

    if not images:
        return RenderResult(status=FAILED, error=f"{CORRUPT}: no pages", total_pages=total)
    if all(is_blank(image) for image in images):
        return RenderResult(status=FAILED, error=BLANK, total_pages=total)
    pages = []
    for number, image in enumerate(images, start=1):
        assert isinstance(image, Image.Image)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False, compress_level=6)
        pages.append(RenderedPage(number=number, png=buffer.getvalue(), width=image.width, height=image.height))
    error = f"{TRUNCATED}:{total}" if total > len(pages) else ""
    return RenderResult(status=READY, pages=pages, error=error, total_pages=total)


def _render_pdf(path: Path, max_pages: int) -> RenderResult:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        return RenderResult(status=FAILED, error=f"{CORRUPT}: {error}"[:500])
    try:
        total = len(pdf)
        images: list[object] = []
        for index in range(min(total, max_pages)):
            page = pdf[index]
            try:
                width_pt = page.get_width() or 1
                scale = min(PDF_SCALE, MAX_WIDTH / width_pt)
                bitmap = page.render(scale=scale, may_draw_forms=True)
                images.append(bitmap.to_pil().convert("RGB"))
                bitmap.close()
            except pdfium.PdfiumError as error:
                return RenderResult(status=FAILED, error=f"{CORRUPT}: {error}"[:500], total_pages=total)
            finally:
                page.close()
        return _finish(images, total)
    finally:
        pdf.close()


def _render_image(path: Path, max_pages: int) -> RenderResult:
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(path) as source:
            multi_page = source.format == "TIFF"  # a scanned TIFF has a page per frame; a GIF animates
            frames = ImageSequence.Iterator(source) if multi_page else [source]
            images: list[object] = []
            total = getattr(source, "n_frames", 1) if multi_page else 1
            for frame in frames:
                if len(images) >= max_pages:
                    break
                images.append(_flatten(frame))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        return RenderResult(status=FAILED, error=f"{CORRUPT}: {error}"[:500])
    return _finish(images, total)


def _flatten(frame: object) -> object:
    """An RGB copy on white (transparency shows as white), at most MAX_WIDTH wide."""
    from PIL import Image

    assert isinstance(frame, Image.Image)
    image = frame.copy()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    if image.width > MAX_WIDTH:
        height = max(1, round(image.height * MAX_WIDTH / image.width))
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    return image


# --- LibreOffice ------------------------------------------------------------------------------------


def libreoffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _render_office(path: Path, kind: str, max_pages: int) -> RenderResult:
    soffice = libreoffice_path()
    if soffice is None:
        return RenderResult(status=UNSUPPORTED, error=NO_LIBREOFFICE)
    with tempfile.TemporaryDirectory(prefix="loanlit-preview-") as workdir:
        work = Path(workdir)
        # Our own name for the input: the user's name may hold anything, and LibreOffice names its
        # output after its input. Each conversion has its own profile: parallel runs never share a lock.
        source = work / f"input.{kind}"
        shutil.copyfile(path, source)
        outdir = work / "out"
        outdir.mkdir()
        command = [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ]
        timeout = int(getattr(settings, "PREVIEW_TIMEOUT_SECONDS", 60))
        failure = _run(command, timeout=timeout, cwd=work)
        if failure:
            return RenderResult(status=FAILED, error=failure[:500])
        produced = outdir / "input.pdf"
        if not produced.is_file() or produced.stat().st_size == 0:
            return RenderResult(status=FAILED, error=f"{CONVERSION}: no PDF written")
        return _render_pdf(produced, max_pages)


def _run(command: list[str], *, timeout: int, cwd: Path) -> str:
    """Run LibreOffice in its own process group; returns an error code (empty on success)."""
    env = dict(os.environ, HOME=str(cwd), SAL_USE_VCLPLUGIN="svp")
    with subprocess.Popen(  # noqa: S603 — a fixed command line, no shell, our own file names
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    ) as process:
        try:
            output, _unused = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            return TIMEOUT
        if process.returncode != 0:
            tail = (output or b"").decode("utf-8", "replace").strip()[-300:]
            return f"{CONVERSION}: exit {process.returncode} {tail}".strip()
    return ""


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # soffice.bin is a child of the soffice script
