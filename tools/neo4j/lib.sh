# Shared settings and helpers for tools/neo4j/*.sh. Sourced, not executed.
# shellcheck shell=bash

NEO4J_TOOL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$NEO4J_TOOL_DIR/../.." && pwd)"

MEUTE_NEO4J_PORT="${MEUTE_NEO4J_PORT:-17687}"
MEUTE_NEO4J_HOME="${MEUTE_NEO4J_HOME:-$REPO_ROOT/.neo4j-local}"
case "$MEUTE_NEO4J_HOME" in /*) ;; *) MEUTE_NEO4J_HOME="$PWD/$MEUTE_NEO4J_HOME" ;; esac
# Set but empty => authentication disabled.
MEUTE_NEO4J_PASSWORD="${MEUTE_NEO4J_PASSWORD-meute-dev-password}"
MEUTE_NEO4J_HEAP="${MEUTE_NEO4J_HEAP:-1g}"                  # JVM -Xmx
MEUTE_NEO4J_HEAP_INITIAL="${MEUTE_NEO4J_HEAP_INITIAL:-256m}" # JVM -Xms
MEUTE_NEO4J_PAGECACHE="${MEUTE_NEO4J_PAGECACHE:-256m}"
MEUTE_NEO4J_START_TIMEOUT="${MEUTE_NEO4J_START_TIMEOUT:-180}"
MEUTE_NEO4J_STOP_TIMEOUT="${MEUTE_NEO4J_STOP_TIMEOUT:-60}"
export MEUTE_NEO4J_PORT MEUTE_NEO4J_HOME MEUTE_NEO4J_PASSWORD MEUTE_NEO4J_PAGECACHE

NEO4J_PID_FILE="$MEUTE_NEO4J_HOME/neo4j.pid"
NEO4J_LOG_FILE="$MEUTE_NEO4J_HOME/neo4j.log"
NEO4J_TARGET="$NEO4J_TOOL_DIR/target"
NEO4J_MAIN_CLASS="meute.neo4j.Launcher"
NEO4J_JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

n4j_log() { echo "[neo4j] $*"; }

# Prints the pid from the pid file if that process is alive and is our launcher.
n4j_running_pid() {
    local pid
    [[ -f "$NEO4J_PID_FILE" ]] || return 1
    pid="$(tr -dc '0-9' < "$NEO4J_PID_FILE")"
    [[ -n "$pid" ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Guard against pid reuse: the process must be our launcher.
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$NEO4J_MAIN_CLASS" || return 1
    echo "$pid"
}

# True if something accepts TCP connections on 127.0.0.1:$MEUTE_NEO4J_PORT.
n4j_port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$MEUTE_NEO4J_PORT" 2>/dev/null
}

n4j_print_hints() {
    echo "export MEUTE_GRAPH=neo4j"
    echo "export MEUTE_NEO4J_URI=bolt://127.0.0.1:$MEUTE_NEO4J_PORT"
    echo "export MEUTE_NEO4J_USER=neo4j"
    if [[ -n "$MEUTE_NEO4J_PASSWORD" ]]; then
        echo "export MEUTE_NEO4J_PASSWORD=$MEUTE_NEO4J_PASSWORD"
    else
        echo "export MEUTE_NEO4J_PASSWORD=   # auth disabled"
    fi
}
