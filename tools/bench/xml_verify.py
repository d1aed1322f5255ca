#!/usr/bin/env python3
"""Times `inkan verify xml` against `xmlsec1 verify`, one process per file, in one run.

Makes a software card (`inkan sim init`), an e-Tax-shaped filing of about `--size` bytes
(procedure element RKO0010) and signs it twice with `inkan card sign-xml --ref RKO0010`
(two sibling dsig:Signature elements), then copies it to `--files` files. Each file is
verified once by each tool, one process per file: inkan checks both signatures in one
process; xmlsec1 checks one signature per process (`--node-id Signature1`, then
`--node-id Signature2`), so two processes per file. Both check the signer's path to the
same root (signature CA given as an untrusted/intermediate certificate), neither a CRL.
Prints files verified per second (both signatures each) for both tools and the ratio; for
context, xmlsec1 with all files in one process per --node-id (its start-up excluded).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crl import run  # noqa: E402

# The software card's PKI is fixed in time; both tools validate at this instant.
AT = "2024-04-15T00:00:00Z"
AT_XMLSEC = "2024-04-15 00:00:00"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
PIN_ENV = "INKAN_BENCH_PIN"


def filing(size):
    """An e-Tax-shaped filing of at least `size` bytes (UTF-8, Japanese text)."""
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<DATA xmlns="http://xml.e-tax.nta.go.jp/XSD/shotoku" '
            'xmlns:gen="http://xml.e-tax.nta.go.jp/XSD/general" id="DATA">\n'
            '  <RKO0010 VR="23.0.0" id="RKO0010">\n'
            '    <gen:NAME>山田 太郎</gen:NAME>\n'
            '    <gen:ADDRESS>東京都千代田区霞が関三丁目1番1号</gen:ADDRESS>\n')
    tail = '  </RKO0010>\n</DATA>\n'
    rows, n, i = [], len((head + tail).encode()), 0
    while n < size:
        i += 1
        r = (f'    <gen:MEISAI no="{i}"><gen:KAMOKU>給与所得の源泉徴収票 第{i}号</gen:KAMOKU>'
             f'<gen:SHIHARAISHA>株式会社サンプル商事 東京都千代田区丸の内一丁目{i}番</gen:SHIHARAISHA>'
             f'<KINGAKU>{i * 1234}</KINGAKU></gen:MEISAI>\n')
        rows.append(r)
        n += len(r.encode())
    return (head + "".join(rows) + tail).encode()


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stdout.decode()}{p.stderr.decode()}")
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--inkan", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--size", type=int, default=100_000)
    a = ap.parse_args()
    if shutil.which("xmlsec1") is None:
        sys.exit("bench-xml needs xmlsec1 (run: sudo apt-get install -y xmlsec1)")

    shutil.rmtree(a.dir, ignore_errors=True)
    os.makedirs(f"{a.dir}/files")
    card = f"{a.dir}/card"
    sh([a.inkan, "sim", "init", card])
    with open(f"{a.dir}/unsigned.xtx", "wb") as f:
        f.write(filing(a.size))
    env = dict(os.environ, **{PIN_ENV: "ABC123"})
    for src, dst in (("unsigned.xtx", "one.xtx"), ("one.xtx", "signed.xtx")):
        sh([a.inkan, "card", "sign-xml", "--reader", f"sim:{card}", "--pin-env", PIN_ENV,
            "--in", f"{a.dir}/{src}", "--out", f"{a.dir}/{dst}", "--ref", "RKO0010"], env=env)
    signed = f"{a.dir}/signed.xtx"
    files = []
    for i in range(a.files):
        p = f"{a.dir}/files/f{i:05}.xtx"
        shutil.copyfile(signed, p)
        files.append(p)

    root, ca = f"{card}/pki/sign-root-gen3.pem", f"{card}/sign-ca.der"
    inkan = [a.inkan, "verify", "xml", "--trust-anchors", root, "--intermediate", ca, "--at", AT, "--in"]
    xmlsec = ["xmlsec1", "verify", "--id-attr:id", "RKO0010", "--id-attr:Id", f"{DSIG}:Signature",
              "--enabled-reference-uris", "same-doc", "--trusted-pem", root, "--untrusted-der", ca,
              "--verification-gmt-time", AT_XMLSEC]
    sig_ids = ("Signature1", "Signature2")
    err = f"{a.dir}/err.txt"

    # Both tools accept the file before anything is timed (and the page cache is warm).
    for _ in range(2):
        for cmd in [inkan + [signed]] + [xmlsec + ["--node-id", s, signed] for s in sig_ids]:
            sh(cmd)

    def timed(cmds, ok):
        wall = cpu = 0.0
        for cmd in cmds:
            w, c, _, rc = run(cmd, err)
            if rc != 0 or not ok():
                sys.exit(f"failed (exit {rc}): {' '.join(cmd)}\n{open(err).read()}")
            wall += w
            cpu += c
        return wall, cpu, len(cmds)

    def xmlsec_ok():
        with open(err) as f:
            return "OK" in f.read().split()

    ink = timed([inkan + [f] for f in files], lambda: True)
    xs = timed([xmlsec + ["--node-id", s, f] for f in files for s in sig_ids], xmlsec_ok)

    # Context: xmlsec1 given every file in one process per signature id.
    batch_wall = 0.0
    for s in sig_ids:
        t0 = time.perf_counter()
        p = subprocess.run(xmlsec + ["--node-id", s] + files, capture_output=True, text=True)
        batch_wall += time.perf_counter() - t0
        oks = p.stderr.split().count("OK")
        if p.returncode != 0 or oks != len(files):
            sys.exit(f"xmlsec1 (one process, {s}): exit {p.returncode}, {oks}/{len(files)} OK")

    n = len(files)
    size = os.path.getsize(signed)
    print(f"filing: {size} bytes, 2 sibling signatures (RSA-2048, C14N 1.0, SHA-256), signed by "
          f"inkan card sign-xml; {n} copies, each verified once by each tool, one process per file")
    print(f"{'':34} {'processes':>9} {'wall s':>8} {'cpu s':>8} {'ms/file':>8} {'verifications/s':>16}")
    for name, (wall, cpu, procs) in (("inkan verify xml (both sigs)", ink),
                                     ("xmlsec1 verify (x2, --node-id)", xs)):
        print(f"{name:34} {procs:9} {wall:8.2f} {cpu:8.2f} {wall / n * 1e3:8.2f} {n / wall:16.1f}")
    ratio = xs[0] / ink[0]
    print(f"inkan / xmlsec1: {ratio:.1f}x verifications/s (target >= 3x: "
          f"{'met' if ratio >= 3 else 'NOT met'})")
    print("(a verification = one file, both signatures: xmlsec1 verifies one dsig:Signature per "
          "invocation, so it runs twice per file, --node-id Signature1 and Signature2)")
    print(f"context: xmlsec1 with all {n} files in one process per --node-id (2 processes): "
          f"{n / batch_wall:.1f} verifications/s, {batch_wall / n * 1e3:.2f} ms/file")


if __name__ == "__main__":
    main()
