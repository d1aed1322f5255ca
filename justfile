# inkan — recipes. `just test` runs every test; `just demo` shows the software card.
set shell := ["bash", "-euo", "pipefail", "-c"]

fuzz_targets := "apdu_command apdu_response tlv card_files ccid_messages atr t1_receiver port100_frame isodep_receiver crl"

default: test

# Every test: formatting, lints, the whole workspace's native tests.
test: test-pcsc lint test-native

# cargo fmt and clippy with warnings as errors.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Every `inkan card` command through pcscd + vsmartcard-vpcd + `inkan sim vpcd`. As root it
# installs pcscd, vsmartcard-vpcd and libpcsclite-dev (needed to build inkan at all, hence
# first in `test`); otherwise it prints what to run and skips.
test-pcsc:
    tests/pcsc/run.sh

# Native unit, property, transcript and end-to-end CLI tests.
test-native:
    cargo test --workspace

# Creates a software My Number Card and shows what `inkan card` does with it.
demo dir="target/demo-card":
    cargo build -p inkan
    rm -rf {{dir}}
    ./target/debug/inkan sim init {{dir}}
    ./target/debug/inkan card status --reader sim:{{dir}}
    @echo
    @echo "Try: INKAN_PIN=ABC123 ./target/debug/inkan card sign --reader sim:{{dir}} --pin-env INKAN_PIN --in README.md --out README.md.sig"

# Fuzzes every parser for `seconds` each (cargo-fuzz on the stable toolchain).
fuzz seconds="60":
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v cargo-fuzz >/dev/null; then
        if [ "$(id -u)" = 0 ]; then cargo install cargo-fuzz; else echo "run: cargo install cargo-fuzz"; exit 1; fi
    fi
    for t in {{fuzz_targets}}; do
        echo "== fuzz $t ({{seconds}} s)"
        RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -s none -- -max_total_time={{seconds}}
    done

# Reader benchmark: "read both certificates and sign" over each virtual reader, with
# APDUs, USB transfers, bytes and simulated wire time next to the lower bound.
bench-readers:
    cargo bench -p inkan-sim --bench readers

# CMS verifications per second (chain cached, CRL checked) for both RSA backends, next to
# `openssl speed rsa2048` verify on the same machine and run.
bench-verify seconds="3":
    #!/usr/bin/env bash
    set -euo pipefail
    out=$(cargo bench -q -p inkan-verify --features aws-lc --bench cms_verify -- --seconds {{seconds}})
    echo "$out" | grep '^#' || true
    ossl="n/a (openssl not found)"
    if command -v openssl >/dev/null; then
        ossl=$(openssl speed -seconds {{seconds}} rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $NF}')
    fi
    printf '%-12s %22s %26s\n' backend "CMS verify/s" "RSA-2048 verify/s"
    echo "$out" | grep '^backend=' | while read -r line; do
        b=$(sed -E 's/.*backend=([^ ]+).*/\1/' <<<"$line")
        c=$(sed -E 's/.*cms_verify_per_s=([0-9]+).*/\1/' <<<"$line")
        r=$(sed -E 's/.*rsa2048_verify_per_s=([0-9]+).*/\1/' <<<"$line")
        printf '%-12s %22s %26s\n' "$b" "$c" "$r"
    done
    printf '%-12s %22s %26s\n' "openssl" "-" "$ossl"
    echo "(a CMS verification is 3 RSA verifications: signer, certificate, CRL; plus parsing and the CRL lookup)"

# CRL load+verify time and peak memory of inkan and `openssl crl -noout` side by side, at
# 100k and 1M entries (`just bench-crl "100000 1000000 4000000"` adds 4M), plus inkan's lookup
# latency and persisted-index reopen time. Generated CRLs are kept in target/bench-crl/.
bench-crl sizes="100000 1000000":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v openssl >/dev/null || { echo "bench-crl needs openssl"; exit 1; }
    [ -x /usr/bin/time ] || { echo "bench-crl needs /usr/bin/time (GNU time)"; exit 1; }
    cargo build --release -p inkan
    t="${CARGO_TARGET_DIR:-target}"
    bin="$t/release/inkan"; dir="$t/bench-crl"; mkdir -p "$dir"
    printf '%-8s | %-30s | %-30s | %-26s | %s\n' entries "inkan: wall (cpu), peak RSS" "openssl: wall (cpu), peak RSS" "inkan faster, less memory" "inkan lookup, reopen"
    for n in {{sizes}}; do
        crl="$dir/$n.crl"; ca="$dir/$n-ca.pem"
        [ -s "$crl" ] || "$bin" crl generate --entries "$n" --out "$crl" --ca-out "$ca" >/dev/null
        cat "$crl" >/dev/null  # page cache warm for both
        /usr/bin/time -f '%e %U %S %M' -o "$dir/i.t" "$bin" crl check --crl "$crl" --ca "$ca" 00 >/dev/null
        /usr/bin/time -f '%e %U %S %M' -o "$dir/o.t" openssl crl -noout -inform DER -CAfile "$ca" -in "$crl" 2>"$dir/o.err"
        grep -q 'verify OK' "$dir/o.err" || { echo "openssl did not verify:"; cat "$dir/o.err"; exit 1; }
        rm -rf "$dir/idx"
        b=$("$bin" --json crl bench --crl "$crl" --ca "$ca" --index-dir "$dir/idx")
        read -r iw iu is im < "$dir/i.t"; read -r ow ou os om < "$dir/o.t"
        lk=$(sed -E 's/.*"lookup_ns":([0-9.]+).*/\1/' <<<"$b"); ro=$(sed -E 's/.*"reopen_ms":([0-9.]+).*/\1/' <<<"$b")
        awk -v n="$n" -v iw="$iw" -v ic="$(awk "BEGIN{print $iu+$is}")" -v im="$im" \
            -v ow="$ow" -v oc="$(awk "BEGIN{print $ou+$os}")" -v om="$om" -v lk="$lk" -v ro="$ro" 'BEGIN {
            printf "%-8s | %6.2f s (%5.2f s), %6.1f MB | %6.2f s (%5.2f s), %6.1f MB | %5.1fx (cpu %5.1fx), %4.1fx | %4.0f ns, %5.2f ms\n",
                n, iw, ic, im/1024, ow, oc, om/1024, ow/(iw>0?iw:0.01), oc/(ic>0?ic:0.01), om/im, lk, ro }'
    done
