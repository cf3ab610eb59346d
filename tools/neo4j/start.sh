#!/usr/bin/env bash
# Starts the local Neo4j (Bolt on 127.0.0.1:$MEUTE_NEO4J_PORT) in the background and
# returns once it is ready. Exit 0 if it is already running.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

mkdir -p "$MEUTE_NEO4J_HOME"
# One start at a time for a given home.
exec 9>"$MEUTE_NEO4J_HOME/start.lock"
flock -w 900 9 || { n4j_log "could not get $MEUTE_NEO4J_HOME/start.lock"; exit 1; }

ready() { grep -q "READY bolt://" "$NEO4J_LOG_FILE" 2>/dev/null && n4j_port_open; }

if pid="$(n4j_running_pid)" && ready; then
    n4j_log "already running (pid $pid) on bolt://127.0.0.1:$MEUTE_NEO4J_PORT"
    n4j_print_hints
    exit 0
fi

if [[ -z "${pid:-}" ]]; then
    rm -f "$NEO4J_PID_FILE"
    if n4j_port_open; then
        n4j_log "port $MEUTE_NEO4J_PORT is already in use by another process; set MEUTE_NEO4J_PORT" >&2
        exit 1
    fi

    "$NEO4J_TOOL_DIR/build.sh"

    [[ -f "$NEO4J_LOG_FILE" ]] && mv -f "$NEO4J_LOG_FILE" "$NEO4J_LOG_FILE.1"
    java_opts=(
        "-Xms$MEUTE_NEO4J_HEAP_INITIAL"
        "-Xmx$MEUTE_NEO4J_HEAP"
        -XX:+UseG1GC
        -XX:+ExitOnOutOfMemoryError
        -XX:-OmitStackTraceInFastThrow
        -Djdk.nio.maxCachedBufferSize=1024
        -Dio.netty.tryReflectionSetAccessible=true
        -Dlog4j2.disable.jmx=true
        # Same opens as Neo4j's own server launcher (native file access, Netty).
        --add-opens=java.base/java.nio=ALL-UNNAMED
        --add-opens=java.base/java.io=ALL-UNNAMED
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
        --add-opens=java.base/java.lang=ALL-UNNAMED
    )
    # shellcheck disable=SC2206
    extra_opts=(${MEUTE_NEO4J_JAVA_OPTS:-})
    n4j_log "starting Neo4j on bolt://127.0.0.1:$MEUTE_NEO4J_PORT (home $MEUTE_NEO4J_HOME, heap $MEUTE_NEO4J_HEAP, page cache $MEUTE_NEO4J_PAGECACHE)"
    cd "$MEUTE_NEO4J_HOME"
    nohup "$NEO4J_JAVA" "${java_opts[@]}" "${extra_opts[@]}" \
        -cp "$NEO4J_TARGET/classes:$NEO4J_TARGET/dependency/*" "$NEO4J_MAIN_CLASS" \
        >> "$NEO4J_LOG_FILE" 2>&1 < /dev/null 9>&- &
    pid=$!
    echo "$pid" > "$NEO4J_PID_FILE"
else
    n4j_log "already starting (pid $pid); waiting for it"
fi

deadline=$((SECONDS + MEUTE_NEO4J_START_TIMEOUT))
until ready; do
    if ! kill -0 "$pid" 2>/dev/null; then
        n4j_log "Neo4j exited during startup; last lines of $NEO4J_LOG_FILE:" >&2
        tail -n 40 "$NEO4J_LOG_FILE" >&2 || true
        rm -f "$NEO4J_PID_FILE"
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        n4j_log "Neo4j not ready after ${MEUTE_NEO4J_START_TIMEOUT}s; last lines of $NEO4J_LOG_FILE:" >&2
        tail -n 40 "$NEO4J_LOG_FILE" >&2 || true
        n4j_log "stopping it" >&2
        "$NEO4J_TOOL_DIR/stop.sh" >&2 || true
        exit 1
    fi
    sleep 0.5
done

n4j_log "ready (pid $pid) on bolt://127.0.0.1:$MEUTE_NEO4J_PORT; log: $NEO4J_LOG_FILE"
n4j_print_hints
