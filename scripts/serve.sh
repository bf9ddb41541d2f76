#!/usr/bin/env bash
# `make serve`: production settings — gunicorn on 0.0.0.0:$LOANLIT_PORT plus one worker process.
# Needs LOANLIT_SECRET_KEY, LOANLIT_ENCRYPTION_KEY, LOANLIT_HMAC_KEY and LOANLIT_ALLOWED_HOSTS (docs/configuration.md).
# docs/deployment.md describes the same processes as systemd units behind nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${LOANLIT_PORT:-8000}
workers=${LOANLIT_WEB_WORKERS:-3}
.venv/bin/python manage.py check --deploy --fail-level ERROR
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py run_worker &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
# Request metrics from every gunicorn worker are merged through files in a fresh directory (loanlit/ops/metrics.py);
# stale files of an earlier run would be counted again, so it is emptied first.
rm -rf var/prometheus
mkdir -p var/prometheus
PROMETHEUS_MULTIPROC_DIR="$PWD/var/prometheus" .venv/bin/gunicorn config.wsgi:application \
  -c loanlit/ops/gunicorn_conf.py --bind "0.0.0.0:$port" --workers "$workers"
