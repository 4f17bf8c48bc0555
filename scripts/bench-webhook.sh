#!/usr/bin/env bash
# The webhook load benchmark of issue 6, on loopback only.
#
# Encrypted text pushes (safe mode), each unique, answered by `wxoa serve --bot echo`; the server
# pinned to core 0 and the load generator to core 1. Compared, in the same run and the same way,
# with a bare axum server that only reads the body and answers `success` (the HTTP floor).
#   1. peak throughput of both with wrk (64 connections, DURATION seconds), in alternation,
#      ROUNDS times (the median round counts);
#   2. latency percentiles of `wxoa serve` at half its peak rate with the open-loop generator
#      (crates/wxoa-bench/src/bin/loadgen.rs: latency from each request's scheduled time), after a warm-up at
#      the same rate, and its peak RSS; then, for reference, the bare server's at the same rate
#      (what the machine and the generator alone add to the tail). LATENCY_ROUNDS times in
#      alternation; the median round's p99 counts;
#   3. what the machine itself takes from each core (crates/wxoa-bench/src/bin/stalls.rs).
# Usage: scripts/bench-webhook.sh
#   (env: DURATION=5 ROUNDS=7 LATENCY_SECONDS=10 WARMUP_SECONDS=5 LATENCY_ROUNDS=9)
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
cargo build -q --release -p wxoa-bench
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
serve() {
  taskset -c 0 $bin/wxoa serve --listen 127.0.0.1:"$1" --token $TOKEN --aes-key $KEY --app-id $APPID --bot echo --quiet 2>/dev/null & pids+=($!)
  wait_port "$1"
}
# This machine's speed drifts by tens of percent from minute to minute, so the two servers are
# measured in alternation, ROUNDS times, each round's ratio from runs seconds apart; the median
# round is the result (every round is printed).
ROUNDS=${ROUNDS:-7}
rounds=()
for round in $(seq "$ROUNDS"); do
  $bin/gen_pushes "$count" "$work/a.txt" >&2
  taskset -c 0 $bin/bare_http 127.0.0.1:9101 >/dev/null & pids+=($!)
  wait_port 9101
  b=$(peak 9101 "$work/a.txt")
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  # Fresh pushes: the first run's are older now, and the server checks the timestamp.
  $bin/gen_pushes "$count" "$work/a.txt" >&2
  serve 9102
  w=$(peak 9102 "$work/a.txt")
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  rounds+=("$((100 * w / b)) $b $w")
  echo "round $round: bare $b/s, wxoa serve $w/s ($((100 * w / b))%)" >&2
done
read -r ratio bare wxoa < <(printf '%s\n' "${rounds[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")

half=$((wxoa / 2))
WARMUP_SECONDS=${WARMUP_SECONDS:-5}
# The tail is measured LATENCY_ROUNDS times, wxoa serve and the bare server in alternation:
# a single stall of the machine (see `stalls` below) moves one run's p99 by milliseconds, so
# the median round counts, as for the throughput.
LATENCY_ROUNDS=${LATENCY_ROUNDS:-9}
p99s=()
rss_kib=0
for round in $(seq "$LATENCY_ROUNDS"); do
  $bin/gen_pushes $((half * WARMUP_SECONDS + 1000)) "$work/w.txt" >&2
  $bin/gen_pushes $((half * LATENCY_SECONDS + 1000)) "$work/c.txt" >&2
  serve 9103
  server=${pids[-1]}
  # A warm-up at the same rate (its figures discarded): the dedupe memory fills to its
  # capacity and the heap settles, as in a server that has been running for a while.
  taskset -c 1 $bin/loadgen 127.0.0.1:9103 "$work/w.txt" "$half" "$WARMUP_SECONDS" 64 > /dev/null
  taskset -c 1 $bin/loadgen 127.0.0.1:9103 "$work/c.txt" "$half" "$LATENCY_SECONDS" 64 > "$work/latency-$round.txt"
  rss=$(awk '/VmHWM/ {print $2}' /proc/"$server"/status)
  (( rss > rss_kib )) && rss_kib=$rss
  kill "$server"; wait "$server" 2>/dev/null || true
  # The same rate against the bare server, same warm-up: the floor of the tail on this machine.
  taskset -c 0 $bin/bare_http 127.0.0.1:9104 >/dev/null & pids+=($!)
  wait_port 9104
  taskset -c 1 $bin/loadgen 127.0.0.1:9104 "$work/w.txt" "$half" "$WARMUP_SECONDS" 64 > /dev/null
  taskset -c 1 $bin/loadgen 127.0.0.1:9104 "$work/c.txt" "$half" "$LATENCY_SECONDS" 64 > "$work/bare-latency-$round.txt"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  w99=$(awk '$1 == "p99_us" {print $2}' "$work/latency-$round.txt")
  b99=$(awk '$1 == "p99_us" {print $2}' "$work/bare-latency-$round.txt")
  p99s+=("$w99 $b99 $round")
  echo "latency round $round: p99 wxoa serve ${w99} µs, bare ${b99} µs" >&2
done
read -r median_p99 _ median_round < <(printf '%s\n' "${p99s[@]}" | sort -n | sed -n "$(( (LATENCY_ROUNDS + 1) / 2 ))p")
median_bare_p99=$(printf '%s\n' "${p99s[@]}" | awk '{print $2}' | sort -n | sed -n "$(( (LATENCY_ROUNDS + 1) / 2 ))p")
# What the machine itself takes away from each core while nothing else of ours runs.
stalls0=$(taskset -c 0 $bin/stalls 5 & taskset -c 1 $bin/stalls 5 > "$work/stalls1.txt"; wait)
stalls1=$(cat "$work/stalls1.txt")

for r in "${rounds[@]}"; do
  read -r pct b w <<< "$r"
  echo "round: bare axum $b requests/s, wxoa serve $w requests/s ($pct%)"
done
echo "median round: bare axum (read body, answer success) $bare requests/s;"
echo "              wxoa serve, encrypted echo $wxoa requests/s ($ratio% of bare)"
echo "at half the peak ($half/s), $LATENCY_ROUNDS rounds:"
for r in "${p99s[@]}"; do
  read -r w99 b99 round <<< "$r"
  echo "  round $round: p99 wxoa serve $w99 µs, bare axum $b99 µs"
done
echo "  median p99: wxoa serve $median_p99 µs, bare axum $median_bare_p99 µs"
echo "  the median round of wxoa serve (round $median_round):"
grep -v "^p99_us" "$work/latency-$median_round.txt" | sed 's/^/    /'
echo "  wxoa serve peak RSS (highest of the rounds): $((rss_kib / 1024)) MiB"
echo "  bare axum in the same round (reference for the tail):"
grep -v "^p99_us" "$work/bare-latency-$median_round.txt" | sed 's/^/    /'
echo "the machine's own stalls, a spinning process on each core for 5 s:"
echo "  core 0: $stalls0"
echo "  core 1: $stalls1"
