# Qiwang: `make demo` runs the web application with demo data; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: install demo serve test lint lock messages clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Qiwang needs Python 3.11 (found %d.%d); set PYTHON=/path/to/python3.11" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(STAMP)
	@$(BIN)/qiwang compilemessages > /dev/null

demo: install
	$(BIN)/qiwang demo --port $(PORT)

serve: install
	$(BIN)/qiwang serve --port $(PORT)

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

# Re-resolve the locked dependencies after editing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# Refresh the translation catalogues from the source (needs GNU gettext).
messages: install
	cd src/qiwang && ../../$(BIN)/qiwang manage makemessages --locale zh_Hans --locale en --no-obsolete --ignore 'analysis/*' --ignore 'cli/analyze/*'
	$(BIN)/python scripts/zh_hans.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
