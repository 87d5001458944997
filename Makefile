# Two entry points a new machine needs: `make run` (the product) and `make test` (everything CI checks).
# Both call `install`, which is idempotent: it re-runs a step only when its inputs changed.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
APT_PACKAGES := chromium chromium-driver poppler-utils postgresql libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 fonts-dejavu-core
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint typecheck unit bench kb-check clean

install: $(STAMPS)/apt $(STAMPS)/venv

# System packages: Chromium for browser tests, poppler for PDF checks, PostgreSQL for the second database,
# pango for WeasyPrint. Skipped when every package is already installed (so it also works without root then).
$(STAMPS)/apt: Makefile
	@mkdir -p $(STAMPS)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@touch $@

# The virtual environment, pinned by constraints.txt. Rebuilt only when pyproject or the pins change.
$(STAMPS)/venv: pyproject.toml constraints.txt
	@mkdir -p $(STAMPS)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

run: install
	$(BIN)/rejuv serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

kb-check: install
	$(BIN)/rejuv kb check

test: install lint typecheck kb-check
	bash scripts/test.sh

bench: install
	$(BIN)/python bench/recommend_bench.py

clean:
	rm -rf $(VENV) $(STAMPS)
