#!/usr/bin/env python3
"""Fetches a landmark-relative certificate from an MTC CA's optional alternate
URL (draft §ACME Extensions): 202 + Retry-After (1-8 s with the tests' 6 s
landmark interval) until the next landmark, then 200 in both content types.

Usage: fetch_alternate.py URL ANCHOR.pem OUT.pem OUT-WITH-PROPERTIES.pem
"""
import ssl, sys, time, urllib.request, urllib.error
url, anchor, out, out_props = sys.argv[1:]
ctx = ssl.create_default_context(cafile=anchor)
def get(accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
saw_202 = False
deadline = time.time() + 30
while time.time() < deadline:
    status, headers, body = get()
    if status == 202:
        saw_202 = True
        wait = int(headers["Retry-After"])
        assert 1 <= wait <= 8, wait
        time.sleep(min(wait, 2))
        continue
    assert status == 200, (status, body)
    assert headers["Content-Type"] == "application/pem-certificate-chain", headers
    open(out, "wb").write(body)
    status, headers, body = get("application/pem-certificate-chain-with-properties")
    assert status == 200 and headers["Content-Type"] == \
        "application/pem-certificate-chain-with-properties", headers
    assert body.startswith(b"-----BEGIN CERTIFICATE PROPERTIES-----\n"), body[:60]
    open(out_props, "wb").write(body)
    break
else:
    sys.exit("no landmark-relative certificate within 30 s")
print("alternate: 202 first" if saw_202 else "alternate: ready at once")
