#!/usr/bin/env bash
# Runs every benchmark and scenario and writes cueball-benchmarks/RESULTS.md (keeping the section run-jdbc.sh
# wrote): cueball against HikariCP, commons-pool2, Stormpot, BeeCP and vibur, side by side in one run.
#
# Needs JDK 21 or later, for both the build and the run: Stormpot 4.1 is compiled for Java 21 and the virtual-thread
# benchmark needs Java 21's virtual threads. Rather than leave Stormpot and that table out of RESULTS.md, the script
# refuses an older JDK. Run it with JDK 25:
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 cueball-benchmarks/run.sh
#
# About 22 minutes on 2 cores: one run on the shared 2-core VM took 19 min 17 s with the modules already built
# (a clean clone's build adds about a minute), before ClaimReleaseBenchmark's eighth pool (cueball with no turns);
# with it, a run took 22 min 9 s: the build 0.5, ClaimReleaseBenchmark 15 (8 pools x 2 sizes x 4 thread
# counts, 2 forks each, -prof gc in the same forks), ExhaustionBenchmark 4 (7 pools, 2 forks each),
# VirtualThreads 2 (8 pools x 2 runs, each in its own JVM), the rebalance plan and the scenarios 1. RESULTS.md's
# header says how long its run took.
set -euo pipefail
cd "$(dirname "$0")/.."
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
feature="$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')"
if [ "${feature%%.*}" -lt 21 ]; then
  echo "run.sh needs JDK 21 or later (Stormpot 4.1 and virtual threads); $java is Java $feature." >&2
  echo "Run it as: JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 cueball-benchmarks/run.sh" >&2
  exit 2
fi
started=$SECONDS
step() { printf '[%2d:%02d] %s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) "$1" >&2; }

step "building (Java $feature)…"
mvn -B -q -ntp -DskipTests -pl cueball-benchmarks -am package
jar=cueball-benchmarks/target/benchmarks.jar
if ! unzip -l "$jar" io/cueball/benchmarks/StormpotPool.class > /dev/null 2>&1; then
  echo "the benchmarks jar has no Stormpot adapter: was it built by a JDK older than 21?" >&2
  exit 2
fi
out=cueball-benchmarks/target/results
rm -rf "$out" && mkdir -p "$out"

jmh() { "$java" -jar "$jar" "$@" -foe true; }
latency() { "$java" -cp "$jar" io.cueball.benchmarks.CrossCoreLatency; }
step "cross-core latency…"
latency > "$out/latency-before.txt"
step "claim + release: throughput and allocation (-prof gc)…"
jmh ClaimReleaseBenchmark -bm thrpt -prof gc -rf csv -rff "$out/claim.csv" > "$out/claim.txt"
step "exhaustion…"
jmh ExhaustionBenchmark -rf csv -rff "$out/exhaustion.csv" \
  -jvmArgsAppend "-Dcueball.waits=$PWD/$out/exhaustion-waits.txt" > "$out/exhaustion.txt"
step "virtual threads…"
pools=(cueball cueball-fifo hikari commons-pool2 stormpot stormpot-pool beecp vibur)
reversed=()
for ((i = ${#pools[@]} - 1; i >= 0; i--)); do reversed+=("${pools[i]}"); done
# Two runs per pool, in opposite orders, each pool in a JVM of its own.
for pool in "${pools[@]}" "${reversed[@]}"; do
  "$java" -cp "$jar" io.cueball.benchmarks.VirtualThreads "$pool" >> "$out/virtual.txt" 2>> "$out/virtual.log"
done
step "rebalance plan…"
jmh RebalancePlanBenchmark -rf csv -rff "$out/plan.csv" > "$out/plan.txt"
step "failover and convergence scenarios…"
"$java" -cp "$jar" io.cueball.benchmarks.Scenarios > "$out/scenarios.md"
latency > "$out/latency-after.txt"

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); the run took $(((SECONDS - started) / 60)) min"
jdk="$("$java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.vm.name|java.runtime.version/ {printf "%s ", $2}')"
# Sections written by hand or by runs of their own are kept: the reading of the claim-path numbers against issue 19's
# targets (gap), the shared-connections one from MuxBenchmark (mux), the reading of the JDBC numbers against issue
# 14's bar (jdbc-notes, by hand) and the JDBC ones from run-jdbc.sh (jdbc, and jdbc-jmh from run-jdbc.sh --jmh).
kept() { sed -n "/<!-- $1:start -->/,/<!-- $1:end -->/p" cueball-benchmarks/RESULTS.md 2>/dev/null || true; }
gap_section="$(kept gap)"
mux_section="$(kept mux)"
jdbc_notes_section="$(kept jdbc-notes)"
jdbc_section="$(kept jdbc)"
jdbc_jmh_section="$(kept jdbc-jmh)"
"$java" -cp "$jar" io.cueball.benchmarks.Report "$out" "$commit" "$machine" "$jdk" > "$out/RESULTS.md"
cp "$out/RESULTS.md" cueball-benchmarks/RESULTS.md
for section in "$gap_section" "$mux_section" "$jdbc_notes_section" "$jdbc_section" "$jdbc_jmh_section"; do
  if [ -n "$section" ]; then
    printf '\n%s\n' "$section" >> cueball-benchmarks/RESULTS.md
  fi
done
step "wrote cueball-benchmarks/RESULTS.md"
