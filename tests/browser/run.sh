#!/usr/bin/env bash
# Browser test: a real Tessera (debug build, SQLite, fresh data dir), one user, one public app,
# one operator, and headless Chromium signing in through the hosted pages (sign_in.mjs), then the
# same user using the developer dashboard (dashboard.mjs), then the operator using the admin
# console on the admin listener (console.mjs).
#
#   tests/browser/run.sh [SCREENSHOT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shots="${1:-}"

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd "$here" && [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent)
(cd "$root" && cargo build --quiet --bin tessera)
bin="$root/target/debug/tessera"

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export TESSERA_DATA_DIR="$work/data"
export TESSERA_ISSUER="http://127.0.0.1:$port"
export TESSERA_PUBLIC_ADDR="127.0.0.1:$port"
export TESSERA_ADMIN_ADDR="127.0.0.1:0"
export TESSERA_PASSWORD__SCRYPT_LOG_N=12
export TESSERA_LOG_LEVEL=warn
redirect="http://127.0.0.1:9/callback"

printf '%s' 'correct horse battery' | "$bin" user create --email alice@example.com --name Alice --password-stdin >/dev/null
printf '%s' 'operator horse battery' | "$bin" admin create --email root@example.com --role admin --password-stdin >/dev/null
client_id=$("$bin" client create --name "Reports" --public --redirect-uri "$redirect" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])')

"$bin" serve >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 1 100); do grep -q "admin:" "$work/stdout" 2>/dev/null && break; sleep 0.1; done
# The admin listener took a free port (TESSERA_ADMIN_ADDR=127.0.0.1:0): serve prints which.
admin=$(sed -n 's/^ *admin: *//p' "$work/stdout" | head -n 1)
[ -n "$admin" ] || { echo "no admin address in the output of tessera serve"; cat "$work/stdout" "$work/stderr"; exit 1; }

node "$here/sign_in.mjs" "$TESSERA_ISSUER" "$client_id" "$redirect" alice@example.com 'correct horse battery' $shots
node "$here/dashboard.mjs" "$TESSERA_ISSUER" alice@example.com 'correct horse battery' $shots
node "$here/console.mjs" "$admin" root@example.com 'operator horse battery' alice@example.com $shots
