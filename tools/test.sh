#!/usr/bin/env bash
# Set up Meute if needed, then run the linters, the type checker and the whole test suite.
# Without MEUTE_NEO4J_URI, a local Neo4j is started for the integration tests and stopped after.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/bootstrap.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

if [ -z "${MEUTE_NEO4J_URI:-}" ]; then
  export MEUTE_NEO4J_HOME="$root/.neo4j-test" MEUTE_NEO4J_PORT="${MEUTE_NEO4J_TEST_PORT:-17688}"
  export MEUTE_NEO4J_PASSWORD="${MEUTE_NEO4J_PASSWORD:-meute-test-password}"
  trap 'bash tools/neo4j/stop.sh >/dev/null' EXIT
  bash tools/neo4j/start.sh >/dev/null
  export MEUTE_NEO4J_URI="bolt://127.0.0.1:$MEUTE_NEO4J_PORT" MEUTE_NEO4J_USER=neo4j
fi
# The browser tests drive Debian's Chromium (not a Playwright download); CI installs it here.
command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
.venv/bin/python -m pytest "$@"
