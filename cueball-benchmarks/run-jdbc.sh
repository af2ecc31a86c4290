#!/usr/bin/env bash
# Runs JdbcBench (cueball against HikariCP on three embedded PostgreSQL servers) and writes its section of
# cueball-benchmarks/RESULTS.md, leaving the rest of the file as it is. About 12 minutes on 2 cores.
#   cueball-benchmarks/run-jdbc.sh                      with the default JDK
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 cueball-benchmarks/run-jdbc.sh
#   cueball-benchmarks/run-jdbc.sh --runs 3             options go to JdbcBench (see its javadoc)
# Before measuring it waits, up to MAX_WAIT seconds (default 1200), for the 1-minute load average to drop below
# QUIET_LOAD (default 1.5); if it never does, it runs anyway and the section says the numbers were taken under load.
set -euo pipefail
cd "$(dirname "$0")/.."
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
quiet="${QUIET_LOAD:-1.5}"
max_wait="${MAX_WAIT:-1200}"
echo "building…" >&2
mvn -B -q -ntp -DskipTests -pl cueball-benchmarks -am package
jar=cueball-benchmarks/target/benchmarks.jar
out=cueball-benchmarks/target/results-jdbc
rm -rf "$out" && mkdir -p "$out"

waited=0
until awk -v q="$quiet" '{ exit !($1 < q) }' /proc/loadavg; do
  if [ "$waited" -ge "$max_wait" ]; then
    echo "load average still $(cut -d' ' -f1-3 /proc/loadavg) after ${waited}s: running anyway" >&2
    break
  fi
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg), waiting for < $quiet (${waited}s so far)…" >&2
  sleep 15
  waited=$((waited + 15))
done
load="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "JdbcBench (log: $out/jdbc.log)…" >&2
"$java" -cp "$jar" io.cueball.benchmarks.JdbcBench --out "$out" "$@" > "$out/jdbc.log" 2>&1 \
  || { tail -40 "$out/jdbc.log" >&2; exit 1; }

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
jdk="$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.vm.name|java.runtime.version/ {printf "%s ", $2}')"
"$java" -cp "$jar" io.cueball.benchmarks.JdbcReport "$out" "$commit" "$machine" "$jdk" "$load" > "$out/jdbc.md"

# Replace the section between its markers, or append it the first time.
results=cueball-benchmarks/RESULTS.md
if grep -q '<!-- jdbc:start -->' "$results"; then
  awk -v f="$out/jdbc.md" '
    /<!-- jdbc:start -->/ { while ((getline l < f) > 0) print l; skip = 1; next }
    /<!-- jdbc:end -->/   { skip = 0; next }
    !skip' "$results" > "$out/RESULTS.md.new"
else
  { cat "$results"; echo; cat "$out/jdbc.md"; } > "$out/RESULTS.md.new"
fi
mv "$out/RESULTS.md.new" "$results"
echo "wrote the JDBC section of $results" >&2
