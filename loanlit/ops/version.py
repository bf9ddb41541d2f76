"""The application's version: ``pyproject.toml``'s ``version``, plus ``git describe`` on a checkout."""

from __future__ import annotations

import subprocess
import tomllib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from django.conf import settings

UNKNOWN = "unknown"
GIT_TIMEOUT_SECONDS = 2


@lru_cache(maxsize=1)
def app_version() -> str:
    """The release number (read once per process): a release ships pyproject.toml beside the code."""
    pyproject = Path(settings.BASE_DIR) / "pyproject.toml"
    try:
        with pyproject.open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("loanlit")
    except metadata.PackageNotFoundError:
        return UNKNOWN


@lru_cache(maxsize=1)
def git_describe() -> str:
    """``git describe --tags --always --dirty`` of a checkout, "" when there is no git or no repository."""
    base = Path(settings.BASE_DIR)
    if not (base / ".git").exists():
        return ""
    try:
        done = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],  # noqa: S607 (git from PATH)
            cwd=base,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
