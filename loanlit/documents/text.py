"""Text of a document version for search: extraction (PDF text layer, .docx, .xlsx) and tokenising.

What reaches the index is never the plain text: ID numbers (18 characters, the last may be X) and
mainland mobile numbers are first replaced by tokens made from their keyed HMAC — the same digests
``parties.Party.id_number`` and ``PartyContact.phone`` use — so the index holds no personal number, yet
a search for the exact number (tokenised by the same function) finds the document. The rest becomes CJK
character bigrams (a lone CJK character stays a unigram) and lower-cased letter/digit tokens, each once,
separated by spaces, which SQLite's FTS5 (unicode61) and PostgreSQL's 'simple' parser both split alike.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from loanlit.core import crypto

__all__ = [
    "MAX_INDEX_TOKENS",
    "extract_text",
    "index_text_for",
    "personal_token",
    "query_tokens",
    "replace_personal_numbers",
    "tokenise",
]

# PostgreSQL refuses a tsvector over 1 MB; unique tokens of even a long contract stay far below this.
MAX_INDEX_TOKENS = 100_000
MAX_TEXT_PAGES = 2000  # of a PDF's text layer (previews stop far earlier)
MAX_XLSX_CELLS = 200_000

# The HMAC purposes of PersonalDataField kinds "ric" and "mobile" (loanlit.core.fields.personal).
RIC_PURPOSE = "pd:ric"
MOBILE_PURPOSE = "pd:mobile"
TOKEN_HEX = 32  # 128 bits of the digest: unique enough, half the index size

# CJK ideographs: URO, extension A, compatibility, extensions B–F and G (code points, not literals).
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2EBEF), (0x30000, 0x3134F))
_CJK = "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES)
_PERSONAL = re.compile(
    r"(?<![0-9A-Za-z])(?P<ric>\d{6}(?:19|20)\d{9}[\dXx])(?![0-9A-Za-z])"
    r"|(?<![0-9A-Za-z+])(?:(?:\+|00)86[\s-]?)?(?P<mobile>1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?![0-9A-Za-z])"
)
_SEPARATORS = re.compile(r"[\s-]")
_WORDS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>(?:(?![{_CJK}])[^\W_])+)")


def personal_token(kind: str, normalised: str) -> str:
    """The index token standing for a normalised ID number (``kind="ric"``) or mobile (``"mobile"``)."""
    purpose = RIC_PURPOSE if kind == "ric" else MOBILE_PURPOSE
    prefix = "pdric" if kind == "ric" else "pdmob"
    return prefix + crypto.keyed_hmac(normalised, purpose=purpose)[:TOKEN_HEX]


def replace_personal_numbers(text: str) -> str:
    """``text`` with every ID number and mainland mobile replaced by its token (spaced off its neighbours)."""

    def token(match: re.Match[str]) -> str:
        if match.group("ric"):
            return f" {personal_token('ric', match.group('ric').upper())} "
        mobile = _SEPARATORS.sub("", match.group("mobile"))
        return f" {personal_token('mobile', mobile)} "

    return _PERSONAL.sub(token, text)


def tokenise(text: str) -> Iterator[str]:
    """Index tokens of ``text`` in order (repeats included): personal numbers as tokens, CJK bigrams,
    lower-cased words of letters and digits."""
    text = replace_personal_numbers(unicodedata.normalize("NFKC", text))
    for match in _WORDS.finditer(text):
        run = match.group("cjk")
        if run:
            if len(run) == 1:
                yield run
            else:
                for i in range(len(run) - 1):
                    yield run[i : i + 2]
        else:
            yield match.group("word").lower()


def index_text_for(text: str) -> str:
    """What ``DocumentText.index_text`` holds: the unique tokens in first-seen order, space separated."""
    seen: dict[str, None] = {}
    for token in tokenise(text):
        if token not in seen:
            seen[token] = None
            if len(seen) >= MAX_INDEX_TOKENS:
                break
    return " ".join(seen)


def query_tokens(q: str) -> list[str]:
    """The tokens a search for ``q`` must all find (unique, in order); empty when nothing is searchable."""
    return list(dict.fromkeys(tokenise(q)))


# --- extraction -------------------------------------------------------------------------------------


def extract_text(path: Path, kind: str) -> str:
    """The text of a local file of the detected ``kind`` (see ``previews.detect_kind``): a PDF's text
    layer, a .docx's paragraphs and tables, an .xlsx's cell values; empty for anything else (images,
    scans without a text layer). Raises on a file the reader cannot open."""
    if kind == "pdf":
        return _pdf_text(path)
    if kind == "docx":
        return _docx_text(path)
    if kind == "xlsx":
        return _xlsx_text(path)
    return ""


def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        parts: list[str] = []
        for index in range(min(len(pdf), MAX_TEXT_PAGES)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                parts.append(textpage.get_text_bounded())
            finally:
                textpage.close()
                page.close()
        return "\n".join(parts)
    finally:
        pdf.close()


def _docx_text(path: Path) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    parts: list[str] = []

    def walk(items: Iterable[Paragraph | Table]) -> None:
        for item in items:
            if isinstance(item, Paragraph):
                parts.append(item.text)
            else:
                for row in item.rows:
                    for cell in row.cells:
                        walk(cell.iter_inner_content())

    walk(document.iter_inner_content())
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                walk(part.iter_inner_content())
    return "\n".join(parts)


def _xlsx_text(path: Path) -> str:
    import openpyxl

    if not zipfile.is_zipfile(path):
        raise ValueError("not an xlsx file")
    # A file object: openpyxl refuses a path whose name does not end in .xlsx (ours is a temporary name).
    with open(path, "rb") as handle:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        try:
            parts: list[str] = []
            cells = 0
            for sheet in workbook.worksheets:
                parts.append(sheet.title)
                for row in sheet.iter_rows(values_only=True):
                    parts.extend(str(value) for value in row if value is not None and value != "")
                    cells += len(row)
                    if cells >= MAX_XLSX_CELLS:
                        return "\n".join(parts)
            return "\n".join(parts)
        finally:
            workbook.close()
