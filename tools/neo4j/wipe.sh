#!/usr/bin/env bash
# Stops the local Neo4j and deletes its data (everything start.sh and Neo4j put in
# $MEUTE_NEO4J_HOME). Only known entries are removed, so a mistaken MEUTE_NEO4J_HOME
# does not delete unrelated files.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

"$NEO4J_TOOL_DIR/stop.sh"

if [[ -d "$MEUTE_NEO4J_HOME" ]]; then
    rm -rf -- "$MEUTE_NEO4J_HOME/data" "$MEUTE_NEO4J_HOME/logs" \
        "$NEO4J_LOG_FILE" "$NEO4J_LOG_FILE.1" "$NEO4J_PID_FILE" "$MEUTE_NEO4J_HOME/start.lock"
    rmdir -- "$MEUTE_NEO4J_HOME" 2>/dev/null \
        || n4j_log "note: $MEUTE_NEO4J_HOME kept: it holds other files" >&2
fi
n4j_log "wiped $MEUTE_NEO4J_HOME"
