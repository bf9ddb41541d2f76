# Loanlit — every target installs what it needs from the repo's own files.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
STAMP := $(VENV)/.installed
VENDOR_STAMP := static/vendor/.installed
export LOANLIT_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/loanlit_test

.PHONY: help install run serve test lint bench bench-smoke messages clean system-packages browser-packages office-packages ldap-packages check-tools audit-deps

help:
	@echo "make run     set up (first time) and start Loanlit on http://127.0.0.1:8000 with demo data"
	@echo "make test    run the whole test suite (SQLite, PostgreSQL, browser, MariaDB smoke when reachable)"
	@echo "make install dependencies only (idempotent)"
	@echo "make lint    ruff, import contracts, domain-write check, mypy"
	@echo "make serve   gunicorn + worker with production settings"
	@echo "make bench   benchmarks with ratios against their floors"
	@echo "make office-packages  LibreOffice for .docx/.xlsx previews and PDF output (optional)"

check-tools:
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required: install python3.11 (e.g. 'apt-get install python3.11 python3.11-venv') and run make again."; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "Node.js and npm are required for the front-end libraries: install them (e.g. 'apt-get install nodejs npm') and run make again."; exit 1; }

# System packages the product needs at run time: a CJK font (PDFs, screenshots) and gettext (translations).
# python-ldap (bank sign-on) is built from source: it needs the OpenLDAP and SASL headers.
system-packages:
	@bash scripts/apt_ensure.sh fonts-noto-cjk:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc gettext:/usr/bin/msgfmt
	@bash scripts/apt_ensure.sh libldap2-dev:/usr/include/ldap.h libsasl2-dev:/usr/include/sasl/sasl.h

# Tests only: a throw-away OpenLDAP server for the LDAP sign-in tests (loanlit/accounts/tests/test_sso_ldap.py).
ldap-packages:
	@bash scripts/apt_ensure.sh slapd:/usr/sbin/slapd ldap-utils:/usr/bin/ldapadd

browser-packages:
	@bash scripts/apt_ensure.sh chromium:/usr/bin/chromium fonts-noto-cjk:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

# LibreOffice (optional at run time): .docx/.xlsx previews and PDF output of generated documents.
office-packages:
	@bash scripts/apt_ensure.sh libreoffice-writer-nogui:/usr/lib/libreoffice/program/libswlo.so libreoffice-calc-nogui:/usr/lib/libreoffice/program/libsclo.so fonts-noto-cjk:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

$(STAMP): requirements.txt requirements-dev.txt
	@$(MAKE) --no-print-directory check-tools
	@test -x $(PYTHON) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

$(VENDOR_STAMP): package.json package-lock.json scripts/vendor.sh
	@$(MAKE) --no-print-directory check-tools
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	bash scripts/vendor.sh
	@touch $(VENDOR_STAMP)

install: system-packages $(STAMP) $(VENDOR_STAMP) messages

messages: $(STAMP)
	@cd $(CURDIR) && LOANLIT_TESTING=true $(PYTHON) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

run: install
	LOANLIT_DEBUG=true $(PYTHON) manage.py migrate --noinput -v 0
	LOANLIT_DEBUG=true $(PYTHON) manage.py bootstrap
	LOANLIT_DEBUG=true bash scripts/run_dev.sh

serve: install
	bash scripts/serve.sh

test: install browser-packages office-packages ldap-packages
	bash scripts/test_stages.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	LOANLIT_TESTING=true $(PYTHON) scripts/check_domain_writes.py
	LOANLIT_TESTING=true $(BIN)/mypy loanlit/law $$(ls loanlit/*/services.py loanlit/*/services/*.py loanlit/*/services/*/*.py 2>/dev/null)

bench: install
	LOANLIT_TESTING=true $(PYTHON) bench/run.py

bench-smoke: install
	LOANLIT_TESTING=true $(PYTHON) bench/run.py --smoke

clean:
	rm -rf $(VENV) node_modules static/vendor var/staticfiles

# Known vulnerabilities in requirements.txt (PyPI advisories); passes with a note when offline.
audit-deps: $(STAMP)
	bash scripts/pip_audit.sh requirements.txt
