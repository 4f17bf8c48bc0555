#!/usr/bin/env bash
# Benchmark of issue 7: `GET /token` served from memory by `wxoa token-server`, the sandbox
# playing the platform behind it; server pinned to core 0, wrk to core 1; loopback only.
# 1. peak throughput with wrk (closed loop, CONNECTIONS connections);
# 2. latency percentiles at a fixed RATE (default 20,000/s) with the open-loop generator
#    (crates/wxoa-bench/src/bin/loadgen.rs: latency from each request's scheduled time).
# Usage: scripts/bench-token-server.sh   (env: DURATION=10 CONNECTIONS=16 RATE=20000)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
RATE=${RATE:-20000}
work=$(mktemp -d /tmp/wxoa-bench-ts.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cargo build -q --release -p wxoa-cli --bin wxoa
cargo build -q --release -p wxoa-bench --bin loadgen
bin=target/release/wxoa
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

taskset -c 1 $bin sandbox --listen 127.0.0.1:9301 >/dev/null 2>&1 & pids+=($!)
wait_port 9301
taskset -c 0 $bin token-server --listen 127.0.0.1:9302 --auth-token benchbearer \
  --app-id wx0123456789abcdef --app-secret 0123456789abcdef0123456789abcdef \
  --api-base http://127.0.0.1:9301 --store memory --quiet 2>/dev/null & pids+=($!)
wait_port 9302
# Warm: the first request fetches the token from the sandbox; every later one is from memory.
curl -sf -H "Authorization: Bearer benchbearer" http://127.0.0.1:9302/token >/dev/null
taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}"s --latency \
  -H "Authorization: Bearer benchbearer" http://127.0.0.1:9302/token > "$work/wrk.txt"
rps=$(awk '/Requests\/sec/ {print int($2)}' "$work/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
fetches=$(curl -sf -H "Authorization: Bearer benchbearer" http://127.0.0.1:9302/metrics | awk '/^wxoa_token_fetches_total/ {print $2}')
for _ in $(seq $((RATE * DURATION + 1000))); do echo "/token"; done > "$work/gets.txt"
LOADGEN_HEADER="Authorization: Bearer benchbearer" taskset -c 1 target/release/loadgen \
  127.0.0.1:9302 "$work/gets.txt" "$RATE" "$DURATION" 16 > "$work/latency.txt"
fetches=$(curl -sf -H "Authorization: Bearer benchbearer" http://127.0.0.1:9302/metrics | awk '/^wxoa_token_fetches_total/ {print $2}')
echo "GET /token from memory, peak (wrk, $CONNECTIONS connections, $DURATION s): $rps requests/s (p99 $p99 at saturation)"
echo "at $RATE/s:"
grep -v "^p99_us" "$work/latency.txt" | sed 's/^/  /'
echo "upstream fetches during the whole run: $fetches"
