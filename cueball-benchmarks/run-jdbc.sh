#!/usr/bin/env bash
# The JDBC comparison, cueball against HikariCP on three embedded PostgreSQL servers, written into its section of
# cueball-benchmarks/RESULTS.md (the rest of the file is left as it is).
#   cueball-benchmarks/run-jdbc.sh                      JdbcPaired: both pools in one JVM, taking turns in windows
#                                                       of 2 s, 15 pairs per point (about 9 minutes on 2 cores)
#   cueball-benchmarks/run-jdbc.sh --pairs 20           options go to JdbcPaired (see its javadoc)
#   cueball-benchmarks/run-jdbc.sh --jmh --runs 2       JdbcBench instead: JMH, one fork per pool and point
#                                                       (about 20 minutes), into a section of its own
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 cueball-benchmarks/run-jdbc.sh
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

jmh=false
if [ "${1:-}" = "--jmh" ]; then
  jmh=true
  shift
fi
if $jmh; then
  main=io.cueball.benchmarks.JdbcBench report=io.cueball.benchmarks.JdbcReport marker=jdbc-jmh
else
  main=io.cueball.benchmarks.JdbcPaired report=io.cueball.benchmarks.JdbcPairedReport marker=jdbc
fi
echo "${main##*.} (log: $out/jdbc.log)…" >&2
"$java" -cp "$jar" "$main" --out "$out" "$@" > "$out/jdbc.log" 2>&1 \
  || { tail -40 "$out/jdbc.log" >&2; exit 1; }

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
jdk="$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.vm.name|java.runtime.version/ {printf "%s ", $2}')"
"$java" -cp "$jar" "$report" "$out" "$commit" "$machine" "$jdk" "$load" > "$out/jdbc.md"

# Replace the section between its markers, or append it the first time.
results=cueball-benchmarks/RESULTS.md
if grep -q "<!-- $marker:start -->" "$results"; then
  awk -v f="$out/jdbc.md" -v start="<!-- $marker:start -->" -v end="<!-- $marker:end -->" '
    $0 == start { while ((getline l < f) > 0) print l; skip = 1; next }
    $0 == end   { skip = 0; next }
    !skip' "$results" > "$out/RESULTS.md.new"
else
  { cat "$results"; echo; cat "$out/jdbc.md"; } > "$out/RESULTS.md.new"
fi
mv "$out/RESULTS.md.new" "$results"
echo "wrote the ${main##*.} section of $results" >&2
