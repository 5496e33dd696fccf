#!/usr/bin/env bash
# Token endpoint benchmark: a release build on SQLite, one app, client_credentials driven by wrk
# at 16 and 64 connections. Prints requests/s, p99 latency, and idle and peak RSS.
#
#   bench/token.sh [DURATION]        (default 15s per run)
#   BENCH_PROTECTED=1 bench/token.sh  the app has domain and IP protection on, and every
#                                     request sends X-Origin (their cost on the hot path)
#
# The load generator runs beside the server on the same machine; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-15s}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --bin tessera
bin=target/release/tessera

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export TESSERA_DATA_DIR="$work/data"
export TESSERA_PUBLIC_ADDR=127.0.0.1:0
export TESSERA_ADMIN_ADDR=127.0.0.1:0
export TESSERA_LOG_LEVEL=warn

protections=()
origin_header=()
if [ "${BENCH_PROTECTED:-0}" = 1 ]; then
  protections=(--allowed-origin https://bench.example.com --allowed-ip 10.0.0.0/8
    --allowed-ip 2001:db8::/32 --allowed-ip 127.0.0.1)
  origin_header=(-H "X-Origin: https://bench.example.com")
fi
read -r client_id client_secret < <(
  "$bin" client create --name bench --grant client_credentials "${protections[@]}" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["client_id"], d["client_secret"])'
)

"$bin" serve >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 1 100); do
  grep -q "admin:" "$work/stdout" 2>/dev/null && break
  sleep 0.1
done
public=$(grep "public (issuer" "$work/stdout" | awk '{print $NF}')
[ -n "$public" ] || { echo "server did not start"; cat "$work/stderr"; exit 1; }

# One request first: it must succeed, or the numbers below mean nothing.
status=$(curl -s -o /dev/null -w '%{http_code}' -u "$client_id:$client_secret" \
  "${origin_header[@]}" -d grant_type=client_credentials "$public/token")
[ "$status" = 200 ] || { echo "token request failed with $status"; exit 1; }

rss() { awk -v k="$1:" '$1 == k { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status"; }
echo "idle RSS: $(rss VmRSS)"

basic=$(printf '%s:%s' "$client_id" "$client_secret" | base64 -w0)
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
LUA
if [ "${BENCH_PROTECTED:-0}" = 1 ]; then
  echo 'wrk.headers["X-Origin"] = "https://bench.example.com"' >>"$work/post.lua"
fi

for connections in 16 64; do
  out=$(wrk -t"${WRK_THREADS:-1}" -c"$connections" -d"$duration" --latency -s "$work/post.lua" "$public/token")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$out"
    echo "FAIL: some requests did not succeed"
    exit 1
  fi
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  echo "connections=$connections  rps=$rps  p50=$p50  p99=$p99"
done
echo "peak RSS: $(rss VmHWM)"
