#!/usr/bin/env bash
# Two `mtc ca serve` processes serve one CA (docs/design.md §6): one
# PostgreSQL database (a throwaway cluster, scripts/pg-cluster) and one CA
# directory. The first to start holds the sequencer role; the other hands
# its entries over. lego (Debian's) orders certificates from both, alternating;
# then the holder is killed with SIGKILL while orders through the other are
# in flight (`mtc acme-bench`), the other takes the role over, and more certificates come from
# it, and from the killed one restarted as a follower, whose landmark-relative
# certificate (the optional alternate) verifies too. At the end:
#   - every certificate lego got passes `mtc verify` against the CA certificate;
#   - no log index (hence no serial number) was given twice;
#   - each certificate is the entry at its index in the served log
#     (`mtc log verify --entry-of`);
#   - the checkpoint served before the kill is consistent with the final one
#     (`mtc log verify --consistent-with`): no fork across the takeover.
#
# Usage: shared_ca_test.sh MTC_BINARY. Exits 77 (skipped) without lego.
set -euo pipefail
mtc="$1"
pg_cluster="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-cluster"
if ! command -v lego >/dev/null; then
  echo "SKIP: lego is not installed (scripts/bootstrap installs it)"
  exit 77
fi
work=$(mktemp -d)
declare -A pid_of=()
cleanup() {
  for p in "${pid_of[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pid_of[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -d "$work/pg" ] && "$pg_cluster" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL (shared CA): $*" >&2
  for f in "$work"/serve-*.log; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }
  done
  exit 1
}
free_port() { "$(dirname "$0")/../../scripts/free-port"; }
port=$(free_port)
ca="$work/ca"
mkdir -p "$work/pg"
chmod 755 "$work"  # the cluster may run as the postgres user
storage=$("$pg_cluster" start "$work/pg" $$ | sed -n 's/^uri: //p')
[ -n "$storage" ] || fail "pg-cluster start"
"$mtc" ca init --dir "$ca" --storage "$storage" --log-listen 127.0.0.1:0 --acme-listen 127.0.0.1:0 \
  --checkpoint-period 100ms --resolve-all-to 127.0.0.1 --http01-port "$port" \
  --landmark-interval 6s --max-cert-lifetime 60s --landmark-retry-spread 1s \
  >/dev/null || fail "ca init"

# start NAME: one more `mtc ca serve` on the same directory; waits until it
# says who sequences.
start() {
  local log="$work/serve-$1.log"
  : >"$log"
  "$mtc" ca serve --dir "$ca" --acme-listen 127.0.0.1:0 --log-listen 127.0.0.1:0 >>"$log" 2>&1 &
  pid_of[$1]=$!
  for _ in $(seq 1 100); do
    grep -q '^sequencer role: ' "$log" && return 0
    sleep 0.1
  done
  fail "$1 printed no 'sequencer role:' line"
}
directory() { sed -n 's/^acme directory: //p' "$work/serve-$1.log" | tail -1; }
log_url() { sed -n 's/^log 1: //p' "$work/serve-$1.log" | tail -1; }

n=0
# issue SERVER [may-fail]: one certificate for a fresh name through SERVER;
# with may-fail, an order that fails is no error (returns 1).
issue() {
  n=$((n + 1))
  local name="host$n.example"
  if ! LEGO_CA_CERTIFICATES="$ca/acme-ca.pem" timeout 60 lego --server "$(directory "$1")" \
    --email ops@a.example --accept-tos --path "$work/lego-$1" \
    --http --http.port "127.0.0.1:$port" --domains "$name" run >>"$work/lego.log" 2>&1; then
    [ "${2:-}" = may-fail ] && { echo "$name through $1: failed (in flight at the kill)"; return 1; }
    tail -20 "$work/lego.log" >&2
    fail "lego through $1 for $name"
  fi
  last_cert_json="$work/lego-$1/certificates/$name.json"
  local cert="$work/lego-$1/certificates/$name.crt"
  "$mtc" verify --ca-cert "$ca/ca-cert.pem" "$cert" >"$work/verify.out" ||
    fail "$name (through $1) does not verify: $(cat "$work/verify.out")"
  grep -q standalone "$work/verify.out" || fail "$name: not a standalone certificate"
  index=$(sed -n 's/.*index \([0-9]*\).*/\1/p' "$work/verify.out")
  [ -n "$index" ] || fail "no index in: $(cat "$work/verify.out")"
  echo "$index $cert" >>"$work/issued"
  echo "$name through $1: index $index"
}

start a
grep -q '^sequencer role: held by this process' "$work/serve-a.log" ||
  fail "the first process does not hold the sequencer role"
start b
grep -q '^sequencer role: held by another process' "$work/serve-b.log" ||
  fail "the second process took the role while the first holds it"

for _ in 1 2 3; do issue a; issue b; done

# The checkpoint served before the takeover, by the follower's listener.
python3 - "$(log_url b)/checkpoint" "$work/before.checkpoint" <<'PY' || fail "fetch checkpoint"
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    open(sys.argv[2], "wb").write(r.read())
PY

# SIGKILL the holder while `mtc acme-bench` keeps orders through the
# follower in flight: PostgreSQL ends the holder's session, and with it the
# lease. Orders whose entries the dead holder had claimed fail (their
# entries may or may not be in the log, never twice); the rest succeed.
"$mtc" acme-bench --directory "$(directory b)" --ca-bundle "$ca/acme-ca.pem" \
  --http01-port "$port" --orders 40 --concurrency 4 --timeout 30 --quiet \
  >"$work/bench.out" 2>&1 &
bench=$!
sleep 1.5
kill -KILL "${pid_of[a]}"
wait "${pid_of[a]}" 2>/dev/null || true
unset 'pid_of[a]'
wait "$bench" || true
grep '^issuances/s:' "$work/bench.out" || { cat "$work/bench.out" >&2; fail "acme-bench through b"; }
for _ in $(seq 1 100); do
  grep -q '^sequencer role: taken' "$work/serve-b.log" && break
  sleep 0.1
done
grep -q '^sequencer role: taken' "$work/serve-b.log" || fail "b did not take the role over"
echo "b: $(grep '^sequencer role: taken' "$work/serve-b.log")"

for _ in 1 2; do issue b; done
# The killed process comes back as a follower of b.
start a2
grep -q '^sequencer role: held by another process' "$work/serve-a2.log" ||
  fail "the restarted process took the role from b"
for _ in 1 2; do issue b; issue a2; done

# The landmark-relative certificate of the last one, through the follower
# that issued it, verifies against the landmarks its log serves.
cert_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certUrl"])' \
  "$last_cert_json")
python3 "$(dirname "$0")/fetch_alternate.py" "$cert_url/alternate" "$ca/acme-ca.pem" \
  "$work/alt.pem" "$work/alt-props.pem" || fail "optional alternate through a2"
"$mtc" landmarks fetch --url "$(log_url a2)" --ca-cert "$ca/ca-cert.pem" \
  --out "$work/subtrees" >/dev/null || fail "landmarks fetch"
"$mtc" verify --ca-cert "$ca/ca-cert.pem" --subtrees "$work/subtrees" "$work/alt.pem" \
  >"$work/verify.out" || fail "landmark-relative certificate: $(cat "$work/verify.out")"
grep -q landmark "$work/verify.out" || fail "not landmark-relative: $(cat "$work/verify.out")"
echo "alternate through a2: $(cat "$work/verify.out")"

# No index twice.
dups=$(cut -d' ' -f1 "$work/issued" | sort | uniq -d)
[ -z "$dups" ] || fail "indices given twice: $dups"
count=$(wc -l <"$work/issued")
[ "$count" -eq 12 ] || fail "$count certificates, expected 12"

# Every certificate is its entry in the log; the pre-takeover checkpoint is
# consistent with the final one.
args=(--consistent-with "$work/before.checkpoint")
while read -r _ cert; do args+=(--entry-of "$cert"); done <"$work/issued"
"$mtc" log verify --url "$(log_url b)" --ca-cert "$ca/ca-cert.pem" "${args[@]}" \
  >"$work/log-verify.out" 2>&1 || { cat "$work/log-verify.out" >&2; fail "log verify"; }
tail -3 "$work/log-verify.out"
echo "PASS: $count certificates from two processes across a sequencer takeover"
