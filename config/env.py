"""Typed reading of LOANLIT_* environment variables.

Deployment settings come only from the environment (DESIGN rule 10). Each reader fails fast with a
message naming the variable, so a mistyped value stops start-up instead of running half-configured.
Every variable read here is documented in docs/configuration.md.
"""

from __future__ import annotations

import os
from pathlib import Path

PREFIX = "LOANLIT_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A LOANLIT_* variable is missing or malformed."""


def _raw(name: str) -> str | None:
    return os.environ.get(PREFIX + name)


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = _raw(name)
    if value is None or value == "":
        if required:
            raise ConfigError(f"{PREFIX}{name} must be set (see docs/configuration.md).")
        return default or ""
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{PREFIX}{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a whole number, not {value!r}.") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ConfigError(f"{PREFIX}{name} must be between {minimum} and {maximum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str) -> str:
    """A secret given inline (LOANLIT_<NAME>) or as a file path (LOANLIT_<NAME>_FILE); inline wins."""
    inline = _raw(name)
    if inline:
        return inline.strip()
    path = _raw(name + "_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{PREFIX}{name}_FILE points at {path!r}, which cannot be read: {exc}.") from None
    return ""
