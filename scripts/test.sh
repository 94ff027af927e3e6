#!/usr/bin/env bash
# Every check, in the order a reviewer would want them: lint, types, the suite on SQLite with
# coverage, then the suite again on PostgreSQL. With CI set, PostgreSQL is required and a
# skipped test fails the run (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${QIWANG_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

echo "== ruff (lint and format) =="
$BIN/ruff check src tests benchmarks scripts
$BIN/ruff format --check src tests benchmarks scripts
echo "== mypy (qiwang.analysis, strict) =="
$BIN/mypy

echo "== test suite on SQLite =="
env -u DATABASE_URL $BIN/pytest -p no:cacheprovider --cov --cov-report=term:skip-covered "$@"

echo "== test suite on PostgreSQL ($PG_URL) =="
if $BIN/python - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].replace("postgres://", "postgresql://", 1)
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as error:
    print(f"PostgreSQL not reachable: {error}".splitlines()[0])
    sys.exit(1)
PY
then
  DATABASE_URL=$PG_URL $BIN/pytest -p no:cacheprovider "$@"
elif [[ -n ${CI:-} ]]; then
  echo "CI: PostgreSQL at $PG_URL is required." >&2
  exit 1
else
  echo "Skipped the PostgreSQL run (start PostgreSQL or set QIWANG_TEST_POSTGRES_URL); CI requires it."
fi
