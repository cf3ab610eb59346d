#!/usr/bin/env bash
# Builds the Neo4j launcher (target/classes + target/dependency/*.jar) if missing or stale.
# Fast no-op when up to date.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

stamp="$NEO4J_TARGET/.build-stamp"
mkdir -p "$NEO4J_TARGET"

# Serialise concurrent builds (e.g. two start.sh at once).
exec 8>"$NEO4J_TARGET/.build.lock"
flock -w 600 8 || { n4j_log "could not get the build lock"; exit 1; }

up_to_date() {
    [[ -f "$stamp" ]] || return 1
    [[ -f "$NEO4J_TARGET/classes/meute/neo4j/Launcher.class" ]] || return 1
    compgen -G "$NEO4J_TARGET/dependency/neo4j-*.jar" > /dev/null || return 1
    # Anything in the sources or the pom newer than the last successful build?
    [[ -z "$(find "$NEO4J_TOOL_DIR/pom.xml" "$NEO4J_TOOL_DIR/src" -newer "$stamp" -print -quit)" ]]
}

if up_to_date; then
    exit 0
fi

command -v mvn > /dev/null || { n4j_log "mvn not found (needs Maven and JDK 17)"; exit 1; }
n4j_log "building launcher (mvn package; first run downloads Neo4j from Maven Central)"
rm -rf "$NEO4J_TARGET/classes" "$NEO4J_TARGET/dependency" "$stamp"
build_log="$NEO4J_TARGET/build.log"
if ! mvn -B -q -Dstyle.color=never -f "$NEO4J_TOOL_DIR/pom.xml" package > "$build_log" 2>&1; then
    n4j_log "build FAILED; see $build_log"
    tail -n 40 "$build_log" >&2
    exit 1
fi
touch "$stamp"
n4j_log "built ($(ls "$NEO4J_TARGET/dependency" | wc -l) jars)"
