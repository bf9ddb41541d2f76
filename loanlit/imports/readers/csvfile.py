""".csv / .tsv / .txt: the encoding decided in a fixed order, the delimiter sniffed, every cell text.

Encoding, first that applies:

1. a byte order mark: UTF-8 ("utf-8-sig", reason "bom"), UTF-16 LE/BE ("utf-16", reason "utf-16-bom");
2. strict UTF-8 ("utf-8"); a file that is UTF-8 but for a few broken bytes (at most a tenth of its
   non-ASCII characters) is refused naming the first, never read as GB18030 mojibake;
3. strict GB18030 ("gb18030") — the superset of GBK and GB2312 that Chinese Excel writes as "ANSI";
   plain gbk is never used, it would garble characters outside GBK such as 䶮 or 𠀀;
4. only then a detector (charset-normalizer, reason "detected"), also for UTF-16 without a BOM;
5. else the file is refused.

An ``encoding`` override is used as given (gbk and gb2312 are read as their superset gb18030); if it
cannot decode the file, the file is refused naming the encoding. A BOM never reaches a header.

The delimiter is comma, tab or semicolon: the one that splits the most sample records into the same
number of fields (a .tsv is tab). Quoted fields may hold delimiters and line breaks. A row's number is
its record number, counting blank lines, which is the row Excel shows when it opens the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import Final

import charset_normalizer
from django.utils.translation import gettext as _

from loanlit.imports.readers.grid import Grid, trim
from loanlit.imports.table import EMPTY_CELL, Cell, CellKind, FileRefused

DELIMITERS: Final = (",", "\t", ";")
SNIFF_RECORDS: Final = 50
SNIFF_CHARACTERS: Final = 64 * 1024
SHARE_LIMIT: Final = 200_000  # distinct texts whose Cell is shared between rows
UTF8_EVIDENCE: Final = 8  # valid multi-byte UTF-8 characters that make a file UTF-8 despite a broken byte
GB_FAMILY: Final = frozenset({"gbk", "gb2312", "euc_cn", "cp936", "ms936", "gb18030"})


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    reason: str


def _codec_name(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _utf16_without_bom(content: bytes) -> str | None:
    """UTF-16 LE or BE when NUL bytes sit on every other byte, as in UTF-16 text of mostly ASCII
    characters; a UTF-8 file with a stray NUL in a cell does not look like this."""
    sample = content[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def decode(content: bytes, *, encoding: str | None = None) -> Decoded:
    if encoding:
        return _decode_override(content, encoding)
    if content.startswith(codecs.BOM_UTF8):
        return Decoded(_strict(content, "utf-8-sig", "bom"), "utf-8-sig", "bom")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(_strict(content, "utf-16", "utf-16-bom"), "utf-16", "utf-16-bom")
    utf16 = _utf16_without_bom(content)
    if utf16 is None:
        try:
            return Decoded(content.decode("utf-8"), "utf-8", "utf-8")
        except UnicodeDecodeError as exc:
            _refuse_damaged_utf8(content, exc.start)
        try:
            return Decoded(content.decode("gb18030"), "gb18030", "gb18030")
        except UnicodeDecodeError:
            pass
    guess = charset_normalizer.from_bytes(content).best()
    if guess is not None and guess.encoding:
        name = "gb18030" if guess.encoding in GB_FAMILY else guess.encoding
        try:
            return Decoded(content.decode(name), name, "detected")
        except (UnicodeDecodeError, LookupError):
            pass
    raise FileRefused(
        _(
            "The file's text encoding could not be recognised. Save it as UTF-8 (or choose its encoding) and "
            "upload it again."
        ),
        code="encoding",
    )


def _refuse_damaged_utf8(content: bytes, position: int) -> None:
    """UTF-8 text with a few broken bytes (a cut or a bad copy) is often valid GB18030 as a whole: read
    as that, every Chinese character would silently become another (张三 → 寮犱笁). A file whose other
    non-ASCII characters are valid UTF-8 is refused instead, naming the first bad byte."""
    text = content.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid = sum(1 for char in text if char > "\x7f") - invalid
    if valid >= UTF8_EVIDENCE and invalid * 10 <= valid:
        raise FileRefused(
            _(
                "The file is UTF-8 text, but the byte at position %(position)s (line %(line)s) is not valid "
                "UTF-8: the file was damaged. Export or save it again as UTF-8 and upload it again."
            )
            % {"position": position, "line": content.count(b"\n", 0, position) + 1},
            code="encoding",
        )


def _strict(content: bytes, name: str, reason: str) -> str:
    try:
        return content.decode(name)
    except UnicodeDecodeError as exc:
        raise FileRefused(
            _(
                "The file starts with a %(encoding)s byte order mark but is not valid %(encoding)s text (at byte "
                "%(position)s)."
            )
            % {"encoding": name.upper().replace("-SIG", ""), "position": exc.start},
            code="encoding",
        ) from exc


def _decode_override(content: bytes, encoding: str) -> Decoded:
    name = _codec_name(encoding.strip())
    if name is None:
        raise FileRefused(_("“%(encoding)s” is not a known text encoding.") % {"encoding": encoding}, code="encoding")
    if name in GB_FAMILY:
        name = "gb18030"
    if name == "utf-8" and content.startswith(codecs.BOM_UTF8):
        name = "utf-8-sig"
    try:
        text = content.decode(name)
    except UnicodeDecodeError as exc:
        raise FileRefused(
            _("The file is not valid %(encoding)s text (at byte %(position)s): choose another encoding.")
            % {"encoding": encoding, "position": exc.start},
            code="encoding",
        ) from exc
    return Decoded(text, name, "override")


def sniff_delimiter(text: str, *, preferred: str = ",") -> str:
    sample = text[:SNIFF_CHARACTERS]
    if len(text) > SNIFF_CHARACTERS:  # a cut record at the end would count against every delimiter
        sample = sample[: max(sample.rfind("\n"), 0)]
    order = (preferred, *(d for d in DELIMITERS if d != preferred))
    best, best_score = preferred, (0, 0)
    for delimiter in order:
        counts: Counter[int] = Counter()
        try:
            for index, record in enumerate(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)):
                if index >= SNIFF_RECORDS:
                    break
                if len(record) > 1:
                    counts[len(record)] += 1
        except csv.Error:
            continue
        if not counts:
            continue
        fields, records = counts.most_common(1)[0]
        score = (records, fields)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv(content: bytes, *, encoding: str | None = None, suffix: str = ".csv") -> tuple[Grid, Decoded, str]:
    """The records of a text file; ``suffix`` ".tsv" means tab, ".txt" prefers tab when sniffing."""
    decoded = decode(content, encoding=encoding)
    text = decoded.text
    if text.startswith("\ufeff"):  # a BOM under an override, or doubled
        text = text[1:]
    preferred = "\t" if suffix == ".txt" else ","
    chosen = "\t" if suffix == ".tsv" else sniff_delimiter(text, preferred=preferred)
    grid = Grid()
    text_kind = CellKind.TEXT
    shared: dict[str, Cell] = {}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=chosen, strict=False)
    index = -1
    try:
        for index, record in enumerate(reader):
            if not record:
                continue
            cells: list[Cell] = []
            for value in record:
                cell = shared.get(value)
                if cell is None:
                    cell = EMPTY_CELL if not value or value.isspace() else Cell(text_kind, value)
                    if len(shared) < SHARE_LIMIT:
                        shared[value] = cell
                cells.append(cell)
            if trim(cells):
                grid.rows.append((index, cells))
    except csv.Error as exc:
        raise FileRefused(
            _("The file cannot be read as CSV near row %(row)s: %(error)s") % {"row": index + 2, "error": str(exc)},
            code="csv",
        ) from exc
    return grid, decoded, chosen
