#!/usr/bin/env bash
# Known vulnerabilities in the pinned dependencies (PyPI's advisory data), without installing anything:
# every line is pinned, so pip-audit looks each one up as written (--no-deps --disable-pip).
#   scripts/pip_audit.sh [REQUIREMENTS_FILE...]     (default: requirements.txt, what production runs)
# Exit 0: clean, or not checked because the service cannot be reached (it says so); 1: vulnerabilities
# found; 2: pip-audit failed otherwise. The verdict is scripts/pip_audit_gate.py (tested offline).
# PIP_AUDIT_TIMEOUT: seconds for the whole run (default 300).
set -u
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
pip_audit=${PIP_AUDIT:-.venv/bin/pip-audit}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(requirements.txt)
args=()
for file in "${files[@]}"; do args+=(-r "$file"); done
status=0
timeout "${PIP_AUDIT_TIMEOUT:-300}" "$pip_audit" "${args[@]}" --no-deps --disable-pip --vulnerability-service pypi \
  --progress-spinner off --timeout 15 -f json -o "$work/report.json" 2>"$work/stderr" >/dev/null || status=$?
[ "$status" -eq 124 ] && status=timeout
"$python" scripts/pip_audit_gate.py --returncode "$status" --report "$work/report.json" --stderr "$work/stderr"
