"""Header rules (issue 6). To be written; interface:

    normalise_header(text: str) -> str
        NFKC, trimmed of ASCII and ideographic spaces, inner runs of whitespace collapsed to one space,
        a trailing "*" or "（必填）"-style required mark removed, case-folded for Latin letters.
    detect_header_row(rows: Sequence[Sequence[Cell]], *, known_headers: Collection[str] = ()) -> int
        0-based index of the header among the first rows (title rows and merged group titles above it).
"""
