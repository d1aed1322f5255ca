#!/usr/bin/env python3
"""Times CRL load+verify for inkan and `openssl crl -noout`, side by side.

For each CRL size: every command runs `--runs` times (page cache warm); for each run the
wall time (monotonic clock), the CPU time (user + system) and the peak resident set of
that child alone (os.wait4). Prints medians of time and the largest peak RSS, the ratios,
and inkan's lookup latency and persisted-index reopen time (from `inkan crl bench`).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def run(cmd, stderr_path):
    """One run: (wall s, cpu s, peak RSS KiB, exit status)."""
    with open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode


def measure(cmd, runs, stderr_path, check):
    walls, cpus, rss = [], [], 0
    for _ in range(runs):
        w, c, m, rc = run(cmd, stderr_path)
        if rc != 0 or not check():
            sys.exit(f"failed: {' '.join(cmd)} (exit {rc}): {open(stderr_path).read()}")
        walls.append(w)
        cpus.append(c)
        rss = max(rss, m)
    return statistics.median(walls), statistics.median(cpus), rss


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--inkan", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("sizes", nargs="+", type=int)
    a = ap.parse_args()
    print(f"{'entries':<8} | {'inkan: wall (cpu), peak RSS':<31} | {'openssl: wall (cpu), peak RSS':<31} "
          f"| {'inkan faster (cpu), less memory':<31} | inkan lookup, reopen")
    for n in a.sizes:
        crl, ca = f"{a.dir}/{n}.crl", f"{a.dir}/{n}-ca.pem"
        if not os.path.exists(crl) or os.path.getsize(crl) == 0:
            subprocess.run([a.inkan, "crl", "generate", "--entries", str(n), "--out", crl,
                            "--ca-out", ca], check=True, stdout=subprocess.DEVNULL)
        with open(crl, "rb") as f:  # page cache warm for both
            while f.read(1 << 20):
                pass
        err = f"{a.dir}/err.txt"
        ink = measure([a.inkan, "crl", "check", "--crl", crl, "--ca", ca, "00"], a.runs, err,
                      lambda: True)
        oss = measure(["openssl", "crl", "-noout", "-inform", "DER", "-CAfile", ca, "-in", crl],
                      max(3, a.runs // 2), err, lambda: "verify OK" in open(err).read())
        idx = f"{a.dir}/idx-{n}"
        subprocess.run(["rm", "-rf", idx], check=True)
        b = json.loads(subprocess.run([a.inkan, "--json", "crl", "bench", "--crl", crl, "--ca", ca,
                                       "--index-dir", idx], check=True, capture_output=True).stdout)
        print(f"{n:<8} | {ink[0]*1e3:7.1f} ms ({ink[1]*1e3:5.0f} ms), {ink[2]/1024:6.1f} MB "
              f"| {oss[0]*1e3:7.1f} ms ({oss[1]*1e3:5.0f} ms), {oss[2]/1024:6.1f} MB "
              f"| {oss[0]/ink[0]:6.1f}x ({oss[1]/max(ink[1], 1e-6):5.1f}x), {oss[2]/ink[2]:5.1f}x        "
              f"| {b['lookup_ns']:4.0f} ns, {b['reopen_ms']:5.2f} ms")


if __name__ == "__main__":
    main()
