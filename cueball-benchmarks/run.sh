#!/usr/bin/env bash
# Runs every benchmark and scenario and writes cueball-benchmarks/RESULTS.md (keeping the section run-jdbc.sh
# wrote). About 10 minutes on 2 cores.
#   cueball-benchmarks/run.sh                 with the default JDK
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 cueball-benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
echo "building…" >&2
mvn -B -q -ntp -DskipTests -pl cueball-benchmarks -am package
jar=cueball-benchmarks/target/benchmarks.jar
out=cueball-benchmarks/target/results
rm -rf "$out" && mkdir -p "$out"

jmh() { "$java" -jar "$jar" "$@" -foe true; }
latency() { "$java" -cp "$jar" io.cueball.benchmarks.CrossCoreLatency; }
echo "cross-core latency…" >&2
latency > "$out/latency-before.txt"
echo "claim + release throughput…" >&2
jmh ClaimReleaseBenchmark -bm thrpt -rf csv -rff "$out/claim-thrpt.csv" > "$out/claim-thrpt.txt"
echo "claim + release allocation (-prof gc)…" >&2
jmh ClaimReleaseBenchmark -bm avgt -prof gc -rf csv -rff "$out/claim-gc.csv" > "$out/claim-gc.txt"
echo "exhaustion…" >&2
jmh ExhaustionBenchmark -rf csv -rff "$out/exhaustion.csv" > "$out/exhaustion.txt"
echo "rebalance plan…" >&2
jmh RebalancePlanBenchmark -rf csv -rff "$out/plan.csv" > "$out/plan.txt"
echo "failover and convergence scenarios…" >&2
"$java" -cp "$jar" io.cueball.benchmarks.Scenarios > "$out/scenarios.md"
latency > "$out/latency-after.txt"

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
jdk="$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.vm.name|java.runtime.version/ {printf "%s ", $2}')"
# The JDBC section comes from run-jdbc.sh, a run of its own: keep it.
jdbc_section="$(sed -n '/<!-- jdbc:start -->/,/<!-- jdbc:end -->/p' cueball-benchmarks/RESULTS.md 2>/dev/null || true)"
"$java" -cp "$jar" io.cueball.benchmarks.Report "$out" "$commit" "$machine" "$jdk" > cueball-benchmarks/RESULTS.md
if [ -n "$jdbc_section" ]; then
  printf '\n%s\n' "$jdbc_section" >> cueball-benchmarks/RESULTS.md
fi
echo "wrote cueball-benchmarks/RESULTS.md" >&2
