#!/usr/bin/env bash
# `make run`: the web server on 127.0.0.1:$LOANLIT_PORT and one run_worker beside it; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${LOANLIT_PORT:-8000}
.venv/bin/python manage.py run_worker &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo "Loanlit: http://127.0.0.1:$port  (worker pid $worker; Ctrl-C stops both)"
.venv/bin/python manage.py runserver "127.0.0.1:$port"
