#!/usr/bin/env bash
# Property-based API test: serve the app on a free port over a throw-away SQLite database with demo data,
# create an API key for a read+write service user (the demo legal manager, every code of the role), and run
# schemathesis against /api/schema/: no 5xx, responses (and status codes) as the schema says. Bounded:
# a few examples per operation and a wall-clock cap (SCHEMATHESIS_TIMEOUT, default 240 s).
#
#   scripts/schemathesis.sh                 # everything the schema lists, except the operations below
#   SCHEMATHESIS_EXAMPLES=10 scripts/schemathesis.sh
#
# Excluded: DELETE (destructive, and nothing in the schema is meant to be fuzzed away) and POST on
# /api/v1/imports/ and /api/v1/documents/ (multipart uploads start jobs and write files: heavy, covered by
# their own tests).
set -euo pipefail
cd "$(dirname "$0")/.."

examples=${SCHEMATHESIS_EXAMPLES:-5}
cap=${SCHEMATHESIS_TIMEOUT:-240}
work=$(mktemp -d "${TMPDIR:-/tmp}/loanlit-schemathesis.XXXXXX")
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

export LOANLIT_DEBUG=false LOANLIT_HTTPS=false LOANLIT_TESTING=false
export LOANLIT_DATABASE_URL="sqlite:///$work/db.sqlite3"
export LOANLIT_SECRET_KEY="schemathesis-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')"
export LOANLIT_ENCRYPTION_KEY="st1:$(.venv/bin/python -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')"
export LOANLIT_HMAC_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')"
export LOANLIT_ADMIN_PASSWORD="Schemathesis-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(12))')"
export LOANLIT_ALLOWED_HOSTS="127.0.0.1,localhost"
export LOANLIT_MEDIA_ROOT="$work/media" LOANLIT_BACKUP_DIR="$work/backups" LOANLIT_DROP_ROOT="$work/drop"
export LOANLIT_BACKUP_SCHEDULE=false LOANLIT_API_RATE_LIMIT="100000/min" LOANLIT_LOG_FORMAT=plain

echo "schemathesis: preparing $work (port $port)"
.venv/bin/python manage.py migrate --no-input -v 0
.venv/bin/python manage.py bootstrap --no-portfolio > "$work/bootstrap.log"
.venv/bin/python manage.py generate_cases --count 12 --actor legal.manager > "$work/cases.log"
key=$(.venv/bin/python manage.py api_key_create --user legal.manager --codes role --name schemathesis | tail -n 1)

.venv/bin/python manage.py runserver "127.0.0.1:$port" --noreload --nothreading > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
    if curl -fsS -o /dev/null -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/schema/"; then break; fi
    sleep 1
done

status=0
timeout "$cap" .venv/bin/schemathesis run "http://127.0.0.1:$port/api/schema/" \
    -H "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance \
    --max-examples "$examples" \
    --phases "${SCHEMATHESIS_PHASES:-fuzzing}" \
    --workers 1 \
    --seed 12 \
    --request-timeout 30 \
    --exclude-method DELETE \
    --exclude-operation-id imports_create \
    --exclude-operation-id documents_create \
    || status=$?
if [ "$status" -ne 0 ]; then
    echo "schemathesis: failed (exit $status); server log tail:" >&2
    tail -n 40 "$work/server.log" >&2 || true
fi
exit "$status"
