#!/usr/bin/env bash
# Stops the local Neo4j started by start.sh (SIGTERM, then SIGKILL after a timeout).
# Exit 0 if it is not running.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

if ! pid="$(n4j_running_pid)"; then
    rm -f "$NEO4J_PID_FILE"
    n4j_log "not running"
    if n4j_port_open; then
        n4j_log "note: something else answers on port $MEUTE_NEO4J_PORT; not started by start.sh, left alone" >&2
    fi
    exit 0
fi

n4j_log "stopping (pid $pid)"
kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + MEUTE_NEO4J_STOP_TIMEOUT))
while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
        n4j_log "still running after ${MEUTE_NEO4J_STOP_TIMEOUT}s; sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
        break
    fi
    sleep 0.2
done
rm -f "$NEO4J_PID_FILE"
n4j_log "stopped"
