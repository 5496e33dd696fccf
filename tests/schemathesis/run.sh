#!/usr/bin/env bash
# Admin API contract test: a real Tessera (debug build, SQLite, fresh data dir), one app made an
# admin operator, and schemathesis (pinned in requirements.txt, installed into .venv here) run
# against the admin listener's /openapi.json with that app's bearer token. It first checks that
# the document is OpenAPI 3.x and that schemathesis loads and validates it, then fuzzes every
# operation with a fixed seed and a bounded number of examples, checking: no 5xx, responses
# match their documented schema, and status codes are documented.
#
#   tests/schemathesis/run.sh [extra schemathesis run options...]
#
# Ends with 'schemathesis: N passed, N failed' (operations), counted by .ci/run.
# TESSERA_BIN (a prebuilt binary; default: build target/debug/tessera here),
# SCHEMATHESIS_MAX_EXAMPLES (default 50), SCHEMATHESIS_SEED (default 1) and SCHEMATHESIS_WORKERS
# (default 1) tune the run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"
seed="${SCHEMATHESIS_SEED:-1}"
# One worker: the same seed gives the same requests in the same order (2 races on SQLite writes).
workers="${SCHEMATHESIS_WORKERS:-1}"

# schemathesis, pinned, in a virtualenv of its own (reinstalled when requirements.txt changes).
if ! cmp -s "$here/requirements.txt" "$venv/.installed" 2>/dev/null; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    echo "installing Debian's python3-venv"
    rm -rf "$venv"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.installed"
fi
st="$venv/bin/schemathesis"
py="$venv/bin/python"

# TESSERA_BIN runs a binary built elsewhere instead of building this tree's debug binary.
if [ -n "${TESSERA_BIN:-}" ]; then
  bin="$TESSERA_BIN"
else
  (cd "$root" && cargo build --quiet --bin tessera)
  bin="$root/target/debug/tessera"
fi

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# The run's settings (longer stateful scenarios), read from the working directory.
cp "$here/schemathesis.toml" "$work/schemathesis.toml"

port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export TESSERA_DATA_DIR="$work/data"
export TESSERA_ISSUER="http://127.0.0.1:$port"
export TESSERA_PUBLIC_ADDR="127.0.0.1:$port"
export TESSERA_ADMIN_ADDR="127.0.0.1:0"
export TESSERA_PASSWORD__SCRYPT_LOG_N=12
export TESSERA_TOKENS__ACCESS_TOKEN_TTL=1h # the run must not outlive its token
export TESSERA_LOG_LEVEL=warn

# An app allowed client_credentials with tessera:admin, made an admin operator.
"$bin" client create --name admin-bot --grant client_credentials --scope tessera:admin >"$work/client.json"
client_id=$("$py" -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' <"$work/client.json")
client_secret=$("$py" -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' <"$work/client.json")
"$bin" admin add-app "--client-id=$client_id" --role admin >/dev/null

"$bin" serve >"$work/stdout" 2>"$work/stderr" &
pid=$!
admin=""
for _ in $(seq 1 100); do
  admin=$(sed -n 's/^ *admin: *\(http:[^ ]*\).*/\1/p' "$work/stdout" 2>/dev/null)
  [ -n "$admin" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$admin" ]; then
  echo "FATAL: tessera serve did not start" >&2
  cat "$work/stdout" "$work/stderr" >&2
  echo "schemathesis: 0 passed, 1 failed"
  exit 1
fi
public="$TESSERA_ISSUER"

# A tessera:admin access token (client_secret_basic; the id and secret are form-encoded first).
token=$(ID="$client_id" SECRET="$client_secret" URL="$public/token" "$py" - <<'EOF'
import base64, json, os, urllib.parse, urllib.request
q = lambda s: urllib.parse.quote(s, safe="")
basic = base64.b64encode(f"{q(os.environ['ID'])}:{q(os.environ['SECRET'])}".encode()).decode()
req = urllib.request.Request(
    os.environ["URL"],
    data=b"grant_type=client_credentials&scope=tessera%3Aadmin",
    headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
)
print(json.load(urllib.request.urlopen(req, timeout=10))["access_token"])
EOF
)
auth="Authorization: Bearer $token"

# 1. The document: fetched with the token, OpenAPI 3.x, valid against the OpenAPI meta-schema
# (schemathesis's own validation), and every operation in it loadable by schemathesis.
step() { printf '\n--> %s\n' "$*"; }
step "OpenAPI document at $admin/openapi.json"
if ! URL="$admin/openapi.json" TOKEN="$token" OUT="$work/openapi.json" "$py" - <<'EOF'; then
import json, os, sys, urllib.request
import schemathesis
from schemathesis.core.result import Err

req = urllib.request.Request(os.environ["URL"], headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
with urllib.request.urlopen(req, timeout=10) as r:
    body = r.read()
open(os.environ["OUT"], "wb").write(body)
doc = json.loads(body)
version = str(doc.get("openapi", ""))
if not version.startswith("3."):
    sys.exit(f"not an OpenAPI 3.x document: openapi={version!r} swagger={doc.get('swagger')!r}")
schema = schemathesis.openapi.from_path(os.environ["OUT"])
try:
    schema.validate()
except Exception as exc:
    sys.exit(f"invalid OpenAPI {version} document: {exc}")
ok, bad = 0, []
for result in schema.get_all_operations():
    if isinstance(result, Err):
        bad.append(str(result.err()))
    else:
        ok += 1
for b in bad:
    print("  invalid operation:", b, file=sys.stderr)
if bad:
    sys.exit(f"{len(bad)} operation(s) schemathesis cannot load")
print(f"OpenAPI {version}: valid, {len(doc.get('paths', {}))} paths, {ok} operations")
EOF
  echo "FAIL: the OpenAPI document is invalid"
  echo "schemathesis: 0 passed, 1 failed"
  exit 1
fi

# 2. The run: every operation, fixed seed, bounded examples; reports kept in the temp dir.
step "schemathesis run (seed $seed, at most $max_examples examples per operation)"
start=$SECONDS
status=0
# (in the temp dir: schemathesis keeps a crash cache in ./.schemathesis and reads ./schemathesis.toml)
(cd "$work" && "$st" run "$admin/openapi.json" \
  -H "$auth" \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance \
  --max-examples "$max_examples" --seed "$seed" \
  --generation-database none \
  --phases examples,coverage,fuzzing,stateful \
  --workers "$workers" --request-timeout 30 --continue-on-failure \
  --report junit --report-junit-path "$work/junit.xml" \
  --no-color "$@") 2>&1 | tee "$work/run.log" || status=$?
elapsed=$((SECONDS - start))

# The server's panics and errors (its WARN lines are every rejected request: left out).
if grep -qE 'panicked at|ERROR' "$work/stderr" 2>/dev/null; then
  step "server panics and errors"
  grep -E -A1 'panicked at|ERROR' "$work/stderr" | grep -v '^--$' | head -n 40
fi

# The summary: operations passed and failed, from the JUnit report (one testcase per operation).
counts=$("$py" - "$work/junit.xml" <<'EOF' || echo "0 1"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
passed = failed = 0
for case in root.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
        print("  FAILED:", case.get("name"), file=sys.stderr)
    elif case.find("skipped") is None:
        passed += 1
print(passed, failed)
EOF
)
read -r passed failed <<<"$counts"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "schemathesis run took ${elapsed}s (exit $status)"
echo "schemathesis: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
