"""A hand-written iCalendar feed (RFC 5545) of a user's deadlines and hearings, without personal data.

Each event says the internal case number, the kind and the date, with a link — never a party
(DESIGN rule 11). Lines end with CRLF and are folded at 75 octets without splitting a UTF-8
character (RFC 5545 §3.1); text values escape backslash, semicolon, comma and newlines (§3.3.11).
Deadlines are all-day ``VALUE=DATE`` events; hearings are timed in UTC, so no VTIMEZONE is needed.
UIDs are stable per item, so a calendar app updates an event when a date moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

PRODID: Final = "-//Loanlit//Deadlines//EN"
UID_DOMAIN: Final = "loanlit"
FOLD_AT: Final = 75
HEARING_LENGTH: Final = timedelta(hours=1)


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    summary: str
    start: date | datetime
    description: str = ""
    url: str = ""

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


def escape_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets; continuation lines start with a space."""
    encoded = line.encode("utf-8")
    if len(encoded) <= FOLD_AT:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = FOLD_AT
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
            limit = FOLD_AT - 1  # the leading space of a continuation line counts
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: IcsEvent, stamp: str) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{stamp}"]
    if isinstance(event.start, datetime):
        lines += [f"DTSTART:{_utc(event.start)}", f"DTEND:{_utc(event.start + HEARING_LENGTH)}"]
    else:
        end = event.start + timedelta(days=1)
        lines += [f"DTSTART;VALUE=DATE:{event.start:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}", "TRANSP:TRANSPARENT"]
    lines.append(f"SUMMARY:{escape_text(event.summary)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append("END:VEVENT")
    return lines


def build_calendar(events: Iterable[IcsEvent], *, name: str, now: datetime) -> bytes:
    stamp = _utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")


def unfold(text: str) -> list[str]:
    """The content lines of a feed (for tests and checks): CRLF + space/tab continues the line."""
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
