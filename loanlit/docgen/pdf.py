"""PDF from a generated .docx through LibreOffice (optional: ``soffice`` from libreoffice-writer-nogui).

Each conversion runs ``soffice --headless --convert-to pdf`` with its own throw-away profile directory
(two conversions never share or lock a profile), a timeout, and ``FONTCONFIG_FILE`` pointing at
``fonts/fonts.conf``, which maps 宋体 / 仿宋 / 黑体 (and their Latin names) to Noto CJK.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

FONTS_CONF: Final = Path(__file__).resolve().parent / "fonts" / "fonts.conf"
DEFAULT_TIMEOUT: Final = 120


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed (or not on PATH)."""


class PdfFailed(RuntimeError):
    """LibreOffice ran but produced no PDF (timeout, crash or unreadable input)."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(content: bytes, *, timeout: int = DEFAULT_TIMEOUT) -> bytes:
    """Convert .docx bytes to PDF bytes. Raises PdfUnavailable or PdfFailed."""
    binary = soffice_path()
    if binary is None:
        raise PdfUnavailable("soffice not found")
    with tempfile.TemporaryDirectory(prefix="loanlit-docgen-") as work:
        root = Path(work)
        source = root / "document.docx"
        source.write_bytes(content)
        env = os.environ | {"FONTCONFIG_FILE": str(FONTS_CONF), "HOME": str(root)}
        command = [
            binary,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(root / "out"),
            str(source),
        ]
        try:
            subprocess.run(command, env=env, capture_output=True, timeout=timeout, check=False)  # noqa: S603
        except subprocess.TimeoutExpired as error:
            raise PdfFailed(f"LibreOffice did not finish within {timeout} s") from error
        target = root / "out" / "document.pdf"
        if not target.exists() or target.stat().st_size == 0:
            raise PdfFailed("LibreOffice produced no PDF")
        return target.read_bytes()
