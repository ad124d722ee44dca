#!/usr/bin/env bash
# End-to-end: `mtc verify`, `mtc inspect`, `mtc keygen`, `mtc pubkey` against the
# draft authors' reference corpus (tests/testdata/refdata).
# Usage: refdata_cli_test.sh MTC_BINARY REFDATA_DIR
set -euo pipefail
mtc="$1" ref="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
at=2025-06-01T00:00:00Z

# Cosigner public keys from the generator's private keys (mtc.json).
python3 - "$ref/mtc.json" "$work" <<'PY'
import json, sys, textwrap
config, work = json.load(open(sys.argv[1])), sys.argv[2]
for c in config["Cosigners"]:
    body = "\n".join(textwrap.wrap(c["PrivateKey"], 64))
    open(f"{work}/{c['CosignerID']}.key", "w").write(
        f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n")
PY
for key in "$work"/*.key; do
  "$mtc" pubkey "$key" --out "${key%.key}.pub" || fail "pubkey $key"
done

# Every certificate of generator-output.txt, with the inputs it was made for.
checked=0
while read -r file start end hash cosigners; do
  args=(--ca-cert "$ref/ca_cert.pem" --at "$at")
  if [ -z "$cosigners" ]; then
    echo "1 $start $end $hash" >"$work/subtrees"
    args+=(--subtrees "$work/subtrees")
  else
    for c in ${cosigners//,/ }; do
      [ "$c" = 32473.1 ] || args+=(--cosigner "$c=$work/$c.pub")
    done
  fi
  set +e
  out=$("$mtc" verify "${args[@]}" "$ref/$file")
  rc=$?
  set -e
  if [ "$file" = cert_2035_2.pem ]; then
    [ $rc -eq 1 ] || fail "$file (flipped proof bit) was not rejected: $out"
  else
    [ $rc -eq 0 ] || fail "$file: $out"
  fi
  # Without the trusted subtree or a required cosigner, it must fail.
  if [ -z "$cosigners" ]; then
    "$mtc" verify --ca-cert "$ref/ca_cert.pem" --at "$at" "$ref/$file" >/dev/null &&
      fail "$file verified without its trusted subtree"
  fi
  checked=$((checked + 1))
done < <(python3 - "$ref/generator-output.txt" <<'PY'
import re, sys
cur = None
for line in open(sys.argv[1]):
    m = re.match(r'Wrote certificate for entry \d+ at ".*/(.*)"', line)
    if m:
        if cur: print(*cur[:4], ",".join(cur[4]))
        cur = [m.group(1), None, None, None, []]
    m = re.match(r'  Subtree \[(\d+), (\d+)\) with hash (\S+)', line)
    if m: cur[1:4] = m.groups()
    m = re.match(r'  Cosigned by (\S+)', line)
    if m: cur[4].append(m.group(1))
print(*cur[:4], ",".join(cur[4]))
PY
)
[ $checked -eq 12 ] || fail "checked $checked certificates, expected 12"

# A quorum the certificate cannot meet, an expired certificate, a wrong CA.
"$mtc" verify --ca-cert "$ref/ca_cert.pem" --at "$at" --cosigner "32473.2.3=$work/32473.2.3.pub" \
  "$ref/cert_10_0.pem" >/dev/null && fail "quorum of a cosigner that did not sign"
"$mtc" verify --ca-cert "$ref/ca_cert.pem" --at 2031-01-01T00:00:00Z "$ref/cert_10_0.pem" \
  >/dev/null && fail "expired certificate accepted"
set +e
"$mtc" verify --ca-cert "$ref/cert_10_0.pem" "$ref/cert_10_0.pem" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a leaf as --ca-cert is not a usage error"
set -e

# inspect names what a relying party needs.
out=$("$mtc" inspect --ca-cert "$ref/ca_cert.pem" "$ref/cert_10_0.pem")
for want in "standalone" "Issuer CA ID:  32473.1" "Log number:    1" "Index:         10" \
            "DNS:b.example" "Subtree:       [8, 11)" "32473.1  ml-dsa-44 (2420-byte" \
            "32473.2.1  ecdsa-p256-sha256"; do
  grep -qF "$want" <<<"$out" || fail "inspect lacks '$want': $out"
done
"$mtc" inspect "$ref/cert_10_2.pem" | grep -q "landmark-relative" || fail "inspect kind"

# keygen: every algorithm, owner-only files, no silent overwrite.
for alg in ed25519 ecdsa-p256-sha256 ecdsa-p384-sha384 ml-dsa-44 ml-dsa-65 ml-dsa-87; do
  "$mtc" keygen --algorithm "$alg" --out "$work/$alg.pem" 2>/dev/null || fail "keygen $alg"
  [ "$(stat -c %a "$work/$alg.pem")" = 600 ] || fail "$alg key is not mode 600"
  "$mtc" pubkey "$work/$alg.pem" | grep -q "BEGIN PUBLIC KEY" || fail "pubkey $alg"
done
"$mtc" keygen --algorithm ed25519 --out "$work/ed25519.pem" 2>/dev/null &&
  fail "keygen replaced an existing key"
"$mtc" keygen --algorithm rsa --out "$work/rsa.pem" 2>/dev/null && fail "keygen rsa"
echo "refdata CLI checks passed ($checked certificates)"
