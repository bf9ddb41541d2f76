"""From directory groups (LDAP) or token claim values (OIDC) to a Loanlit role, unit and creditors.

Pure: plain strings in, a frozen result or a refusal reason out; no database, no Django.

Map syntax (LOANLIT_SSO_GROUP_ROLES, LOANLIT_SSO_GROUP_UNITS, LOANLIT_SSO_GROUP_CREDITORS)::

    GROUP => VALUE | GROUP => VALUE | …

Entries are separated by ``|`` and a group from its value by ``=>``, so a group may be a full LDAP
distinguished name with commas (``CN=Legal,OU=Groups,DC=bank,DC=cn => legal_manager``). Spaces around
the separators are ignored. Groups match case-insensitively; a DN also matches with or without spaces
after its commas. A group may be given as a full DN or as its name alone (the first RDN's value, e.g.
``Legal``). For LOANLIT_SSO_GROUP_CREDITORS the value is a comma-separated list of creditor codes.

Rules: several matching groups → the first entry listed in the map wins (roles and units); creditors are
the union of every matching entry, or LOANLIT_SSO_DEFAULT_CREDITORS when none matches; no role → refused;
no unit → LOANLIT_SSO_DEFAULT_UNIT, or refused when that is empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

ENTRY_SEPARATOR = "|"
VALUE_SEPARATOR = "=>"
# A comma that separates two RDNs: not escaped with a backslash.
_RDN_SPLIT = re.compile(r"(?<!\\),")


class MapSyntaxError(ValueError):
    """A map variable is malformed; the message names the entry (settings turn it into ConfigError)."""


GroupMap = tuple[tuple[str, str], ...]


def normalize_group(value: str) -> str:
    """Case-folded group name or DN with the spaces around RDN separators and ``=`` removed."""
    text = value.strip().casefold()
    if "=" not in text:
        return text
    parts = []
    for rdn in _RDN_SPLIT.split(text):
        attr, sep, rest = rdn.partition("=")
        parts.append(f"{attr.strip()}{sep}{rest.strip()}")
    return ",".join(parts)


def group_short_name(value: str) -> str:
    """The value of a DN's first RDN (``CN=Legal,OU=Groups`` → ``legal``); a plain name unchanged."""
    normalized = normalize_group(value)
    if "=" not in normalized:
        return normalized
    first = _RDN_SPLIT.split(normalized)[0]
    return first.partition("=")[2].replace("\\,", ",")


def parse_group_map(text: str) -> GroupMap:
    """Parse ``GROUP => VALUE | …`` into ordered (normalized group, value) pairs."""
    entries: list[tuple[str, str]] = []
    for raw in text.split(ENTRY_SEPARATOR):
        entry = raw.strip()
        if not entry:
            continue
        group, sep, value = entry.partition(VALUE_SEPARATOR)
        if not sep or not group.strip() or not value.strip():
            raise MapSyntaxError(f"entry {entry!r} is not of the form 'GROUP => VALUE'")
        entries.append((normalize_group(group), value.strip()))
    return tuple(entries)


def parse_code_list(text: str) -> tuple[str, ...]:
    return tuple(code.strip() for code in text.split(",") if code.strip())


@dataclass(frozen=True)
class MappingConfig:
    """The maps from settings (already parsed)."""

    group_roles: GroupMap = ()
    group_units: GroupMap = ()
    group_creditors: GroupMap = ()
    default_unit: str = ""
    default_creditors: tuple[str, ...] = ()


class Refusal(Enum):
    """Why a sign-in was refused (stored in the access log; the message shown comes from services)."""

    NO_ROLE = "no_role"
    NO_UNIT = "no_unit"
    NO_CREDITOR = "no_creditor"


@dataclass(frozen=True)
class MappingResult:
    role_code: str | None
    unit_code: str | None
    creditor_codes: tuple[str, ...] = ()
    matched_groups: tuple[str, ...] = field(default=())
    refusal: Refusal | None = None


def _matches(entry_group: str, groups: set[str], short_names: set[str]) -> bool:
    return entry_group in groups or ("=" not in entry_group and entry_group in short_names)


def _first(group_map: GroupMap, groups: set[str], short_names: set[str]) -> tuple[str, str] | None:
    for entry_group, value in group_map:
        if _matches(entry_group, groups, short_names):
            return entry_group, value
    return None


def resolve(groups: Iterable[str], config: MappingConfig) -> MappingResult:
    """Role, unit and creditor codes for a user in ``groups`` (DNs, names or claim values)."""
    normalized = {normalize_group(group) for group in groups if group and group.strip()}
    short_names = {group_short_name(group) for group in normalized}
    matched: list[str] = []

    role = _first(config.group_roles, normalized, short_names)
    if role is None:
        return MappingResult(role_code=None, unit_code=None, refusal=Refusal.NO_ROLE)
    matched.append(role[0])

    unit = _first(config.group_units, normalized, short_names)
    if unit is not None:
        matched.append(unit[0])
    unit_code = unit[1] if unit is not None else config.default_unit
    if not unit_code:
        return MappingResult(role_code=role[1], unit_code=None, matched_groups=tuple(matched), refusal=Refusal.NO_UNIT)

    creditors: list[str] = []
    for entry_group, value in config.group_creditors:
        if _matches(entry_group, normalized, short_names):
            matched.append(entry_group)
            creditors.extend(code for code in parse_code_list(value) if code not in creditors)
    if not creditors:
        creditors = list(config.default_creditors)
    if not creditors:
        return MappingResult(
            role_code=role[1], unit_code=unit_code, matched_groups=tuple(matched), refusal=Refusal.NO_CREDITOR
        )
    return MappingResult(
        role_code=role[1], unit_code=unit_code, creditor_codes=tuple(creditors), matched_groups=tuple(matched)
    )
