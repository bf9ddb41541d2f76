"""Tables of figures → xlsx / CSV / PDF files (contract; implemented by H4).

Used by the dashboard's widget exports (H3), the fixed reports (H4) and the report builder (H5).
xlsx and PDF carry the user's watermark (``core.watermark``); CSV is UTF-8 with a BOM, text cells that
could start a formula are neutralised. PDF uses a CJK font (reportlab's built-in STSong-Light CID font,
as ``core.watermark`` does) so Chinese prints. Money is written as numbers with two decimals (xlsx) and
"1234.56" (CSV/PDF); rates as "12.34%"; None as "—" (PDF/CSV) or an empty cell (xlsx).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise

TEXT: Final = "text"
CODE: Final = "code"  # internal numbers, court case numbers: always text
COUNT: Final = "count"
MONEY: Final = "money"
RATE: Final = "rate"  # Decimal percentage
DAYS: Final = "days"
DATE: Final = "date"
FORMATS: Final = ("xlsx", "csv", "pdf")


@dataclass(frozen=True)
class Col:
    key: str
    label: str | Promise
    type: str = TEXT


@dataclass
class Table:
    title: str
    columns: list[Col]
    rows: list[list[Any]]
    notes: list[str] = field(default_factory=list)  # definitions, "as of", filters: printed under the table
    subtitle: str = ""


def to_xlsx(tables: Sequence[Table], *, watermark: str) -> bytes:
    """One sheet per table (title as sheet name, made safe and unique), notes under the rows."""
    raise NotImplementedError


def to_csv(table: Table) -> bytes:
    raise NotImplementedError


def to_pdf(tables: Sequence[Table], *, watermark: str) -> bytes:
    """A4 landscape, CJK font, table headers repeated on each page, watermark on every page."""
    raise NotImplementedError


def export_response(request: HttpRequest, *, tables: Sequence[Table], fmt: str, filename_stem: str) -> HttpResponse:
    """The file download (Content-Disposition with a UTF-8 filename), an EXPORT access-log row; an unknown
    ``fmt`` raises Http404; CSV of several tables exports the first only (say so in the file's notes)."""
    raise NotImplementedError


def measures_table(
    *, title: str, first_label: str, buckets: Sequence[Any], measure_codes: Sequence[str], notes: Sequence[str] = ()
) -> Table:
    """A Table from ``selectors.stats.Bucket`` rows: the bucket label, then each ``definitions.MEASURES``
    code's value (a Measures field or rate property), column types from the measure kind."""
    raise NotImplementedError
