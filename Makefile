# tonearm — `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Debian packages the tests use; PostgreSQL 15 server binaries come from postgresql-15.
APT_PACKAGES := redis-server ffmpeg nginx chromium wrk
# Debian package -> the command that shows it is installed (nodejs gives `node`).
APT_COMMANDS := nodejs:node npm:npm
# The npm Subsonic client library the tests drive tonearm with (package-lock.json pins it).
JS_CLIENT := tests/clients/js

.PHONY: help run install install-test system-deps test lint bench clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: apt-get install -y python3-venv"; exit 1; }
	@$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Create .venv and install tonearm

$(JS_CLIENT)/node_modules/.installed: $(JS_CLIENT)/package.json $(JS_CLIENT)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: make system-deps (Debian nodejs npm)"; exit 1; }
	npm ci --prefix $(JS_CLIENT) --no-audit --no-fund
	@touch $@

install-test: $(VENV)/.installed-test $(JS_CLIENT)/node_modules/.installed ## Install tonearm with what the tests need (and the npm client library)

run: install ## Install, add a generated demo library, serve at http://127.0.0.1:8080
	$(BIN)/tonearm demo
	$(BIN)/tonearm serve

system-deps: ## Install the Debian packages the tests and benchmarks need (redis-server, ffmpeg, nginx, chromium, wrk, nodejs, npm, PostgreSQL 15)
	@missing=""; \
	for tool in $(APT_PACKAGES); do command -v $$tool >/dev/null || [ -x /usr/sbin/$$tool ] || missing="$$missing $$tool"; done; \
	for pair in $(APT_COMMANDS); do command -v $${pair#*:} >/dev/null || missing="$$missing $${pair%%:*}"; done; \
	[ -x /usr/lib/postgresql/15/bin/initdb ] || missing="$$missing postgresql-15"; \
	$(PYTHON) -m venv --help >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	  case "$$missing" in *nginx*) $$SUDO systemctl disable --now nginx >/dev/null 2>&1 || true;; esac; \
	fi

test: system-deps install-test ## Install everything the tests need, then run the whole suite
	PYTHONPATH=. $(BIN)/pytest -q -n 2 --dist loadfile --ignore=tests/web
	@# The browser tests drive Playwright's sync API, which cannot share a process with the
	@# asyncio tests' event loop: they run on their own workers, after the rest.
	PYTHONPATH=. $(BIN)/pytest -q -n 2 --dist loadfile tests/web

lint: install-test ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

bench: install-test ## Run every benchmark under bench/ (each prints its figures)
	$(BIN)/pip install -q -e '.[test,bench]'
	@for script in bench/*.py; do [ -e "$$script" ] || continue; echo "== $$script"; PYTHONPATH=. $(BIN)/python $$script || exit 1; done

clean: ## Remove the virtualenv and caches (keeps tonearm-data/)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache src/*.egg-info
