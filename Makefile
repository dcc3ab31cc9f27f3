# Two commands: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-fast install install-dev lint bench soak clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed-demo --if-empty
	@echo "演示账号（仅供演示，密码均为 demo-password）：admin（系统管理员）, secadmin（安全管理员）, auditor（审计管理员）, staff, unit_edu, unit_health, reviewer1…reviewer5"
	@echo "打开 http://127.0.0.1:$${PORT:-8000}"
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install-dev
	./scripts/test.sh

# The developer loop: unit and HTTP tests on SQLite, in parallel; no browser, no servers,
# no document conversion (those run in `make test` and CI).
test-fast: install-dev
	$(BIN)/python -m pytest -p no:cacheprovider -q -n auto -m "not slow and not browser" --ignore=tests/e2e

lint: install-dev
	$(BIN)/ruff check tracker tests bench scripts migrations

bench: install-dev
	scripts/bench.sh

soak: install-dev
	$(BIN)/python -m bench.soak
