#!/usr/bin/env bash
# The server's API fuzzed against its own OpenAPI document with schemathesis, signed in as an end
# user, a primary contact and a technician in turn: any 5xx, or an answer whose status, type or
# body the document does not describe, fails the stage. Each role gets BELLHOP_FUZZ_SECONDS
# (default 60) of generated requests (schemathesis' examples, coverage and fuzzing phases).
#
# One worker: with two threads, hypothesis' lambda descriptions race in CPython 3.11's ast module
# ("AST constructor recursion depth mismatch") and fail the run for no fault of the server.
#
# Left out: the live event stream (it never ends), and signing out (it would end the session the
# rest of the run uses).
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"

SCHEMATHESIS_VERSION=4.32.5
venv="$HOME/.cache/bellhop/venv"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  say "installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --locked -q -p bellhop-server
work=$(mktemp -d)
port=$(free_port)
RUST_LOG=warn "$CARGO_TARGET_DIR/debug/bellhop-server" --demo --data-dir "$work/data" \
  --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.1; done

# Every role signs in before anything is fuzzed: the fuzzed sign-ins' failures would make these
# wait (the limit is per client, and every request comes from here).
declare -A tokens
for who in bob@acme.example alice@acme.example tech@helpdesk.example; do
  tokens[$who]=$(curl -fs -H 'Content-Type: application/json' \
    -d "{\"email\":\"$who\",\"password\":\"bellhop-demo\"}" "$base/api/v1/auth/login" |
    sed -E 's/.*"token":"([^"]+)".*/\1/')
  [ -n "${tokens[$who]}" ] || { loud "could not sign in as $who"; exit 1; }
done

failed=0
for who in bob@acme.example alice@acme.example tech@helpdesk.example; do
  say "schemathesis as $who"
  if ! "$venv/bin/schemathesis" --no-color run "$base/api/openapi.json" \
      -H "Authorization: Bearer ${tokens[$who]}" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --exclude-path-regex '/events$|/logout$|/sign-out' \
      --phases examples,coverage,fuzzing \
      --max-time "${BELLHOP_FUZZ_SECONDS:-60}" --request-timeout 20 --workers 1 \
      --warnings off; then
    failed=1
  fi
done
if grep -q "panicked" "$work/server.log"; then
  loud "the server logged a panic:"; grep -A3 panicked "$work/server.log" >&2; failed=1
fi
exit $failed
