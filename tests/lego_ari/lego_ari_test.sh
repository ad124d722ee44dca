#!/usr/bin/env bash
# lego v5 (go-acme/lego v5.6.0 from the Go module proxy, main.go) against
# `mtc ca serve`:
#
#   ari: lego obtains a certificate over http-01, fetches its renewalInfo
#        (RFC 9773 §4) and picks its renewal time inside the window our
#        server suggests (the window lego reports is the one our endpoint
#        serves for lego's certID); its renewal sends "replaces" (§5), which
#        the server accepts and reflects; the same replacement again gets
#        409 alreadyReplaced, and lego's retry without "replaces" is
#        accepted. Every certificate passes `mtc verify`. (main.go prints
#        each newOrder lego sends and the server's answer.)
#   eab: with external_account_required and an [[eab]] key in mtc.toml, the
#        directory says externalAccountRequired (RFC 8555 §7.3.4); lego's
#        binding (HS256 over its account key) creates the account, a
#        binding with a wrong MAC key is refused (unauthorized) and so is an
#        account without one (externalAccountRequired).
#
# Usage: lego_ari_test.sh MTC_BINARY GO_BINARY ari|eab
# Exits 77 (skipped) only when the Go toolchain cannot fetch the modules;
# the reason is printed.
set -euo pipefail
mtc="$1" go="$2" mode="$3"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL (lego $mode): $*" >&2
  [ -f "$work/serve.log" ] && tail -20 "$work/serve.log" >&2
  exit 1
}
free_port() { "$(dirname "$0")/../../scripts/free-port"; }
# The value of "NAME: value" in lego's output file $1.
field() { sed -n "s/^$2: //p" "$1" | head -1; }

command -v "$go" >/dev/null || { echo "SKIP: no go command ($go)"; exit 77; }
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false"
if ! (cd "$here" && "$go" build -o "$work/legoari" .) >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  # Only a module that cannot be fetched skips; a compile error fails.
  if grep -Eq 'proxy\.golang\.org|GOPROXY|dial tcp|no such host|403 Forbidden|410 Gone|module lookup disabled|missing go.sum entry' \
    "$work/build.log"; then
    echo "SKIP: the Go toolchain cannot fetch lego v5 (GOPROXY=$("$go" env GOPROXY))"
    exit 77
  fi
  fail "go build"
fi

http_port=$(free_port)
ca="$work/ca"
"$mtc" ca init --dir "$ca" --log-listen 127.0.0.1:0 --acme-listen 127.0.0.1:0 \
  --checkpoint-period 100ms --resolve-all-to 127.0.0.1 --http01-port "$http_port" \
  --landmark-interval 1h --max-cert-lifetime 1d >/dev/null || fail "ca init"
hmac=$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))')
if [ "$mode" = eab ]; then
  sed -i 's/^external_account_required = false$/external_account_required = true/' "$ca/mtc.toml"
  grep -q '^external_account_required = true$' "$ca/mtc.toml" ||
    fail "mtc.toml has no external_account_required key"
  printf '\n[[eab]]\nkid = "customer-1"\nhmac_key = "%s"\n' "$hmac" >>"$ca/mtc.toml"
fi
: >"$work/serve.log"
"$mtc" ca serve --dir "$ca" >"$work/serve.log" 2>&1 &
pids+=($!)
directory=""
for _ in $(seq 1 100); do
  directory=$(sed -n 's/^acme directory: //p' "$work/serve.log")
  [ -n "$directory" ] && break
  sleep 0.1
done
[ -n "$directory" ] || fail "no 'acme directory: URL' line"
export LEGO_CA_CERTIFICATES="$ca/acme-ca.pem"
mkdir -p "$work/out"
lego() {  # lego OUTPUT [flags]: runs the driver, bounded, output to OUTPUT
  local out="$1"
  shift
  timeout 150 "$work/legoari" -directory "$directory" -http-port "$http_port" \
    -out "$work/out" "$@" >"$out" 2>&1
}
check() {  # check CERT.pem: the leaf verifies against the CA certificate
  [ -s "$1" ] || fail "no certificate at $1"
  "$mtc" verify --ca-cert "$ca/ca-cert.pem" "$1" >"$work/verify.out" ||
    fail "$1 does not verify: $(cat "$work/verify.out")"
}

case "$mode" in
ari)
  lego "$work/lego.out" || { cat "$work/lego.out" >&2; fail "legoari"; }
  cat "$work/lego.out"
  check "$work/out/first.pem"
  check "$work/out/second.pem"
  cert_id=$(field "$work/lego.out" certID)
  [ -n "$cert_id" ] || fail "lego made no certID"
  # RFC 9773 §4.1: what our endpoint serves for lego's certID is the window
  # lego read.
  curl -sf --cacert "$ca/acme-ca.pem" -D "$work/ari.headers" \
    "${directory%/directory}/acme/renewal-info/$cert_id" >"$work/ari.json" ||
    fail "GET renewalInfo for $cert_id"
  python3 - "$work/ari.json" "$work/lego.out" "$work/ari.headers" <<'PY' || fail "ARI window"
import datetime, json, re, sys
served = json.load(open(sys.argv[1]))["suggestedWindow"]
lego = dict(l.split(": ", 1) for l in open(sys.argv[2]).read().splitlines() if ": " in l)
headers = open(sys.argv[3]).read()
def t(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
start, end = t(served["start"]), t(served["end"])
assert (t(lego["window start"]), t(lego["window end"])) == (start, end), (served, lego)
# RFC 9773 §4.2: a window whose end precedes its start is invalid.
assert start < end, served
# §4.3: Retry-After as served reached lego.
retry = re.search(r"(?im)^retry-after: *(\d+)", headers)
assert retry and int(retry.group(1)) == int(lego["retry after"]), (headers, lego)
# The window lies within the certificate's life, and lego's chosen renewal
# time (ShouldRenewAt, willing to sleep past the end) inside the window.
assert t(lego["notBefore"]) <= start and end <= t(lego["notAfter"]), (served, lego)
at = t(lego["renew at"])
assert start <= at <= end, (at, served)
# A day-long certificate just issued is not due yet (window at 2/3 of life).
assert lego["renew now"] == "no", lego["renew now"]
print("ARI: lego read window", served["start"], "..", served["end"], "and chose", lego["renew at"])
PY
  grep -qx "renewalInfo request: GET /acme/renewal-info/$cert_id -> 200" "$work/lego.out" ||
    fail "lego did not fetch our renewalInfo for $cert_id"
  [ "$(field "$work/lego.out" "renewed serial differs")" = true ] || fail "the renewal returned the same certificate"
  # The newOrders lego sent, in order: the first certificate; the renewal
  # naming it (accepted, reflected: §5 MUST); the same replacement again
  # (409 alreadyReplaced, §5 MUST); lego's retry without "replaces".
  want=$(printf '%s\n' \
    "newOrder 1: replaces= status=201 type= reflected=" \
    "newOrder 2: replaces=$cert_id status=201 type= reflected=$cert_id" \
    "newOrder 3: replaces=$cert_id status=409 type=urn:ietf:params:acme:error:alreadyReplaced reflected=" \
    "newOrder 4: replaces= status=201 type= reflected=")
  got=$(grep '^newOrder ' "$work/lego.out")
  [ "$got" = "$want" ] || fail "newOrders:
$got
expected:
$want"
  [ "$(field "$work/lego.out" "second replacement")" = ok ] ||
    fail "lego's second renewal: $(field "$work/lego.out" "second replacement")"
  ;;
eab)
  lego "$work/good.out" -eab-kid customer-1 -eab-hmac "$hmac" ||
    { cat "$work/good.out" >&2; fail "registration with the right binding"; }
  cat "$work/good.out"
  [ "$(field "$work/good.out" externalAccountRequired)" = true ] ||
    fail "the directory does not say externalAccountRequired (mtc ca serve ignores mtc.toml's ACME keys?)"
  [ "$(field "$work/good.out" "account externalAccountBinding returned")" = true ] ||
    fail "the new account does not reflect the binding (RFC 8555 §7.3.4)"
  # A key of the same length that is not the CA's.
  wrong=$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))')
  if lego "$work/wrong.out" -eab-kid customer-1 -eab-hmac "$wrong"; then
    fail "a binding with the wrong MAC key was accepted"
  fi
  grep -q 'urn:ietf:params:acme:error:unauthorized' "$work/wrong.out" ||
    fail "wrong MAC: $(cat "$work/wrong.out")"
  if lego "$work/none.out"; then fail "an account without a binding was created"; fi
  grep -q 'urn:ietf:params:acme:error:externalAccountRequired' "$work/none.out" ||
    fail "no binding: $(cat "$work/none.out")"
  echo "EAB: lego's binding accepted; wrong MAC and no binding refused"
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "lego $mode: passed"
