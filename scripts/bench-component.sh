#!/usr/bin/env bash
# Benchmark of issue 16: a third-party platform's authorizers at fleet scale. The release
# `wxoa sandbox` plays a component with AUTHORIZERS pre-authorized accounts whose tokens live
# LIFETIME seconds (the "virtual lifetime": the sandbox's shortened token lifetime, 7,200 s on
# the platform); two `wxoa component serve` instances share a private redis-server and keep
# every authorizer's token with a fleet-wide bound of RATE refreshes a second.
# Phase 1, three lifetimes: instance A is SIGKILLed halfway and restarted 5 s later; a probe
#   uses random authorizers' tokens from Redis for API calls all along (`wxoa --authorizer X
#   misc callback-ips`).
# Phase 2, one and a half lifetimes: FLUSHALL on Redis; the refresh tokens are rebuilt from
#   api_get_authorizer_list and the tokens keep being refreshed.
# Reported from the sandbox (GET /sandbox/component/refreshes): tokens issued per authorizer,
# per token lifetime (1/1: each token replaced exactly once before it expired), lapsed tokens,
# the busiest second vs RATE, calls made with an expired token; each instance's peak RSS
# (VmHWM) and its keeper's counts (/metrics).
# The store's fetch lock is shortened with the lifetime (LOCK, default a twelfth of it, 10 s for
# 120 s): the platform's 30 s against 7,200 s leaves a killed instance's lock far inside a
# token's margin, and so must the shortened one (the keeper warns when it does not).
# Usage: scripts/bench-component.sh   (env: AUTHORIZERS=10000 LIFETIME=120 RATE=200 LOCK BUILD=1)
set -euo pipefail
cd "$(dirname "$0")/.."
AUTHORIZERS=${AUTHORIZERS:-10000}
LIFETIME=${LIFETIME:-120}
RATE=${RATE:-200}
LOCK=${LOCK:-$(( LIFETIME / 12 > 1 ? LIFETIME / 12 : 1 ))}
bin=${CARGO_TARGET_DIR:-target}/release/wxoa
[ "${BUILD:-1}" = 0 ] || cargo build -q --release -p wxoa-cli --bin wxoa
work=$(mktemp -d /tmp/wxoa-bench-component.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
now_ms() { date +%s%3N; }
SANDBOX=http://127.0.0.1:9410
COMPONENT=wx1111222233334444
SECRET=c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0
TOKEN=componenttoken
KEY=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG
REDIS=redis://127.0.0.1:9411/
common=(--app-id $COMPONENT --app-secret $SECRET --token $TOKEN --aes-key $KEY --api-base $SANDBOX --store $REDIS)

redis-server --port 9411 --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 & pids+=($!)
wait_port 9411
$bin sandbox --listen 127.0.0.1:9410 --component-app-id $COMPONENT --component-secret $SECRET \
  --component-token $TOKEN --component-aes-key $KEY --component-auth-url http://127.0.0.1:9412/component \
  --authorizers "$AUTHORIZERS" --pre-authorized --token-lifetime "$LIFETIME" --refreshes-per-day 0 \
  >/dev/null 2>"$work/sandbox.log" & pids+=($!)
wait_port 9410
serve() { # serve NAME PORT: an instance in the background; its pid in $served
  RUST_LOG=${RUST_LOG:-warn} $bin "${common[@]}" component serve --listen 127.0.0.1:"$2" \
    --refreshes-per-second "$RATE" --store-lock "$LOCK" >/dev/null 2>>"$work/$1.log" &
  served=$!; pids+=($served)
  wait_port "$2"
}
hwm() { awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' /proc/"$1"/status; }
refreshes() { curl -sf "$SANDBOX/sandbox/component/refreshes?since_ms=$1&until_ms=$2"; }
report() { # report LABEL JSON
  echo "$2" | jq -r --arg name "$1" --argjson rate "$RATE" '"\($name): \(.authorizers) authorizers, \(.refreshes) refreshes; per authorizer \(.per_authorizer_min)–\(.per_authorizer_max); per token lifetime \(.per_lifetime_min)/\(.per_lifetime_max) over \(.tokens) tokens (\(.replaced_twice) replaced twice); gaps \(.gap_min_ms / 1000)–\(.gap_max_ms / 1000) s; lapsed \(.lapsed); peak \(.peak_per_second)/s (bound \($rate)/s); calls with an expired token \(.expired_calls)"'
}
metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
probe() { # API calls with random authorizers' tokens, read from Redis by a new process each
  mapfile -t ids < <(curl -sf "$SANDBOX/sandbox/component/authorizers?limit=$((AUTHORIZERS + 1))" | jq -r '.authorizers[] | select(.authorized) | .app_id')
  while :; do
    $bin "${common[@]}" --authorizer "${ids[RANDOM % ${#ids[@]}]}" misc callback-ips >/dev/null 2>>"$work/probe.log" || true
    sleep 0.5
  done
}

serve a 9412; a=$served
serve b 9413; b=$served
started=$(now_ms)
curl -sf -X POST "$SANDBOX/sandbox/component/ticket" >/dev/null
# Cold start: the keepers learn the authorizers from api_get_authorizer_list.
until [ "$(refreshes 0 "$(now_ms)" | jq .per_authorizer_min)" -ge 1 ]; do sleep 1; done
cold=$(( $(now_ms) - started ))
echo "cold start: every one of $AUTHORIZERS authorizers had a token after $((cold / 1000)) s (bound $RATE/s, store lock $LOCK s, lifetime $LIFETIME s)"
probe & pids+=($!)
t0=$(now_ms)
sleep $((LIFETIME * 3 / 2))
echo "A before SIGKILL: peak RSS $(hwm "$a")"
kill -9 "$a"
sleep 5
serve a2 9412; a=$served
sleep $((LIFETIME * 3 / 2 - 5))
t1=$(now_ms)
report "phase 1 (3 lifetimes of $LIFETIME s, A SIGKILLed and restarted)" "$(refreshes "$t0" "$t1")"
echo "peak RSS: B $(hwm "$b"), A restarted $(hwm "$a")"
for port in 9412 9413; do
  echo "instance :$port keeper: refreshed $(metric $port wxoa_component_keeper_refreshed_total), adopted $(metric $port wxoa_component_keeper_adopted_total), deferred $(metric $port wxoa_component_keeper_deferred_total), failed $(metric $port wxoa_component_keeper_failed_total), expired $(metric $port wxoa_component_keeper_expired_total), throttled $(metric $port wxoa_component_refresh_throttled_total)"
done
redis-cli -p 9411 FLUSHALL >/dev/null
t2=$(now_ms)
sleep $((LIFETIME * 3 / 2))
t3=$(now_ms)
report "phase 2 (FLUSHALL, then 1.5 lifetimes)" "$(refreshes "$t2" "$t3")"
echo "rebuilds from the authorizer list: A $(metric 9412 wxoa_component_rebuilds_total), B $(metric 9413 wxoa_component_rebuilds_total); refresh tokens in Redis: $(redis-cli -p 9411 ZCARD "wxoa:{$COMPONENT}:authorizers")"
echo "peak RSS: B $(hwm "$b"), A restarted $(hwm "$a")"
report "whole run" "$(refreshes 0 "$(now_ms)")"
echo "warnings of a lock too long for the lifetime: $(cat "$work"/a*.log "$work"/b.log | grep -c 'fetch lock is long' || true)"
