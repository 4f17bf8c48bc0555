#!/usr/bin/env bash
# The export benchmark of issue 4: `wxoa user list --all --details --format jsonl` against a
# sandbox (`wxoa sandbox --followers N`), timed with /usr/bin/time -v. Prints, for each N, the
# wall-clock seconds and the peak RSS of the exporting process (the sandbox runs in its own
# process and is not counted), and checks that every follower was written.
#
#   scripts/bench-export.sh [N ...]        default: 50000 200000
#
# Then, for 200,000 followers, the same export against the straightforward wechatpy loop
# (scripts/bench/wechatpy_export.py: iter_followers + get_batch of 100, one call at a time), in
# a virtualenv of its own under target/: first with the sandbox answering every call 30 ms late
# (`--latency 30`, a platform across the network: wall-clock time), then without added latency
# (CPU time, user + system, of the exporting process). LATENCY=MS changes the first; SKIP_WECHATPY=1
# leaves the comparison out.
#
# The sandbox's default daily quotas (user/get 500, batchget 5,000,000) allow a 200,000-follower
# export (21 + 2,000 calls); nothing is raised.
set -euo pipefail

cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
    echo "bench-export: /usr/bin/time is missing (apt-get install time)" >&2
    exit 2
fi
cargo build --release -q -p wxoa-cli
bin="$PWD/target/release/wxoa"
work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
    if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# The sandbox's default account.
export WXOA_APP_ID=wx0123456789abcdef
export WXOA_APP_SECRET=0123456789abcdef0123456789abcdef
export WXOA_STORE=memory
unset WXOA_CONFIG WXOA_API_BASE WXOA_MP_BASE WXOA_OPEN_BASE WXOA_TOKEN_SERVER WXOA_OUTPUT

start_sandbox() { # $1 followers, $2 latency ms; sets base
    "$bin" --quiet sandbox --listen 127.0.0.1:0 --followers "$1" --seed 1 --latency "$2" >"$work/url" 2>"$work/sandbox.log" &
    sandbox_pid=$!
    for _ in $(seq 1 100); do
        [ -s "$work/url" ] && break
        sleep 0.1
    done
    base="$(head -n 1 "$work/url")"
    if [ -z "$base" ]; then
        echo "bench-export: the sandbox did not start" >&2
        cat "$work/sandbox.log" >&2
        exit 1
    fi
}
stop_sandbox() {
    kill "$sandbox_pid"
    wait "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=""
}

counts=("$@")
if [ ${#counts[@]} -eq 0 ]; then counts=(50000 200000); fi

printf '%-10s %10s %14s %12s\n' followers seconds "max RSS MiB" written
for n in "${counts[@]}"; do
    start_sandbox "$n" 0
    /usr/bin/time -v "$bin" --quiet --api-base "$base" \
        user list --all --details --format jsonl --out "$work/users.jsonl" 2>"$work/time.txt"
    seconds="$(awk -F': ' '/Elapsed \(wall clock\) time/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$work/time.txt")"
    rss_kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
    written="$(wc -l <"$work/users.jsonl")"
    rss_mib="$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')"
    printf '%-10s %10s %14s %12s\n' "$n" "$seconds" "$rss_mib" "$written"
    if [ "$written" -ne "$n" ]; then
        echo "bench-export: $written profiles written for $n followers" >&2
        exit 1
    fi
    stop_sandbox
done

[ "${SKIP_WECHATPY:-0}" = 1 ] && exit 0
venv="$PWD/target/bench-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q wechatpy==1.8.18 cryptography
fi
n=200000
latency=${LATENCY:-30}
# $1 label, $2 latency: one export by each, on the same sandbox; prints wall and CPU seconds.
compare() {
    start_sandbox "$n" "$2"
    token="$(curl -s "$base/cgi-bin/token?grant_type=client_credential&appid=$WXOA_APP_ID&secret=$WXOA_APP_SECRET" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
    /usr/bin/time -f '%e %U %S %M' -o "$work/wechatpy.time" \
        "$venv/bin/python" scripts/bench/wechatpy_export.py "$base" "$token" "$work/wechatpy.jsonl" >/dev/null
    /usr/bin/time -f '%e %U %S %M' -o "$work/wxoa.time" \
        "$bin" --quiet --api-base "$base" user list --all --details --format jsonl --out "$work/wxoa.jsonl"
    stop_sandbox
    for tool in wxoa wechatpy; do
        written="$(wc -l <"$work/$tool.jsonl")"
        read -r wall user sys rss <"$work/$tool.time"
        awk -v label="$1" -v tool="$tool" -v wall="$wall" -v cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" \
            -v rss="$rss" -v written="$written" 'BEGIN {
            printf "%-20s %-9s wall %6.2f s  CPU %5.2f s  max RSS %5.1f MiB  written %s\n",
                label, tool, wall, cpu, rss / 1024, written }'
        if [ "$written" -ne "$n" ]; then
            echo "bench-export: $tool wrote $written profiles for $n followers" >&2
            exit 1
        fi
    done
}
echo "200,000 followers with details, against wechatpy 1.8.18:"
compare "latency ${latency} ms" "$latency"
compare "no added latency" 0
