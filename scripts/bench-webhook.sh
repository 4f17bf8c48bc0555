#!/usr/bin/env bash
# The webhook load benchmark of issue 6, on loopback only.
#
# Encrypted text pushes (safe mode), each unique, answered by `wxoa serve --bot echo`; the server
# pinned to core 0 and the load generator to core 1. Compared, in the same run and the same way,
# with a bare axum server that only reads the body and answers `success` (the HTTP floor).
#   1. peak throughput of both with wrk (64 connections, DURATION seconds);
#   2. latency percentiles of `wxoa serve` at half its peak rate with the open-loop generator
#      (examples/loadgen.rs: latency from each request's scheduled time), after a warm-up at
#      the same rate, and its peak RSS.
# Usage: scripts/bench-webhook.sh   (env: DURATION=5 LATENCY_SECONDS=10 WARMUP_SECONDS=5)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
DURATION=${DURATION:-5}
LATENCY_SECONDS=${LATENCY_SECONDS:-10}
work=$(mktemp -d /tmp/wxoa-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cargo build -q --release -p wxoa-cli --bin wxoa
cargo build -q --release -p wxoa-webhook --examples
bin=target/release
TOKEN=benchtoken KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG APPID=wx0123456789abcdef

wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
rps() { awk '/Requests\/sec/ {print int($2)}'; }
peak() { # $1 port, $2 pushes file
  taskset -c 1 wrk -t1 -c64 -d"${DURATION}"s --latency -s scripts/bench/pushes.lua "http://127.0.0.1:$1" -- "$2" > "$work/wrk.txt" 2>&1
  grep -E "Requests/sec|Non-2xx|Socket errors|ran out" "$work/wrk.txt" >&2 || true
  rps < "$work/wrk.txt"
}

count=$((DURATION * 150000))
$bin/examples/gen_pushes "$count" "$work/a.txt" >&2

taskset -c 0 $bin/examples/bare_http 127.0.0.1:9101 >/dev/null & pids+=($!)
wait_port 9101
bare=$(peak 9101 "$work/a.txt")
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

serve() {
  taskset -c 0 $bin/wxoa serve --listen 127.0.0.1:"$1" --token $TOKEN --aes-key $KEY --app-id $APPID --bot echo --quiet 2>/dev/null & pids+=($!)
  wait_port "$1"
}
$bin/examples/gen_pushes "$count" "$work/b.txt" >&2
serve 9102
wxoa=$(peak 9102 "$work/b.txt")
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

half=$((wxoa / 2))
WARMUP_SECONDS=${WARMUP_SECONDS:-5}
$bin/examples/gen_pushes $((half * WARMUP_SECONDS + 1000)) "$work/w.txt" >&2
$bin/examples/gen_pushes $((half * LATENCY_SECONDS + 1000)) "$work/c.txt" >&2
serve 9103
server=${pids[-1]}
# A warm-up at the same rate (its figures discarded): the dedupe memory fills to its capacity
# and the heap settles, as in a server that has been running for a while.
taskset -c 1 $bin/examples/loadgen 127.0.0.1:9103 "$work/w.txt" "$half" "$WARMUP_SECONDS" 64 > /dev/null
taskset -c 1 $bin/examples/loadgen 127.0.0.1:9103 "$work/c.txt" "$half" "$LATENCY_SECONDS" 64 > "$work/latency.txt"
rss_kib=$(awk '/VmHWM/ {print $2}' /proc/"$server"/status)
kill "$server"

echo "bare axum (read body, answer success): $bare requests/s"
echo "wxoa serve, encrypted echo:            $wxoa requests/s ($(( 100 * wxoa / bare ))% of bare)"
echo "at half the peak ($half/s):"
sed 's/^/  /' "$work/latency.txt"
echo "  wxoa serve peak RSS: $((rss_kib / 1024)) MiB"
