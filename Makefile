# Closet Call — two commands on a fresh machine:
#   make run    set up, migrate, load demo data, serve http://127.0.0.1:8000
#   make test   set up (dev tools, Debian Chromium), lint, run the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-dev browser lint format i18n bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/closetcall migrate
	$(BIN)/closetcall demo
	@echo ""
	@echo "Closet Call is starting on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(BIN)/closetcall serve --host $(HOST) --port $(PORT)

# Browser tests need Debian's Chromium and a CJK font; install them when missing and apt is usable.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's chromium and fonts-noto-cjk ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "Chromium missing and apt-get unavailable: browser tests will be skipped (or fail in CI)."; \
	  fi; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install-dev browser lint
	$(BIN)/pytest

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract messages after changing visible strings, then translate the new entries in ja.
i18n: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k gettext --no-location --sort-output -o web/locale/messages.pot .
	$(BIN)/pybabel update -i web/locale/messages.pot -d web/locale --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
