#!/usr/bin/env bash
# Replaces the local server's `neo4j` database by a bulk import of CSV files:
# stop -> neo4j-admin database import full -> start.
#
#   tools/neo4j/import.sh DIR
#
# DIR holds the CSV files and `import.args`, neo4j-admin's arguments one per line (written by
# `meute import --bulk`, graph/neo4j_bulk.py). neo4j-admin is the official tool
# (org.neo4j.cli.AdminTool) from the same Maven build as the server. Community edition imports
# only while the server is stopped: the server is stopped first and started again afterwards,
# also when the import fails.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

dir="${1:?usage: import.sh DIR (CSV files and import.args)}"
dir="$(cd "$dir" && pwd)"
[[ -f "$dir/import.args" ]] || { n4j_log "no $dir/import.args" >&2; exit 2; }
mapfile -t args < "$dir/import.args"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

"$NEO4J_TOOL_DIR/build.sh"
t0="$(now)"
"$NEO4J_TOOL_DIR/stop.sh"
n4j_log "phase stop $(since "$t0") s"

# neo4j-admin reads its configuration from $NEO4J_CONF; the launcher keeps its data in
# $MEUTE_NEO4J_HOME/data, which is neo4j-admin's default under NEO4J_HOME.
conf="$MEUTE_NEO4J_HOME/conf"
mkdir -p "$conf"
[[ -f "$conf/neo4j.conf" ]] || : > "$conf/neo4j.conf"

n4j_log "bulk import into $MEUTE_NEO4J_HOME (database neo4j)"
t0="$(now)"
status=0
NEO4J_HOME="$MEUTE_NEO4J_HOME" NEO4J_CONF="$conf" \
    "$NEO4J_JAVA" "-Xmx${MEUTE_NEO4J_IMPORT_HEAP:-1g}" \
    --add-opens=java.base/java.nio=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED \
    -cp "$NEO4J_TARGET/classes:$NEO4J_TARGET/dependency/*" org.neo4j.cli.AdminTool \
    database import full \
    --overwrite-destination=true \
    --max-off-heap-memory="${MEUTE_NEO4J_IMPORT_MEMORY:-1g}" \
    --report-file="$dir/import.report" \
    "${args[@]}" neo4j || status=$?
n4j_log "phase import $(since "$t0") s"

t0="$(now)"
"$NEO4J_TOOL_DIR/start.sh" > /dev/null
n4j_log "phase start $(since "$t0") s"
if ((status != 0)); then
    n4j_log "import FAILED (exit $status); the server is running again" >&2
    exit "$status"
fi
n4j_log "imported; server running on bolt://127.0.0.1:$MEUTE_NEO4J_PORT"
