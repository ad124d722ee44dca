#!/usr/bin/env bash
# Interoperability: standard Go transparency-log code (golang.org/x/mod's
# sumdb/note and sumdb/tlog, filippo.io/torchwood) reads a log that
# `mtc ca serve` publishes, per C2SP tlog-tiles and mtc-tlog: checkpoint and
# CA cosignature, every entry bundle and hash tile, the tree recomputed,
# inclusion proofs for every entry, a consistency proof between two
# checkpoints, and every issued certificate against its entry. Then a flipped
# byte in a hash tile on disk must make the same Go test fail.
# Usage: tlog_client_test.sh MTC_BINARY OPENSSL_BINARY [GO_BINARY]
# Go modules come from the module cache, else from GOPROXY; go.sum pins them.
set -euo pipefail
mtc="$1" openssl="$2" go="${3:-go}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/serve.log" ] && tail -20 "$work/serve.log" >&2; exit 1; }

command -v "$go" >/dev/null || fail "no go command ($go)"
# The module's own go.mod and go.sum decide; never another toolchain.
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false"
# Compile the test first (and fetch modules on a fresh machine), so that the
# timings below are the log's, not the compiler's.
(cd "$here" && "$go" test -c -o "$work/tlogclient.test" ./tlogclient) ||
  fail "go test -c (modules from GOPROXY=$("$go" env GOPROXY))"

entries=300      # more than one full tile of 256
first=40         # entries before the earlier checkpoint
parallel=32      # `mtc ca issue` processes at once

"$mtc" ca init --dir "$work/ca" --log-listen 127.0.0.1:0 --acme-listen 127.0.0.1:0 --checkpoint-period 100ms \
  >/dev/null || fail "ca init"
"$mtc" ca serve --dir "$work/ca" >"$work/serve.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^log 1: //p' "$work/serve.log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || fail "no 'log 1: URL' line"

# A handful of distinct requests, reused round robin.
for k in $(seq 0 15); do
  "$openssl" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/key$k.pem" -subj "/CN=host$k.example" \
    -addext "subjectAltName=DNS:host$k.example" -out "$work/req$k.pem" 2>/dev/null ||
    fail "openssl req"
done

# Issues certificates $1..$2-1, $parallel processes at a time.
issue() {
  local i=$1 pids=()
  while [ "$i" -lt "$2" ]; do
    "$mtc" ca issue --dir "$work/ca" --csr "$work/req$((i % 16)).pem" \
      --out "$work/certs/$i" >/dev/null 2>"$work/issue$i.err" &
    pids+=($!)
    i=$((i + 1))
    if [ "${#pids[@]}" -ge "$parallel" ] || [ "$i" -ge "$2" ]; then
      for p in "${pids[@]}"; do wait "$p" || fail "ca issue: $(cat "$work"/issue*.err)"; done
      pids=()
    fi
  done
}

start=$EPOCHREALTIME
issue 0 "$first"
python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=5).read())' \
  "$url/checkpoint" >"$work/old-checkpoint" || fail "GET checkpoint"
issue "$first" "$entries"
end=$EPOCHREALTIME
echo "issued $entries certificates in $(python3 -c "print(round($end - $start, 1))") s ($parallel at a time)"

run_go() {
  MTC_LOG_URL="$url" MTC_CA_CERT="$work/ca/ca-cert.pem" MTC_CA_ID=32473.1 \
    MTC_LOG_NUMBER=1 MTC_OLD_CHECKPOINT="$work/old-checkpoint" \
    MTC_CERTS_DIR="$work/certs" MTC_MIN_SIZE="$entries" \
    "$work/tlogclient.test" -test.v -test.count=1 -test.run '^TestTlogClient$'
}
run_go >"$work/go.out" 2>&1 || { cat "$work/go.out" >&2; fail "Go tlog client"; }
cat "$work/go.out"
# A skipped test passes too: require the pass line itself.
grep -q -- "--- PASS: TestTlogClient" "$work/go.out" || fail "TestTlogClient did not run"

# The same client must notice one flipped byte in the first full level-0 hash
# tile, as served from the CA's directory.
tile=$(find "$work/ca" -path '*/tile/0/000' -type f | head -1)
[ -n "$tile" ] || fail "no tile/0/000 under $work/ca"
byte=$(od -An -tu1 -j100 -N1 "$tile" | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
  dd of="$tile" bs=1 seek=100 conv=notrunc status=none
run_go >"$work/go-corrupt.out" 2>&1 && { cat "$work/go-corrupt.out" >&2; fail "a corrupted tile went unnoticed"; }
grep -q -- "--- FAIL: TestTlogClient" "$work/go-corrupt.out" || {
  cat "$work/go-corrupt.out" >&2; fail "the corrupted run did not fail in TestTlogClient"; }
echo "corrupted tile/0/000 rejected: $(grep -E "tlog_client_test.go:[0-9]+" "$work/go-corrupt.out" | tail -1 | sed "s/^ *//")"

kill -TERM "$pid"
wait "$pid" || fail "ca serve exited non-zero"
pid=""
echo "tlog client interop checks passed"
