#!/usr/bin/env bash
# Two builds of `wxoa serve` against each other and against the bare axum server, on loopback:
# the peak-throughput part of scripts/bench-webhook.sh, with a second `wxoa` binary (an older
# build, say) measured in the same rounds. This machine's speed drifts from minute to minute,
# so the three servers run in alternation, each on fresh pushes, ROUNDS times; compare rounds,
# not runs made minutes apart.
#
# Usage: scripts/bench-webhook-ab.sh OTHER_WXOA_BINARY   (env: DURATION=5 ROUNDS=6)
# For example, a build of an earlier commit:
#   git worktree add /tmp/base <commit>
#   (cd /tmp/base && CARGO_TARGET_DIR=/tmp/base-target cargo build --release -p wxoa-cli --bin wxoa)
#   scripts/bench-webhook-ab.sh /tmp/base-target/release/wxoa
set -euo pipefail
cd "$(dirname "$0")/.."
other=${1:?usage: scripts/bench-webhook-ab.sh OTHER_WXOA_BINARY}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-6}
work=$(mktemp -d /tmp/wxoa-bench-ab.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cargo build -q --release -p wxoa-cli --bin wxoa
cargo build -q --release -p wxoa-bench
bin=target/release
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
serve_args=(serve --token benchtoken --aes-key abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
  --app-id wx0123456789abcdef --bot echo --quiet)

for round in $(seq "$ROUNDS"); do
  line="round $round:"
  for server in bare other this; do
    $bin/gen_pushes $((DURATION * 150000)) "$work/p.txt" >/dev/null
    case $server in
      bare) taskset -c 0 $bin/bare_http 127.0.0.1:9111 >/dev/null & port=9111 ;;
      other) taskset -c 0 "$other" "${serve_args[@]}" --listen 127.0.0.1:9112 2>/dev/null & port=9112 ;;
      this) taskset -c 0 $bin/wxoa "${serve_args[@]}" --listen 127.0.0.1:9113 2>/dev/null & port=9113 ;;
    esac
    pid=$!
    wait_port "$port"
    rate=$(taskset -c 1 wrk -t1 -c64 -d"${DURATION}"s -s scripts/bench/pushes.lua \
      "http://127.0.0.1:$port" -- "$work/p.txt" | awk '/Requests\/sec/ {print int($2)}')
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    line="$line $server $rate/s"
    eval "rate_$server=$rate"
  done
  # shellcheck disable=SC2154
  echo "$line (other $((100 * rate_other / rate_bare))%, this $((100 * rate_this / rate_bare))% of bare)"
done
