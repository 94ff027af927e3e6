# Qiwang: `make demo` runs the web application with demo data; `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime
CHECK_PYTHON = @$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Qiwang needs Python 3.11 (found %d.%d); set PYTHON=/path/to/python3.11" % sys.version_info[:2])'

.PHONY: install install-runtime demo serve test lint lock messages clean

# Two locks by purpose: requirements.lock is what runs Qiwang (make serve, the container);
# requirements-dev.lock adds the test, lint and benchmark tools (make demo, make test).
$(STAMP): pyproject.toml requirements-dev.lock
	$(CHECK_PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@ $(RUNTIME_STAMP)

$(RUNTIME_STAMP): pyproject.toml requirements.lock
	$(CHECK_PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

install: $(STAMP)
	@$(BIN)/qiwang compilemessages > /dev/null

install-runtime: $(RUNTIME_STAMP)
	@$(BIN)/qiwang compilemessages > /dev/null

demo: install
	$(BIN)/qiwang demo --port $(PORT)

serve: install-runtime
	$(BIN)/qiwang serve --port $(PORT)

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

# Re-resolve the locked dependencies after editing pyproject.toml.
lock:
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 -c requirements.lock -o requirements-dev.lock

# Refresh the translation catalogues from the source (needs GNU gettext).
messages: install
	cd src/qiwang && ../../$(BIN)/qiwang manage makemessages --locale zh_Hans --locale en --no-obsolete --ignore 'analysis/*'
	$(BIN)/python scripts/zh_hans.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
