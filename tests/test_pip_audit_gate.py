"""The dependency-audit verdict (scripts/pip_audit_gate.py), and scripts/pip_audit.sh around a stand-in
pip-audit: clean passes, a finding fails, an unreachable service passes with a note, other failures fail."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("pip_audit_gate", ROOT / "scripts" / "pip_audit_gate.py")
assert _spec and _spec.loader
gate = importlib.util.module_from_spec(_spec)
sys.modules["pip_audit_gate"] = gate  # dataclasses look their module up there
_spec.loader.exec_module(gate)

CLEAN_REPORT = json.dumps(
    {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {"name": "pypdf", "version": "7.1.1", "vulns": []},
        ],
        "fixes": [],
    }
)
VULNERABLE_REPORT = json.dumps(
    {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {
                "name": "oldlib",
                "version": "1.0",
                "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["1.1", "2.0"], "aliases": [], "description": "x"}],
            },
        ],
        "fixes": [],
    }
)
UNREACHABLE_STDERR = (
    "Traceback (most recent call last):\n  ...\nrequests.exceptions.ConnectionError: HTTPSConnectionPool("
    "host='pypi.org', port=443): Max retries exceeded with url: /pypi/django/5.2.19/json\n"
)


def test_a_clean_report_passes():
    verdict = gate.decide(0, CLEAN_REPORT, "")

    assert (verdict.status, verdict.message) == (0, "pip-audit: no known vulnerabilities in 2 packages")


def test_a_report_with_a_vulnerability_fails_and_names_it():
    verdict = gate.decide(1, VULNERABLE_REPORT, "")

    assert verdict.status == 1
    assert verdict.message == "pip-audit: 1 known vulnerabilities\n  oldlib 1.0: PYSEC-2026-1 (fixed in 1.1, 2.0)"


def test_an_unreachable_service_is_reported_as_not_checked_and_passes():
    verdict = gate.decide(1, None, UNREACHABLE_STDERR)

    assert (verdict.status, verdict.message) == (0, "pip-audit: not checked (service unreachable)")


def test_a_run_cut_off_by_the_timeout_is_not_checked():
    assert gate.decide("timeout", None, "") == gate.Verdict(
        0, "pip-audit: not checked (service unreachable): timed out"
    )


def test_a_report_where_no_package_could_be_looked_up_is_not_checked():
    report = json.dumps({"dependencies": [{"name": "six", "skip_reason": "Dependency not found on PyPI"}], "fixes": []})

    verdict = gate.decide(0, report, "")

    assert verdict == gate.Verdict(
        0, "pip-audit: not checked (service unreachable): none of 1 packages could be looked up"
    )


def test_some_packages_not_audited_are_counted_but_do_not_fail():
    report = json.dumps(
        {"dependencies": [{"name": "a", "version": "1", "vulns": []}, {"name": "b", "skip_reason": "x"}], "fixes": []}
    )

    assert gate.decide(0, report, "") == gate.Verdict(
        0, "pip-audit: no known vulnerabilities in 1 packages, 1 not audited"
    )


@pytest.mark.parametrize("report", [None, "", "{not json"])
def test_a_crash_that_is_not_a_network_error_fails(report):
    verdict = gate.decide(1, report, "pip_audit._cli: requirements.txt: invalid requirement 'django=='\n")

    assert verdict.status == 2
    assert verdict.message.startswith("pip-audit: failed (exit status 1)")
    assert "invalid requirement" in verdict.message


# --- the shell script around a stand-in pip-audit ---------------------------------------------------------


def _run_script(
    tmp_path: Path, *, exit_status: int, report: str | None, stderr: str = ""
) -> subprocess.CompletedProcess:
    fake = tmp_path / "pip-audit"
    lines = ["#!/usr/bin/env bash", 'while [ $# -gt 0 ]; do [ "$1" = "-o" ] && out=$2; shift; done']
    if report is not None:
        (tmp_path / "canned.json").write_text(report, encoding="utf-8")
        lines.append(f'cp {tmp_path / "canned.json"} "$out"')
    if stderr:
        (tmp_path / "canned.err").write_text(stderr, encoding="utf-8")
        lines.append(f"cat {tmp_path / 'canned.err'} >&2")
    lines.append(f"exit {exit_status}")
    fake.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fake.chmod(0o755)
    env = {**os.environ, "PIP_AUDIT": str(fake), "PYTHON": sys.executable}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "pip_audit.sh")], env=env, capture_output=True, text=True, timeout=60
    )


def test_script_exits_0_when_clean(tmp_path):
    result = _run_script(tmp_path, exit_status=0, report=CLEAN_REPORT)

    assert (result.returncode, result.stdout) == (0, "pip-audit: no known vulnerabilities in 2 packages\n")


def test_script_exits_1_when_vulnerabilities_are_found(tmp_path):
    result = _run_script(tmp_path, exit_status=1, report=VULNERABLE_REPORT)

    assert result.returncode == 1
    assert "oldlib 1.0: PYSEC-2026-1" in result.stdout


def test_script_exits_0_and_says_not_checked_when_the_service_is_unreachable(tmp_path):
    result = _run_script(tmp_path, exit_status=1, report=None, stderr=UNREACHABLE_STDERR)

    assert (result.returncode, result.stdout) == (0, "pip-audit: not checked (service unreachable)\n")
