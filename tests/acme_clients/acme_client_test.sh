#!/usr/bin/env bash
# End-to-end: a real ACME client, as Debian packages it, obtains certificates
# from `mtc ca serve` over http-01 on a loopback port (the CA validates every
# name against 127.0.0.1 on that port, `resolve_all_to`), each client trusting
# the ACME endpoint through its own option for acme-ca.pem; every certificate
# it gets passes `mtc verify` against the CA certificate.
#
# lego also renews, revokes, validates over tls-alpn-01, and fetches the landmark-relative certificate
# through the optional alternate (draft §ACME Extensions): 202 + Retry-After
# until the next landmark, then 200 with a certificate that verifies against
# the landmark subtrees. certbot also renews and revokes.
#
# Usage: acme_client_test.sh MTC_BINARY lego|certbot|uacme|dehydrated [postgres]
# With "postgres" the CA keeps its log state and ACME state in a throwaway
# PostgreSQL cluster (scripts/pg-cluster) instead of SQLite.
# Exits 77 (skipped) when the client is not installed (scripts/bootstrap
# installs all four).
set -euo pipefail
mtc="$1" client="$2" storage="${3:-sqlite}"
pg_cluster="$(cd "$(dirname "$0")/../.." && pwd)/scripts/pg-cluster"
if ! command -v "$client" >/dev/null; then
  echo "SKIP: $client is not installed (scripts/bootstrap installs it)"
  exit 77
fi
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -d "$work/pg" ] && "$pg_cluster" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL ($client): $*" >&2
  [ -f "$work/serve.log" ] && tail -20 "$work/serve.log" >&2
  exit 1
}
free_port() { "$(dirname "$0")/../../scripts/free-port"; }
port=$(free_port)
tls_port=$(free_port)
ca="$work/ca"
if [ "$storage" = postgres ]; then
  mkdir -p "$work/pg"
  chmod 755 "$work"  # the cluster may run as the postgres user
  storage=$("$pg_cluster" start "$work/pg" $$ | sed -n 's/^uri: //p')
  [ -n "$storage" ] || fail "pg-cluster start"
fi
"$mtc" ca init --dir "$ca" --storage "$storage" --log-listen 127.0.0.1:0 --acme-listen 127.0.0.1:0 \
  --checkpoint-period 100ms --resolve-all-to 127.0.0.1 --http01-port "$port" --tls-alpn01-port "$tls_port" \
  --landmark-interval 6s --max-cert-lifetime 60s --landmark-retry-spread 1s \
  >/dev/null || fail "ca init"
: >"$work/serve.log"  # exists before the background job opens it
"$mtc" ca serve --dir "$ca" >"$work/serve.log" 2>&1 &
pids+=($!)
directory=""
for _ in $(seq 1 100); do
  directory=$(sed -n 's/^acme directory: //p' "$work/serve.log")
  [ -n "$directory" ] && break
  sleep 0.1
done
[ -n "$directory" ] || fail "no 'acme directory: URL' line"
log_url=$(sed -n 's/^log 1: //p' "$work/serve.log")
if [ "$storage" != sqlite ]; then
  # All state is in PostgreSQL: no SQLite file beside the tiles.
  [ ! -e "$ca/state.db" ] && [ ! -e "$ca/acme.db" ] || fail "SQLite used with $storage"
fi
anchor="$ca/acme-ca.pem"

check() {  # check CERT.pem: the leaf verifies against the CA certificate
  [ -s "$1" ] || fail "no certificate at $1"
  "$mtc" verify --ca-cert "$ca/ca-cert.pem" "$1" >"$work/verify.out" ||
    fail "$1 does not verify: $(cat "$work/verify.out")"
  grep -q "standalone" "$work/verify.out" || fail "not a standalone certificate"
  echo "$client: $(cat "$work/verify.out")"
}

# A static http-01 responder for the clients that only write files.
serve_webroot() {
  mkdir -p "$work/webroot/.well-known/acme-challenge"
  python3 -m http.server --bind 127.0.0.1 --directory "$work/webroot" "$port" \
    >"$work/webroot.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do
    python3 - "$port" 2>/dev/null <<'PY' && return 0
import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
PY
    sleep 0.1
  done
  fail "the webroot responder did not start"
}

# A CA bundle that also trusts the ACME endpoint, for clients whose TLS
# library reads only the system bundle (uacme's libcurl-gnutls): it is bind-
# mounted over the system file inside a private mount namespace.
with_trust() {
  cat /etc/ssl/certs/ca-certificates.crt "$anchor" >"$work/bundle.pem" 2>/dev/null ||
    cp "$anchor" "$work/bundle.pem"
  unshare -m sh -c 'mount --bind "$0" /etc/ssl/certs/ca-certificates.crt && shift && exec "$@"' \
    "$work/bundle.pem" -- "$@"
}

case "$client" in
lego)
  lego_run() {
    LEGO_CA_CERTIFICATES="$anchor" lego --server "$directory" --email ops@a.example \
      --accept-tos --path "$work/lego" "$@" \
      >>"$work/lego.log" 2>&1 ||
      { cat "$work/lego.log" >&2; fail "lego $*"; }
  }
  http01=(--http --http.port "127.0.0.1:$port")
  lego_run "${http01[@]}" --domains a.example --domains b.example run
  cert="$work/lego/certificates/a.example.crt"
  check "$cert"
  serial1=$("$mtc" verify --ca-cert "$ca/ca-cert.pem" "$cert" | sed -n 's/.*index \([0-9]*\).*/\1/p')
  # The optional alternate: 202 + Retry-After, then the landmark-relative
  # certificate, which verifies against the published landmark subtrees.
  cert_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["certUrl"])' \
    "$work/lego/certificates/a.example.json")
  python3 "$(dirname "$0")/fetch_alternate.py" "$cert_url/alternate" "$anchor" "$work/alt.pem" \
    "$work/alt-props.pem" ||
    fail "optional alternate"
  "$mtc" landmarks fetch --url "$log_url" --ca-cert "$ca/ca-cert.pem" \
    --out "$work/subtrees" >/dev/null || fail "landmarks fetch"
  "$mtc" verify --ca-cert "$ca/ca-cert.pem" --subtrees "$work/subtrees" "$work/alt.pem" \
    >"$work/verify.out" || fail "landmark-relative certificate: $(cat "$work/verify.out")"
  grep -q "landmark" "$work/verify.out" || fail "not landmark-relative: $(cat "$work/verify.out")"
  echo "lego alternate: $(cat "$work/verify.out")"
  # Renewal: the 60 s certificate is always within 30 days of expiry.
  lego_run "${http01[@]}" --domains a.example --domains b.example renew --days 30 \
    --no-random-sleep
  check "$cert"
  serial2=$("$mtc" verify --ca-cert "$ca/ca-cert.pem" "$cert" | sed -n 's/.*index \([0-9]*\).*/\1/p')
  [ "$serial1" != "$serial2" ] || fail "renewal returned the same entry"
  # tls-alpn-01 (RFC 8737) through lego's own TLS responder.
  lego_run --tls --tls.port "127.0.0.1:$tls_port" --domains c.example run
  check "$work/lego/certificates/c.example.crt"
  # Revocation by the account key, visible in the published list.
  lego_run --domains a.example revoke --reason 4
  curl -sf --cacert "$anchor" "${directory%/directory}/acme/revoked" >"$work/revoked.json" ||
    fail "revocation list"
  grep -q "\"index\":$serial2" "$work/revoked.json" || fail "not listed: $(cat "$work/revoked.json")"
  ;;
certbot)
  certbot_run() {
    REQUESTS_CA_BUNDLE="$anchor" certbot --non-interactive --agree-tos -m ops@a.example \
      --server "$directory" --config-dir "$work/cb/config" --work-dir "$work/cb/work" \
      --logs-dir "$work/cb/logs" "$@" >>"$work/certbot.log" 2>&1 ||
      { cat "$work/certbot.log" >&2; fail "certbot $*"; }
  }
  certbot_run certonly --standalone --http-01-address 127.0.0.1 --http-01-port "$port" \
    -d a.example -d b.example
  live="$work/cb/config/live/a.example"
  check "$live/cert.pem"
  first=$(sha256sum <"$live/cert.pem")
  certbot_run renew --force-renewal --no-random-sleep-on-renew
  [ "$(sha256sum <"$live/cert.pem")" != "$first" ] || fail "renewal changed nothing"
  check "$live/cert.pem"
  certbot_run revoke --cert-path "$live/cert.pem" --reason superseded --no-delete-after-revoke
  curl -sf --cacert "$anchor" "${directory%/directory}/acme/revoked" | grep -q '"reason":4' ||
    fail "revocation not listed"
  ;;
uacme)
  serve_webroot
  cat >"$work/hook.sh" <<HOOK
#!/bin/sh
# uacme hook: METHOD TYPE IDENT TOKEN AUTH; accept http-01 only.
[ "\$2" = http-01 ] || exit 1
f="$work/webroot/.well-known/acme-challenge/\$4"
case "\$1" in
  begin) printf '%s' "\$5" >"\$f" ;;
  *) rm -f "\$f" ;;
esac
HOOK
  chmod +x "$work/hook.sh"
  with_trust uacme -y -c "$work/uacme" -a "$directory" new ops@a.example \
    >"$work/uacme.log" 2>&1 || { cat "$work/uacme.log" >&2; fail "uacme new"; }
  with_trust uacme -y -c "$work/uacme" -a "$directory" -h "$work/hook.sh" -t EC \
    issue a.example b.example >>"$work/uacme.log" 2>&1 ||
    { cat "$work/uacme.log" >&2; fail "uacme issue"; }
  check "$work/uacme/a.example/cert.pem"
  ;;
dehydrated)
  serve_webroot
  cat >"$work/dehydrated.conf" <<CONF
CA="$directory"
CHALLENGETYPE="http-01"
BASEDIR="$work/dehydrated"
WELLKNOWN="$work/webroot/.well-known/acme-challenge"
CONTACT_EMAIL="ops@a.example"
KEY_ALGO=prime256v1
CURL_OPTS="--cacert $anchor"
CONF
  mkdir -p "$work/dehydrated"
  dehydrated -f "$work/dehydrated.conf" --register --accept-terms \
    >"$work/dehydrated.log" 2>&1 || { cat "$work/dehydrated.log" >&2; fail "register"; }
  dehydrated -f "$work/dehydrated.conf" -c -d a.example -d b.example \
    >>"$work/dehydrated.log" 2>&1 || { cat "$work/dehydrated.log" >&2; fail "issue"; }
  check "$work/dehydrated/certs/a.example/cert.pem"
  ;;
*)
  fail "unknown client"
  ;;
esac
echo "$client: passed"
