"""Turn one pip-audit run into a verdict: clean (0), vulnerabilities (1), not checked (0), or failed (2).

scripts/pip_audit.sh runs ``pip-audit -f json -o REPORT`` and hands this script pip-audit's exit status
(``timeout`` when it was killed), the JSON report (absent when pip-audit crashed) and its stderr. The
vulnerability service is on the internet: when it cannot be reached the run says so and passes, so an
offline build does not fail; a finding always fails. Anything else (a requirements file pip-audit cannot
read, a crash that is not a network error) fails with exit status 2.

    python scripts/pip_audit_gate.py --returncode N --report REPORT.json --stderr STDERR.txt
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

CLEAN, VULNERABLE, FAILED = 0, 1, 2
NOT_CHECKED = "pip-audit: not checked (service unreachable)"
# What requests/urllib3/socket say when the vulnerability service cannot be reached.
UNREACHABLE = re.compile(
    r"ConnectionError|ProxyError|MaxRetryError|NewConnectionError|ConnectTimeout|ReadTimeout|Timeout|SSLError|"
    r"Name or service not known|Temporary failure in name resolution|Network is unreachable|"
    r"No route to host|Connection refused|Connection reset|ServiceError"
)


@dataclass(frozen=True)
class Verdict:
    status: int
    message: str


def decide(returncode: int | str, report: str | None, stderr: str = "") -> Verdict:
    """The verdict for one run; ``report`` is the JSON text pip-audit wrote, or None when it wrote none."""
    if returncode == "timeout":
        return Verdict(CLEAN, NOT_CHECKED + ": timed out")
    data = None
    if report:
        try:
            data = json.loads(report)
        except ValueError:
            data = None
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        if UNREACHABLE.search(stderr):
            return Verdict(CLEAN, NOT_CHECKED)
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        return Verdict(FAILED, f"pip-audit: failed (exit status {returncode})" + (f"\n{tail}" if tail else ""))
    dependencies = [d for d in data["dependencies"] if isinstance(d, dict)]
    findings = [
        f"  {d.get('name')} {d.get('version')}: {v.get('id')}"
        + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else "")
        for d in dependencies
        for v in d.get("vulns") or []
    ]
    if findings:
        return Verdict(VULNERABLE, f"pip-audit: {len(findings)} known vulnerabilities\n" + "\n".join(findings))
    audited = [d for d in dependencies if not d.get("skip_reason")]
    skipped = len(dependencies) - len(audited)
    if dependencies and not audited:
        # Every lookup came back empty-handed (e.g. a mirror without PyPI's JSON API): nothing was checked.
        return Verdict(CLEAN, NOT_CHECKED + f": none of {skipped} packages could be looked up")
    if returncode not in (0, "0"):
        return Verdict(FAILED, f"pip-audit: failed (exit status {returncode}) without naming a vulnerability")
    note = f", {skipped} not audited" if skipped else ""
    return Verdict(CLEAN, f"pip-audit: no known vulnerabilities in {len(audited)} packages{note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returncode", required=True, help="pip-audit's exit status, or 'timeout'")
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--stderr", type=Path, required=True)
    args = parser.parse_args(argv)
    code: int | str = int(args.returncode) if args.returncode.lstrip("-").isdigit() else args.returncode
    report = args.report.read_text(encoding="utf-8") if args.report.is_file() else None
    stderr = args.stderr.read_text(encoding="utf-8", errors="replace") if args.stderr.is_file() else ""
    verdict = decide(code, report, stderr)
    print(verdict.message)
    return verdict.status


if __name__ == "__main__":
    sys.exit(main())
