#!/usr/bin/env bash
# End-to-end: `mtc ca init` then `mtc ca serve`: the log's read path answers
# per C2SP tlog-tiles, and SIGTERM stops the server cleanly.
# Usage: ca_serve_test.sh MTC_BINARY OPENSSL_BINARY
set -euo pipefail
mtc="$1" openssl="$2"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/serve.log" ] && cat "$work/serve.log" >&2; exit 1; }

"$mtc" ca init --dir "$work/ca" --log-listen 127.0.0.1:0 --acme-listen 127.0.0.1:0 --checkpoint-period 100ms \
  --landmark-interval 5s --max-cert-lifetime 20s >/dev/null || fail "ca init"
"$mtc" ca init --dir "$work/ca" >/dev/null 2>&1 && fail "a second init replaced the CA"
[ "$(stat -c %a "$work/ca/ca-key.pem")" = 600 ] || fail "CA key is not mode 600"

# A CSR straight into the log while no CA runs: the directory is opened and
# the entry committed at once.
"$openssl" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$work/key.pem" -subj "/CN=a.example" \
  -addext "subjectAltName=DNS:a.example,DNS:b.example" -out "$work/req.pem" 2>/dev/null ||
  fail "openssl req"
"$mtc" ca issue --dir "$work/ca" --csr "$work/req.pem" --out "$work/offline" >/dev/null ||
  fail "ca issue (offline)"
"$mtc" verify --ca-cert "$work/ca/ca-cert.pem" "$work/offline/cert.pem" | grep -q "index 0" ||
  fail "offline certificate does not verify"

# Starts `mtc ca serve` and prints the URL of log $1 once the server is ready.
serve() {
  : >"$work/serve.log"  # exists before the loop below reads it
  "$mtc" ca serve --dir "$work/ca" >"$work/serve.log" 2>&1 &
  pid=$!
  local u=""
  for _ in $(seq 1 100); do
    u=$(sed -n "s/^log $1: //p" "$work/serve.log")
    [ -n "$u" ] && break
    sleep 0.1
  done
  [ -n "$u" ] || fail "no 'log $1: URL' line"
  echo "$u"
}

serve 1 >"$work/url"
url=$(cat "$work/url")

python3 - "$url" <<'PY' || fail "read path"
import sys, urllib.request, urllib.error
url = sys.argv[1]
def get(path, method="GET"):
    req = urllib.request.Request(url + path, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
status, headers, body = get("/checkpoint")
assert status == 200, status
assert headers["Content-Type"] == "text/plain; charset=utf-8", headers
lines = body.decode().split("\n")
assert lines[0] == "oid/1.3.6.1.4.1.32473.1.0.1" and lines[1] == "1", lines[:3]
assert "\n\n\u2014 oid/1.3.6.1.4.1.32473.1 " in body.decode()
status, headers, body = get("/landmarks")
# Landmark 1 may already hold the offline entry (its interval has begun).
assert status == 200 and body in (b"0 0\n0\n", b"1 1\n1\n0\n"), (status, body)
assert headers["Cache-Control"].startswith("max-age="), headers
assert get("/tile/0/000.p/1")[0] == 200      # the offline entry
assert get("/tile/0/000.p/2")[0] == 404      # beyond the tree
assert get("/tile/0/000")[0] == 404          # no full tile yet
assert get("/tile/0/../../ca-key.pem")[0] == 404
assert get("/ca-key.pem")[0] == 404
assert get("/2/checkpoint")[0] == 404
assert get("/checkpoint", "POST")[0] == 405
PY

# The log verifies as a whole, and the relying party's update step writes a
# trusted-subtrees file (empty: no landmark yet).
"$mtc" log verify --url "$url" --ca-cert "$work/ca/ca-cert.pem" >/dev/null ||
  fail "log verify"
"$mtc" landmarks fetch --url "$url" --ca-cert "$work/ca/ca-cert.pem" \
  --out "$work/subtrees" >/dev/null || fail "landmarks fetch"
[ -f "$work/subtrees" ] || fail "no trusted-subtrees file"
"$mtc" log verify --url "${url%/1}/7" --ca-cert "$work/ca/ca-cert.pem" >/dev/null 2>&1 &&
  fail "log verify of a log that does not exist"

# Through the running CA's admin endpoint.
"$mtc" ca issue --dir "$work/ca" --csr "$work/req.pem" --out "$work/online" >/dev/null ||
  fail "ca issue (online)"
"$mtc" verify --ca-cert "$work/ca/ca-cert.pem" "$work/online/cert.pem" | grep -q "index 1" ||
  fail "online certificate does not verify"
"$mtc" log verify --url "$url" --ca-cert "$work/ca/ca-cert.pem" >/dev/null ||
  fail "log verify after issuance"

"$mtc" ca rotate-log --dir "$work/ca" >/dev/null 2>&1 && fail "rotate-log while serving"

stop() {
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "ca serve did not stop on SIGTERM"
  wait "$pid" || fail "ca serve exited non-zero"
  pid=""
}
stop

# draft §Log Failures: issuance moves to log 2; log 1 stays served.
"$mtc" ca rotate-log --dir "$work/ca" >/dev/null || fail "rotate-log"
serve 2 >"$work/url"
url2=$(cat "$work/url")
url1=$(sed -n 's/^log 1: //p' "$work/serve.log")
python3 - "$url1" "$url2" <<'PY' || fail "two logs"
import sys, urllib.request
for url, n in ((sys.argv[1], 1), (sys.argv[2], 2)):
    with urllib.request.urlopen(url + "/checkpoint", timeout=5) as r:
        origin = r.read().decode().split("\n")[0]
    assert origin == f"oid/1.3.6.1.4.1.32473.1.0.{n}", origin
PY
"$mtc" log verify --url "$url2" --ca-cert "$work/ca/ca-cert.pem" >/dev/null || fail "log 2 verify"
stop
echo "ca serve checks passed"
