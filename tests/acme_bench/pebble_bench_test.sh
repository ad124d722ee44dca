#!/usr/bin/env bash
# End-to-end: `mtc acme-bench` runs complete ACME issuances (RFC 8555:
# account, order, http-01 answered by its own responder, finalize,
# certificate download) against Pebble on loopback, with real challenge
# validation: Pebble's httpPort is the bench's responder port, and the
# orders name the IP identifier 127.0.0.1 (RFC 8738), which needs no DNS.
#
# Checks: 20 orders at concurrency 4 end with "errors: 0" and Pebble logs 20
# issued certificates and 20 authorizations validated by challenge; with
# the responder on another port than Pebble validates, every order fails
# (so the first run's challenges were really answered); with --directory
# given twice (a second Pebble validating at the same responder port),
# the orders are spread over both servers, each issues what the bench says
# it did, and --server-pid given twice ends with the total.
#
# Usage: pebble_bench_test.sh MTC_BINARY
# Exits 77 (skipped) when pebble is not installed (scripts/bootstrap
# installs it).
set -euo pipefail
mtc="$1"
if ! command -v pebble >/dev/null; then
  echo "SKIP: pebble is not installed (scripts/bootstrap installs it)"
  exit 77
fi
openssl="${MTC_OPENSSL_PREFIX:-/opt/mtc/openssl-3.5}/bin/openssl"
[ -x "$openssl" ] || { echo "FAIL: no OpenSSL at $openssl" >&2; exit 1; }

work=$(mktemp -d)
pebble_pid=""
pebble2_pid=""
cleanup() {
  [ -n "$pebble_pid" ] && kill "$pebble_pid" 2>/dev/null || true
  [ -n "$pebble2_pid" ] && kill "$pebble2_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/pebble.log" ] && grep -v "calling handler" "$work/pebble.log" | tail -20 >&2
  exit 1
}
free_port() { "$(dirname "$0")/../../scripts/free-port"; }
acme_port=$(free_port)
mgmt_port=$(free_port)
http01_port=$(free_port)
tls_port=$(free_port)

# Pebble's HTTPS listener needs a certificate for 127.0.0.1 (Debian ships
# none); the bench trusts it through --ca-bundle.
"$openssl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$work/key.pem" -out "$work/cert.pem" -days 1 -subj /CN=pebble \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
  fail "could not make Pebble's TLS certificate"
cat >"$work/pebble.json" <<JSON
{"pebble": {
  "listenAddress": "127.0.0.1:$acme_port",
  "managementListenAddress": "127.0.0.1:$mgmt_port",
  "certificate": "$work/cert.pem",
  "privateKey": "$work/key.pem",
  "httpPort": $http01_port,
  "tlsPort": $tls_port,
  "ocspResponderURL": "",
  "externalAccountBindingRequired": false
}}
JSON
# No validation sleeps, no deliberately rejected nonces, no authorization
# reuse (each order has its own account anyway): every issuance does the
# whole protocol.
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
  pebble -config "$work/pebble.json" -strict=false >"$work/pebble.log" 2>&1 &
pebble_pid=$!
directory="https://127.0.0.1:$acme_port/dir"
for _ in $(seq 1 100); do
  grep -qs "ACME directory available" "$work/pebble.log" && break
  kill -0 "$pebble_pid" 2>/dev/null || fail "pebble exited"
  sleep 0.1
done
grep -q "ACME directory available" "$work/pebble.log" || fail "pebble did not start"

# 1. Twenty complete issuances.
timeout 120 "$mtc" acme-bench --directory "$directory" --ca-bundle "$work/cert.pem" \
  --http01-port "$http01_port" --orders 20 --concurrency 4 --max-seconds 60 \
  --server-pid "$pebble_pid" >"$work/bench.out" 2>"$work/bench.err" ||
  { cat "$work/bench.err" >&2; fail "acme-bench failed"; }
cat "$work/bench.err"
line=$(tail -1 "$work/bench.out")
echo "$line"
[[ "$line" =~ ^issuances/s:\ [0-9.]+\ p50_ms:\ [0-9.]+\ p99_ms:\ [0-9.]+\ errors:\ 0$ ]] ||
  fail "unexpected summary line: $line"
issued=$(grep -c "Issued certificate serial" "$work/pebble.log" || true)
[ "$issued" -eq 20 ] || fail "pebble issued $issued certificates, not 20"
validated=$(grep -c "set VALID by completed challenge" "$work/pebble.log" || true)
[ "$validated" -eq 20 ] || fail "pebble validated $validated challenges, not 20"

# 2. The responder on a port Pebble does not validate at: every order fails
# at its challenge and the bench says so.
other_port=$(free_port)
set +e
timeout 60 "$mtc" acme-bench --directory "$directory" --ca-bundle "$work/cert.pem" \
  --http01-port "$other_port" --orders 2 --concurrency 2 --max-seconds 30 \
  --quiet >"$work/bad.out" 2>"$work/bad.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || { cat "$work/bad.err" >&2; fail "expected exit 1 for failed validations, got $rc"; }
line=$(tail -1 "$work/bad.out")
[[ "$line" =~ errors:\ 2$ ]] || fail "expected 2 errors, got: $line"
grep -q "authorization .* is invalid" "$work/bad.err" ||
  fail "the failure does not name the invalid authorization: $(cat "$work/bad.err")"
cat "$work/bad.err"

# 3. Two directories: a second Pebble that validates at the same responder
# port. Worker i orders from directory i mod 2.
acme2_port=$(free_port)
sed -e "s/127.0.0.1:$acme_port/127.0.0.1:$acme2_port/" \
  -e "s/127.0.0.1:$mgmt_port/127.0.0.1:$(free_port)/" \
  -e "s/\"tlsPort\": $tls_port/\"tlsPort\": $(free_port)/" \
  "$work/pebble.json" >"$work/pebble2.json"
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 \
  pebble -config "$work/pebble2.json" -strict=false >"$work/pebble2.log" 2>&1 &
pebble2_pid=$!
directory2="https://127.0.0.1:$acme2_port/dir"
for _ in $(seq 1 100); do
  grep -qs "ACME directory available" "$work/pebble2.log" && break
  kill -0 "$pebble2_pid" 2>/dev/null || fail "the second pebble exited"
  sleep 0.1
done
grep -q "ACME directory available" "$work/pebble2.log" ||
  fail "the second pebble did not start"
timeout 120 "$mtc" acme-bench --directory "$directory" --directory "$directory2" \
  --ca-bundle "$work/cert.pem" --http01-port "$http01_port" --orders 20 \
  --concurrency 4 --max-seconds 60 --server-pid "$pebble_pid" \
  --server-pid "$pebble2_pid" >"$work/two.out" 2>"$work/two.err" ||
  { cat "$work/two.err" >&2; fail "acme-bench on two directories failed"; }
cat "$work/two.err"
line=$(tail -1 "$work/two.out")
[[ "$line" =~ errors:\ 0$ ]] || fail "unexpected summary line: $line"
# What each Pebble issued beyond step 1, and what the bench says it did.
issued1=$(($(grep -c "Issued certificate serial" "$work/pebble.log") - 20))
issued2=$(grep -c "Issued certificate serial" "$work/pebble2.log" || true)
said1=$(sed -n "s|^acme-bench: directory 1 $directory: \([0-9]*\) issued.*|\1|p" "$work/two.err")
said2=$(sed -n "s|^acme-bench: directory 2 $directory2: \([0-9]*\) issued.*|\1|p" "$work/two.err")
[ "$issued1" -gt 0 ] && [ "$issued2" -gt 0 ] ||
  fail "orders not spread: $issued1 and $issued2 issued"
[ "$((issued1 + issued2))" -eq 20 ] ||
  fail "the two pebbles issued $issued1 + $issued2, not 20"
[ "$said1" = "$issued1" ] && [ "$said2" = "$issued2" ] ||
  fail "the bench reports $said1 and $said2, the pebbles issued $issued1 and $issued2"
grep -q "^acme-bench: servers total (2 pids) cpu_ms/issuance: " "$work/two.err" ||
  fail "no total server CPU line for two --server-pid"
echo "PASS: 20 issuances against Pebble; failed validations reported;" \
  "20 more spread over two directories ($issued1 + $issued2)"
