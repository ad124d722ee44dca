#!/usr/bin/env bash
# Interoperability: filippo.io/torchwood's litewitness (v0.6.1, a C2SP
# tlog-witness) as a witness of `mtc ca serve`. What it shows, in order:
#   1. litewitness cannot verify the CA's checkpoints as they are: their only
#      log signature is the CA's ML-DSA-44 cosignature (signed-note type 0x06),
#      and litewitness parses log keys with x/mod's note.NewVerifier, which
#      knows Ed25519 (type 0x01) only: add-checkpoint answers 500
#      "... unknown verifier algorithm".
#   2. With one more signature line, an Ed25519 signed-note signature by a key
#      named after the log origin (added by `logsig proxy` in front of the
#      witness), litewitness accepts the CA's add-checkpoint requests, their
#      consistency proofs included, and the CA verifies the cosignature/v1 line
#      it answers; then sign-subtree answers 404, as litewitness has no such
#      endpoint. The witness stays optional, so issuance goes on.
# See README.md. Usage: litewitness_test.sh MTC_BINARY OPENSSL_BINARY [GO_BINARY]
set -euo pipefail
mtc="$1" openssl="$2" go="${3:-go}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in serve.log litewitness.log proxy.log; do
    [ -f "$work/$f" ] && { echo "--- $f" >&2; tail -c 3000 "$work/$f" >&2; }
  done
  exit 1
}
for tool in ssh-keygen ssh-agent ssh-add python3; do
  command -v "$tool" >/dev/null || fail "$tool not found (scripts/bootstrap installs it)"
done
command -v "$go" >/dev/null || fail "no go command ($go)"
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false"
# litewitness is a `tool` of the module: go.mod and go.sum pin it and its
# dependencies. (witnessctl cannot be built here: the module proxy refuses
# sigsum.org/sigsum-go, which it imports; its database writes are done below
# with Python's sqlite3 instead, the same two INSERTs as witnessctl's
# add-log and add-key.)
(cd "$here" && "$go" build -o "$work/litewitness" filippo.io/torchwood/cmd/litewitness &&
  "$go" build -o "$work/logsig" ./cmd/logsig) || fail "go build"

ca_name=oid/1.3.6.1.4.1.32473.1
origin=$ca_name.0.1
witness_name=oid/1.3.6.1.4.1.32473.2.1

# A free loopback port for litewitness, which cannot report the one it got.
free_port() { "$(dirname "$0")/../../scripts/free-port"; }
# Waits for a line matching $2 in file $1 and prints it.
wait_line() {
  local line=""
  for _ in $(seq 1 100); do
    line=$(grep -m1 -E "$2" "$1" 2>/dev/null || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    sleep 0.1
  done
  return 1
}
# litewitness's database, as witnessctl would change it (add-log starts a log
# at size 0 with the empty tree's hash; add-key adds a verifier key).
db() {
  python3 - "$work/witness.db" "$@" <<'PY'
import base64, hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cmd, origin = sys.argv[2], sys.argv[3]
if cmd == "add-log":
    empty = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    db.execute("INSERT INTO log (origin, tree_size, tree_hash) VALUES (?, 0, ?)", (origin, empty))
elif cmd == "set-key":
    db.execute("DELETE FROM key WHERE origin = ?", (origin,))
    db.execute("INSERT INTO key (origin, key) VALUES (?, ?)", (origin, sys.argv[4]))
elif cmd == "size":
    print(db.execute("SELECT tree_size FROM log WHERE origin = ?", (origin,)).fetchone()[0])
db.commit()
PY
}

# The witness: its Ed25519 key in a dedicated ssh-agent, as litewitness wants.
ssh-keygen -q -t ed25519 -N '' -C litewitness -f "$work/witness-key" || fail "ssh-keygen"
ssh-agent -D -a "$work/agent.sock" >"$work/agent.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -S "$work/agent.sock" ] && break; sleep 0.1; done
SSH_AUTH_SOCK="$work/agent.sock" ssh-add -q "$work/witness-key" 2>/dev/null || fail "ssh-add"
fingerprint=$(ssh-keygen -lf "$work/witness-key.pub" | awk '{print $2}')
port=$(free_port)
"$work/litewitness" -name "$witness_name" -db "$work/witness.db" \
  -ssh-agent "$work/agent.sock" -key "$fingerprint" -listen "127.0.0.1:$port" \
  >"$work/litewitness.log" 2>&1 &
pids+=($!)
wait_line "$work/litewitness.log" 'msg=listening' >/dev/null || fail "litewitness did not start"
witness_vkey=$(sed -n 's/.*msg="verifier key" vkey=//p' "$work/litewitness.log")
[ -n "$witness_vkey" ] || fail "no verifier key in litewitness's log"

# The CA, with litewitness as an optional witness.
"$mtc" ca init --dir "$work/ca" --log-listen 127.0.0.1:0 --acme-listen 127.0.0.1:0 --checkpoint-period 100ms \
  >/dev/null || fail "ca init"
set_witness_url() {
  sed -i '/^\[\[witness\]\]$/,$d' "$work/ca/mtc.toml"
  printf '[[witness]]\nname = "%s"\nurl = "%s"\nvkey = "%s"\nrequired = false\ntimeout = "5s"\n' \
    "$witness_name" "$1" "$witness_vkey" >>"$work/ca/mtc.toml"
}
ca_pid=""
start_ca() {
  "$mtc" ca serve --dir "$work/ca" >"$work/serve.log" 2>&1 &
  ca_pid=$!
  pids+=("$ca_pid")
  wait_line "$work/serve.log" '^log 1: ' >/dev/null || fail "ca serve did not start"
}
stop_ca() {
  kill -TERM "$ca_pid"
  wait "$ca_pid" || fail "ca serve exited non-zero"
}
"$openssl" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$work/key.pem" -subj "/CN=a.example" -addext "subjectAltName=DNS:a.example" \
  -out "$work/req.pem" 2>/dev/null || fail "openssl req"
issue() {
  "$mtc" ca issue --dir "$work/ca" --csr "$work/req.pem" --out "$work/cert$1" >/dev/null ||
    fail "ca issue $1"
}

# 1. The log registered with the key it has: the CA's ML-DSA-44 vkey.
ca_vkey=$("$work/logsig" ca-vkey "$work/ca/ca-cert.pem" "$ca_name") || fail "logsig ca-vkey"
db add-log "$origin" || fail "add-log"
db set-key "$origin" "$ca_vkey" || fail "add-key"
set_witness_url "http://127.0.0.1:$port"
start_ca
issue 1
wait_line "$work/serve.log" \
  "add-checkpoint answered 500: invalid key \"$ca_name\\+[0-9a-f]{8}\\+B.*\": unknown verifier algorithm" \
  >/dev/null || fail "expected litewitness to reject the ML-DSA-44 log key"
[ "$(db size "$origin")" = 0 ] || fail "litewitness moved on without a verified checkpoint"
stop_ca
echo "1. CA's ML-DSA-44 log key: litewitness answers 500 unknown verifier algorithm"

# 2. The same CA behind a forwarder that adds an Ed25519 log signature.
"$work/logsig" proxy -listen 127.0.0.1:0 -upstream "http://127.0.0.1:$port" \
  -origin "$origin" >"$work/proxy.log" 2>&1 &
pids+=($!)
proxy_url=$(wait_line "$work/proxy.log" '^listening ' | sed 's/^listening //') ||
  fail "logsig proxy did not start"
db set-key "$origin" "$(sed -n 's/^vkey //p' "$work/proxy.log")" || fail "add-key"
set_witness_url "$proxy_url"
start_ca
for i in 2 3 4 5; do issue "$i"; done
python3 - "$(sed -n 's/^log 1: //p' "$work/serve.log")/checkpoint" >"$work/checkpoint" <<'PY' ||
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())
PY
  fail "GET checkpoint"
size=$(sed -n 2p "$work/checkpoint")
accepted=$(grep -c 'POST /add-checkpoint: 200 "— '"$witness_name"' ' "$work/proxy.log" || true)
[ "$accepted" -ge 3 ] || fail "litewitness cosigned $accepted checkpoints, want at least 3"
grep -q 'add-checkpoint answered' "$work/serve.log" && fail "the CA rejected an add-checkpoint answer"
wait_line "$work/serve.log" 'sign-subtree answered 404' >/dev/null ||
  fail "expected sign-subtree to be missing (404)"
[ "$(db size "$origin")" = "$size" ] || fail "litewitness holds size $(db size "$origin"), the log $size"
stop_ca
echo "2. with an Ed25519 log signature added: $accepted checkpoints cosigned up to size $size" \
  "(consistency proofs from the CA, cosignatures checked by the CA); sign-subtree: 404"

# 3. A restarted CA starts from size 0; litewitness answers 409 with its size
# and the CA resends from there.
start_ca
issue 6
wait_line "$work/proxy.log" 'POST /add-checkpoint: 409 "'"$size"'\\n"' >/dev/null ||
  fail "expected a 409 naming size $size"
[ "$(db size "$origin")" = $((size + 1)) ] || fail "litewitness holds size $(db size "$origin")"
grep -q 'add-checkpoint answered' "$work/serve.log" && fail "the CA rejected an add-checkpoint answer"
stop_ca
echo "3. after a CA restart: 409 at size $size, resent, cosigned at size $((size + 1))"
echo "litewitness interop checks passed"
