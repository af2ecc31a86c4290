#!/usr/bin/env bash
# The JDBC comparison, cueball against HikariCP on three embedded PostgreSQL servers, written into its section of
# cueball-benchmarks/RESULTS.md (the rest of the file is left as it is).
#   cueball-benchmarks/run-jdbc.sh                      JdbcPaired: both pools in one JVM, taking turns in windows
#                                                       of 2 s, 16 pairs per point (about 10 minutes)
#   cueball-benchmarks/run-jdbc.sh --pairs 20           options go to JdbcPaired (see its javadoc; --pairs is even)
#   cueball-benchmarks/run-jdbc.sh --cpus shared        JdbcPaired runs the JVM on the first half of the CPUs and
#                                                       the servers on the rest (taskset), as on hosts of their
#                                                       own, unless --cpus says otherwise; shared: every CPU
#   cueball-benchmarks/run-jdbc.sh --jmh --runs 2       JdbcBench instead: JMH, one fork per pool and point
#                                                       (about 20 minutes), into a section of its own
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 cueball-benchmarks/run-jdbc.sh
# --jmh may stand anywhere among the arguments; the others go to the benchmark as they are.
# Before measuring it waits, up to MAX_WAIT seconds (default 1200), for the 1-minute load average to drop below
# QUIET_LOAD (default 1.5); if it never does, it runs anyway and the section says the numbers were taken under load.
# The section is replaced between its start and end markers, each of which must stand alone on its line once (a
# trailing carriage return or spaces are allowed); with neither, it is appended; with only one, or either twice,
# the script stops and leaves RESULTS.md as it was.
set -euo pipefail

# replace_section FILE SECTION START END NEW: writes to NEW the file FILE with its lines from START to END (both
# included) replaced by the file SECTION, or with SECTION appended when FILE has neither marker; fails, writing
# nothing, unless the markers are there exactly once each, START before END. Markers are compared without a trailing
# carriage return or trailing spaces. FILE itself is never written.
replace_section() {
  local file=$1 section=$2 start=$3 end=$4 new=$5
  local starts ends trimmed
  trimmed=$(sed 's/[[:space:]]*$//' "$file") # the markers are compared without trailing spaces or carriage return
  starts=$(grep -cxF -- "$start" <<< "$trimmed" || true)
  ends=$(grep -cxF -- "$end" <<< "$trimmed" || true)
  if [ "$starts" -eq 0 ] && [ "$ends" -eq 0 ]; then
    { cat "$file"; echo; cat "$section"; } > "$new"
    return 0
  fi
  if [ "$starts" -ne 1 ] || [ "$ends" -ne 1 ]; then
    echo "$file has $starts line(s) '$start' and $ends line(s) '$end': expected one of each (or neither);" \
      "left as it was, the new section is in $section" >&2
    return 1
  fi
  if [ "$(grep -nxF -- "$start" <<< "$trimmed" | cut -d: -f1)" -gt \
       "$(grep -nxF -- "$end" <<< "$trimmed" | cut -d: -f1)" ]; then
    echo "$file has '$end' before '$start'; left as it was, the new section is in $section" >&2
    return 1
  fi
  awk -v f="$section" -v start="$start" -v end="$end" '
    { line = $0; sub(/[ \t\r]+$/, "", line) }
    line == start { while ((getline l < f) > 0) print l; close(f); skip = 1; next }
    line == end   { skip = 0; next }
    !skip' "$file" > "$new"
}

cd "$(dirname "$0")/.."
jmh=false
cpus_given=false
args=()
for a in "$@"; do
  if [ "$a" = "--jmh" ]; then
    jmh=true
  else
    [ "$a" = "--cpus" ] && cpus_given=true
    args+=("$a")
  fi
done
# JdbcPaired: the JVM on the first half of the CPUs, the servers on the rest, unless --cpus says otherwise
# (--cpus shared for both on every CPU); without taskset, or with one CPU, they share.
if ! $jmh && ! $cpus_given && [ "$(nproc)" -ge 2 ] && command -v taskset > /dev/null; then
  n=$(nproc) half=$(( $(nproc) / 2 ))
  client=$([ "$half" -eq 1 ] && echo 0 || echo "0-$((half - 1))")
  servers=$([ $((n - half)) -eq 1 ] && echo "$half" || echo "$half-$((n - 1))")
  args+=(--cpus "$client/$servers")
fi
if $jmh; then
  main=io.cueball.benchmarks.JdbcBench report=io.cueball.benchmarks.JdbcReport marker=jdbc-jmh
else
  main=io.cueball.benchmarks.JdbcPaired report=io.cueball.benchmarks.JdbcPairedReport marker=jdbc
fi

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

echo "${main##*.} (log: $out/jdbc.log)…" >&2
"$java" -cp "$jar" "$main" --out "$out" ${args[@]+"${args[@]}"} > "$out/jdbc.log" 2>&1 \
  || { tail -40 "$out/jdbc.log" >&2; exit 1; }

commit="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
machine="$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr)"
jdk="$("$java" -XshowSettings:properties -version 2>&1 \
  | awk -F' = ' '/java.vm.name|java.runtime.version/ {printf "%s ", $2}')"
"$java" -cp "$jar" "$report" "$out" "$commit" "$machine" "$jdk" "$load" > "$out/jdbc.md"

# Replace the section between its markers, or append it the first time.
results=cueball-benchmarks/RESULTS.md
replace_section "$results" "$out/jdbc.md" "<!-- $marker:start -->" "<!-- $marker:end -->" "$out/RESULTS.md.new"
mv "$out/RESULTS.md.new" "$results"
echo "wrote the ${main##*.} section of $results" >&2
