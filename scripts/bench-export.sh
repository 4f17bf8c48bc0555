#!/usr/bin/env bash
# The export benchmark of issue 4: `wxoa user list --all --details --format jsonl` against a
# sandbox (`wxoa sandbox --followers N`), timed with /usr/bin/time -v. Prints, for each N, the
# wall-clock seconds and the peak RSS of the exporting process (the sandbox runs in its own
# process and is not counted), and checks that every follower was written.
#
#   scripts/bench-export.sh [N ...]        default: 50000 200000
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

counts=("$@")
if [ ${#counts[@]} -eq 0 ]; then counts=(50000 200000); fi

printf '%-10s %10s %14s %12s\n' followers seconds "max RSS MiB" written
for n in "${counts[@]}"; do
    "$bin" --quiet sandbox --listen 127.0.0.1:0 --followers "$n" --seed 1 >"$work/url" 2>"$work/sandbox.log" &
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
    kill "$sandbox_pid"
    wait "$sandbox_pid" 2>/dev/null || true
    sandbox_pid=""
done
