#!/usr/bin/env python3
"""Times `inkan verify chain --crl` against `openssl verify -crl_check` on the same files.

For each CRL size: a CA, a CRL of that many entries and a leaf the CA issued that is not on
the CRL (`inkan crl generate --leaf-out`); both tools validate the leaf with revocation
checked, `--runs` times each (page cache warm). Prints median wall and CPU time and the
largest peak resident set of each, and the ratios.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crl import measure  # noqa: E402

AT = "2030-01-01T00:00:00Z"
AT_EPOCH = "1893456000"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--inkan", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("sizes", nargs="+", type=int)
    a = ap.parse_args()
    print(f"{'entries':<8} | {'inkan verify chain: wall (cpu), peak RSS':<40} | "
          f"{'openssl verify -crl_check: wall (cpu), peak RSS':<47} | inkan faster, less memory")
    for n in a.sizes:
        crl, ca, leaf = f"{a.dir}/v{n}.crl", f"{a.dir}/v{n}-ca.pem", f"{a.dir}/v{n}-leaf.pem"
        crl_pem = f"{a.dir}/v{n}.crl.pem"
        if not os.path.exists(leaf):
            subprocess.run([a.inkan, "crl", "generate", "--entries", str(n), "--out", crl,
                            "--ca-out", ca, "--leaf-out", leaf], check=True,
                           stdout=subprocess.DEVNULL)
            subprocess.run(["openssl", "crl", "-inform", "DER", "-in", crl, "-out", crl_pem],
                           check=True)
        for f in (crl, crl_pem):
            with open(f, "rb") as h:  # page cache warm for both
                while h.read(1 << 20):
                    pass
        err = f"{a.dir}/verr.txt"
        out = f"{a.dir}/vout.txt"

        def inkan_ok():
            return True

        ink = measure([a.inkan, "verify", "chain", "--trust-anchor", ca, "--crl", crl,
                       "--at", AT, leaf], a.runs, err, inkan_ok)
        oss = measure(["sh", "-c", f'openssl verify -crl_check -attime {AT_EPOCH} -CAfile "{ca}" '
                       f'-CRLfile "{crl_pem}" "{leaf}" > "{out}"'],
                      max(3, a.runs // 2), err, lambda: ": OK" in open(out).read())
        print(f"{n:<8} | {ink[0]*1e3:8.1f} ms ({ink[1]*1e3:6.0f} ms), {ink[2]/1024:7.1f} MB{'':9}"
              f"| {oss[0]*1e3:8.1f} ms ({oss[1]*1e3:6.0f} ms), {oss[2]/1024:7.1f} MB{'':16}"
              f"| {oss[0]/ink[0]:6.1f}x, {oss[2]/ink[2]:5.1f}x")


if __name__ == "__main__":
    main()
