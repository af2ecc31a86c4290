#!/usr/bin/env bash
# Fetches a real Consul agent for the Consul resolver's tests, without touching the system's package setup:
# Debian's previous release (bullseye) packages consul 1.8.7. The package is downloaded with apt-get into a
# cache folder (its own sources list, lists and archives) and unpacked with dpkg-deb. Prints the binary's path.
#   scripts/consul.sh            # fetch if needed, print the path
#   CUEBALL_CACHE=/some/dir scripts/consul.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${CUEBALL_CACHE:-$root/.cache}/consul"
bin="$cache/root/usr/bin/consul"
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
    echo "$bin"
    exit 0
fi
command -v apt-get >/dev/null || { echo "consul.sh: apt-get is not available; install consul by hand and set CUEBALL_CONSUL_BIN" >&2; exit 1; }

# The mirror this machine already uses (never a registry host written into the repository).
mirror=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror="$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list)"
fi
[ -n "$mirror" ] || { echo "consul.sh: cannot find the Debian mirror in /etc/apt" >&2; exit 1; }

mkdir -p "$cache/lists/partial" "$cache/archives/partial" "$cache/root"
echo "deb $mirror bullseye main" > "$cache/sources.list"
apt_opts=(
    -o "Dir::Etc::SourceList=$cache/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$cache/lists"
    -o "Dir::Cache=$cache"
    -o "Dir::Cache::archives=$cache/archives"
    -o "APT::Get::List-Cleanup=0"
)
echo "consul.sh: fetching consul from $mirror bullseye…" >&2
apt-get "${apt_opts[@]}" -qq update >&2
(cd "$cache/archives" && apt-get "${apt_opts[@]}" -qq download consul >&2)
deb="$(ls -t "$cache"/archives/consul_*.deb | head -n 1)"
dpkg-deb -x "$deb" "$cache/root"
"$bin" version >&2
echo "$bin"
