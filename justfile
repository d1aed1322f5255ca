# inkan — recipes. `just test` runs every test; `just demo` serves the browser demo.
set shell := ["bash", "-euo", "pipefail", "-c"]

fuzz_targets := "apdu_command apdu_response tlv card_files ccid_messages atr t1_receiver port100_frame isodep_receiver crl xml_c14n"

default: test

# Every test: formatting, lints, native tests, XML beside xmlsec1, PC/SC through pcscd, wasm in Chromium, browser end to end.
test: test-pcsc lint lint-wasm check-no-std check-wasm-verify test-serve test-native test-xml test-wasm e2e size

# cargo fmt, clippy with warnings as errors, and no import circle between the files of
# any crate.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    python3 tools/check/module_cycles.py

# clippy on the browser crates' wasm32-only code (the WebUSB pipe, the JS API, the
# modules loaded on first use), which the native lint does not compile.
[doc("clippy with warnings as errors on the browser crates for wasm32-unknown-unknown")]
lint-wasm: (web-tools "build")
    cargo clippy -p inkan-web -p inkan-web-xml -p inkan-web-photo -p inkan-sim-web \
        --all-targets --target wasm32-unknown-unknown -- -D warnings

# inkan-verify builds for the browser (wasm32-unknown-unknown, with and without its
# file-system feature).
[doc("inkan-verify builds for wasm32-unknown-unknown, with and without its std feature")]
check-wasm-verify: (web-tools "build")
    cargo check -p inkan-verify --target wasm32-unknown-unknown
    cargo check -p inkan-verify --no-default-features --target wasm32-unknown-unknown

# The no_std crates (spec constants, APDUs, USB layer, reader drivers, driver choice)
# build for a target without std. As root, or when rustup may add targets, the target is
# added; otherwise the command is printed.
[doc("The no_std crates build for x86_64-unknown-none (no std available)")]
check-no-std:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! rustup target list --installed | grep -qx x86_64-unknown-none; then
        echo "== adding the x86_64-unknown-none target: rustup target add x86_64-unknown-none"
        rustup target add x86_64-unknown-none || { echo "run: rustup target add x86_64-unknown-none"; exit 1; }
    fi
    for c in inkan-profile inkan-apdu inkan-usb inkan-ccid inkan-pasori inkan-readers; do
        echo "== $c without std"
        cargo build -q -p "$c" --no-default-features --target x86_64-unknown-none
    done

# Every `inkan card` command through pcscd + vsmartcard-vpcd + `inkan sim vpcd`. As root it
# installs pcscd, vsmartcard-vpcd and libpcsclite-dev (needed to build inkan at all, hence
# first in `test`); otherwise it prints what to run and skips.
[doc("Every `inkan card` command through pcscd + vsmartcard-vpcd + `inkan sim vpcd`")]
test-pcsc:
    tests/pcsc/run.sh

# Native unit, property, transcript and end-to-end CLI tests.
test-native:
    cargo test --workspace
    # The verifier again with its AWS-LC backend (Wycheproof, chains and CMS on both).
    cargo test -p inkan-verify --features aws-lc

# `inkan serve` against the binary: logins, documents, a CRL reload under load, malformed
# input, the OpenAPI document, and two instances sharing challenges through a real
# redis-server (started by the test on 127.0.0.1, its own port and directory). As root it
# installs redis-server; otherwise it prints the command.
[doc("inkan serve end to end, with two instances sharing challenges through redis-server")]
test-serve:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v redis-server >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "== serve: installing redis-server"
            if ! apt-cache policy redis-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then
                apt-get update -qq
            fi
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
        else
            echo "test-serve needs redis-server (run: sudo apt-get install -y redis-server)"
            exit 1
        fi
    fi
    INKAN_REQUIRE_REDIS=1 cargo test -p inkan-server
    INKAN_REQUIRE_REDIS=1 cargo test -p inkan --test serve_cli

# XML signatures beside xmlsec1, both ways: e-Tax sibling signatures, enveloped, e-Gov with
# attachments (folder and ZIP), a DigestValue or attachment changed, wrapping and DTD
# attacks (tests/xml/run.sh). As root it installs xmlsec1; otherwise it prints the command.
[doc("XML signatures: inkan sign-xml / verify xml beside xmlsec1 (e-Tax, enveloped, e-Gov, attacks)")]
test-xml:
    tests/xml/run.sh

# The browser demo: builds the signer (pkg/) and the simulator for the browser, makes
# virtual cards, and serves www/ on 127.0.0.1 (WebUSB needs a secure context; localhost
# counts). Pick "virtual card" on the page to use a virtual reader, or plug in a reader.
[doc("Build the wasm and serve the demo on 127.0.0.1 (pick a virtual card and reader, or plug in a reader)")]
demo port="8080": build-web build-sim-web
    #!/usr/bin/env bash
    set -euo pipefail
    site=$(tools/web/stage-site.sh)
    t="${CARGO_TARGET_DIR:-target}"
    # The verification service beside the page: logins and signed files are checked there.
    svc=$(( {{port}} + 1 ))
    anchors=()
    for d in "$site"/cards/*/pki; do anchors+=(--trust-anchors "$d"); done
    "$t/debug/inkan" serve --listen "127.0.0.1:$svc" "${anchors[@]}" \
        --cors-origin "http://127.0.0.1:{{port}}" --cors-origin "http://localhost:{{port}}" > /dev/null &
    svc_pid=$!
    trap 'kill $svc_pid 2>/dev/null || true; rm -f "$site/service.json"' EXIT
    printf '{"url":"http://127.0.0.1:%s"}\n' "$svc" > "$site/service.json"
    echo
    echo "inkan demo: http://127.0.0.1:{{port}}/   (virtual card: http://127.0.0.1:{{port}}/?virtual)"
    echo "Verification service (inkan serve): http://127.0.0.1:$svc/ (OpenAPI at /openapi.json)"
    echo "Virtual card PINs: signature ABC123, user authentication 1234, card info 1234."
    echo "Ctrl-C stops the servers."
    python3 -m http.server {{port}} --bind 127.0.0.1 --directory "$site"

# The signer for the browser: inkan-web to wasm, wasm-bindgen (--target web) and wasm-opt
# into pkg/ (the npm package; pkg/package.json is committed, the rest is built).
[doc("Build the signer into pkg/ (wasm-bindgen + wasm-opt; the npm package)")]
build-web: (web-tools "build")
    #!/usr/bin/env bash
    set -euo pipefail
    t="${CARGO_TARGET_DIR:-target}"
    cargo build -p inkan-web -p inkan-web-xml -p inkan-web-photo --profile wasm-release --target wasm32-unknown-unknown
    find pkg -mindepth 1 ! -name package.json -delete 2>/dev/null || true
    # The signer, and the modules it loads on first use (signXml, facePhoto).
    for m in inkan_web inkan_web_xml inkan_web_photo; do
        wasm-bindgen --target web --remove-name-section --remove-producers-section \
            --out-dir pkg --out-name "$m" "$t/wasm32-unknown-unknown/wasm-release/$m.wasm"
        # Shrinking passes only: -Oz makes the module smaller but compresses worse here.
        tools/web/node_modules/.bin/wasm-opt --enable-bulk-memory --enable-nontrapping-float-to-int \
            --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
            --strip-debug --strip-producers --remove-unused-module-elements --vacuum \
            --duplicate-function-elimination "pkg/${m}_bg.wasm" -o "pkg/${m}_bg.wasm"
    done
    cp crates/web/js/inkan.js crates/web/js/inkan.d.ts pkg/
    echo "pkg/ built"

# Gzipped size of the signer (wasm + JavaScript) against its 300 KB budget.
size: build-web
    #!/usr/bin/env bash
    set -euo pipefail
    gz() { gzip -9c "$1" | wc -c; }
    w=$(gz pkg/inkan_web_bg.wasm); j=0
    for f in pkg/inkan.js pkg/inkan_web.js pkg/snippets/*/*.js; do j=$((j + $(gz "$f"))); done
    total=$((w + j))
    printf 'wasm %7d B gz (%d B raw)\njs   %7d B gz\ntotal %6d B gz = %d KB (budget 300 KB)\n' \
        "$w" "$(stat -c %s pkg/inkan_web_bg.wasm)" "$j" "$total" "$((total / 1024))"
    for m in xml:signXml photo:facePhoto; do
        f=pkg/inkan_web_${m%%:*}; mw=$(gz "${f}_bg.wasm"); mj=$(gz "$f.js")
        printf '%s module, loaded on first %s: %d B gz (%d B raw wasm)\n' \
            "${m%%:*}" "${m#*:}" "$((mw + mj))" "$(stat -c %s "${f}_bg.wasm")"
    done
    [ "$total" -le $((300 * 1024)) ] || { echo "over budget"; exit 1; }

# The simulator for the browser (crates/sim-web → target/www-sim/), used by www/fake-usb.js.
[doc("Build the simulator for the browser (virtual readers behind www/fake-usb.js)")]
build-sim-web: (web-tools "build")
    #!/usr/bin/env bash
    set -euo pipefail
    t="${CARGO_TARGET_DIR:-target}"
    cargo build -p inkan-sim-web --release --target wasm32-unknown-unknown
    rm -rf "$t/www-sim"
    wasm-bindgen --target web --out-dir "$t/www-sim" --out-name inkan_sim_web \
        "$t/wasm32-unknown-unknown/release/inkan_sim_web.wasm"

# wasm-bindgen-test suites of inkan-web in headless Chromium.
test-wasm: (web-tools "test")
    CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
        cargo test -p inkan-web --target wasm32-unknown-unknown

# Playwright end to end (headless Chromium, the real wasm, the fake navigator.usb over
# the virtual readers). Screenshots go to target/e2e-screenshots/.
[doc("Playwright end to end in headless Chromium through the real wasm and a fake navigator.usb")]
e2e: (web-tools "test") build-web build-sim-web
    #!/usr/bin/env bash
    set -euo pipefail
    site=$(tools/web/stage-site.sh)
    node tests/e2e/run.mjs "$site"

# Checks (as root: installs) the tools of the browser recipes.
[doc("Check (as root: install) the tools of the browser recipes")]
web-tools what="build":
    tools/web/ensure-tools.sh {{what}}

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
[doc("Reader drivers: read both certificates and sign over each virtual reader, next to the wire-time lower bound")]
bench-readers:
    cargo bench -p inkan-sim --bench readers

# CMS verifications per second (chain cached, CRL checked) for both RSA backends, next to
# `openssl speed rsa2048` verify on the same machine and run; then ECDSA P-384 CMS (made
# with OpenSSL) next to `openssl speed ecdsap384`.
[doc("CMS verifications per second (both backends) next to `openssl speed rsa2048` / `ecdsap384` verify")]
bench-verify seconds="3":
    #!/usr/bin/env bash
    set -euo pipefail
    t="${CARGO_TARGET_DIR:-target}"
    p384=()
    ossl="n/a (openssl not found)"
    ossl384="n/a"
    if command -v openssl >/dev/null; then
        # A P-384 root, a P-384 leaf it issued and a SHA-384 CMS over 16 KiB: the shape of
        # the next-generation card's signatures (the card itself stays RSA for now).
        d="$t/bench-verify-p384"
        rm -rf "$d" && mkdir -p "$d" && cd "$d"
        printf '[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' > ext.cnf
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -sha384 -nodes -keyout root.key -out root.pem \
            -subj "/CN=inkan bench P-384 root" -days 30 -config /dev/null \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout leaf.key -out leaf.csr \
            -subj "/CN=inkan bench P-384 signer" -config /dev/null 2>/dev/null
        openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -set_serial 1 -days 20 -sha384 \
            -extfile ext.cnf -extensions leaf -out leaf.pem 2>/dev/null
        openssl x509 -in root.pem -outform DER -out root.der
        head -c 16384 /dev/zero | tr '\0' 'B' > doc.bin
        openssl cms -sign -binary -nodetach -md sha384 -in doc.bin -signer leaf.pem -inkey leaf.key \
            -outform DER -out sig.p7s
        cd - >/dev/null
        p384=(--p384 "$(cd "$d" && pwd)")
        ossl=$(openssl speed -seconds {{seconds}} rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $NF}')
        ossl384=$(openssl speed -seconds {{seconds}} ecdsap384 2>/dev/null | awk '/384 bits ecdsa/ {print $NF}')
    fi
    out=$(cargo bench -q -p inkan-bench --features aws-lc --bench cms_verify -- --seconds {{seconds}} "${p384[@]}")
    echo "$out" | grep '^#' || true
    printf '%-12s %16s %20s %20s %12s\n' backend "CMS verify/s" "Verifier CMS/s" "RSA-2048 verify/s" "vs openssl"
    echo "$out" | grep '^backend=' | while read -r line; do
        b=$(sed -E 's/.*backend=([^ ]+).*/\1/' <<<"$line")
        c=$(sed -E 's/.*cms_verify_per_s=([0-9]+).*/\1/' <<<"$line")
        v=$(sed -E 's/.*verifier_cms_per_s=([0-9]+).*/\1/' <<<"$line")
        r=$(sed -E 's/.*rsa2048_verify_per_s=([0-9]+).*/\1/' <<<"$line")
        ratio="-"
        if [[ "$ossl" =~ ^[0-9.]+$ ]]; then ratio=$(awk -v a="$v" -v b="$ossl" 'BEGIN { printf "%.2fx", a / b }'); fi
        printf '%-12s %16s %20s %20s %12s\n' "$b" "$c" "$v" "$r" "$ratio"
    done
    printf '%-12s %16s %20s %20s\n' "openssl" "-" "-" "$ossl"
    echo "(a CMS verification is 3 RSA verifications: signer, certificate, CRL; plus parsing, the SHA-256 of"
    echo " the 16 KiB document and the CRL lookup. The Verifier keeps anchors, CRL and options and remembers the"
    echo " validated path: 1 RSA verification and the document's hash per CMS."
    echo " 'vs openssl': Verifier CMS/s over openssl's RSA-2048 verify/s; the target is at least 0.7x with aws-lc)"
    if [ ${#p384[@]} -gt 0 ]; then
        echo
        printf '%-12s %16s %20s %20s %12s\n' backend "P-384 CMS/s" "Verifier P-384 CMS/s" "ecdsap384 verify/s" "vs openssl"
        echo "$out" | grep '^p384 ' | while read -r line; do
            b=$(sed -E 's/.*backend=([^ ]+).*/\1/' <<<"$line")
            c=$(sed -E 's/.*cms_verify_per_s=([0-9]+).*/\1/' <<<"$line")
            v=$(sed -E 's/.*verifier_cms_per_s=([0-9]+).*/\1/' <<<"$line")
            ratio="-"
            if [[ "$ossl384" =~ ^[0-9.]+$ ]]; then ratio=$(awk -v a="$v" -v b="$ossl384" 'BEGIN { printf "%.2fx", a / b }'); fi
            printf '%-12s %16s %20s %20s %12s\n' "$b" "$c" "$v" "-" "$ratio"
        done
        printf '%-12s %16s %20s %20s\n' "openssl" "-" "-" "$ossl384"
        echo "(P-384: root and signer ECDSA P-384 with SHA-384, no CRL: 2 ECDSA verifications per CMS, 1 through the Verifier)"
    fi

# `inkan serve` (release, AWS-LC) under load on loopback: document verifications per
# second and p50/p99 latency at 1, 16 and 64 connections (wrk, `seconds` per point), a CMS
# of 16 KiB with the card's chain and six CRLs of 10k entries loaded, next to
# `openssl speed -multi $(nproc) rsa2048` verify/s in the same run. As root it installs
# wrk; otherwise it prints the command.
[doc("inkan serve: documents/s and p50/p99 at 1/16/64 connections (wrk) next to openssl speed -multi")]
bench-serve seconds="20":
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v wrk >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "== bench-serve: installing wrk"
            apt-cache policy wrk 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
        else
            echo "bench-serve needs wrk (run: sudo apt-get install -y wrk)"; exit 1
        fi
    fi
    command -v openssl >/dev/null || { echo "bench-serve needs openssl"; exit 1; }
    t="${CARGO_TARGET_DIR:-target}"
    d="$t/bench-serve"
    rm -rf "$d" && mkdir -p "$d"
    d="$(cd "$d" && pwd)"
    cargo build -q --release -p inkan --features aws-lc
    cargo bench -q -p inkan-bench --bench serve_fixture -- --out "$d"
    "$t/release/inkan" serve --listen 127.0.0.1:0 --trust-anchors "$d/roots" --crl-dir "$d/crls" \
        --max-concurrent 256 > "$d/serve.out" 2> "$d/serve.log" &
    pid=$!
    trap 'kill $pid 2>/dev/null || true' EXIT
    for _ in $(seq 100); do grep -q listening "$d/serve.out" 2>/dev/null && break; sleep 0.1; done
    url=$(sed -n 's/^listening on //p' "$d/serve.out")
    [ -n "$url" ] || { echo "inkan serve did not start:"; cat "$d/serve.log"; exit 1; }
    python3 - "$url" "$d/body.json" <<'EOF'
    import json, sys, urllib.request
    r = urllib.request.Request(sys.argv[1] + "/v1/documents/verify", data=open(sys.argv[2], "rb").read(),
                               headers={"Content-Type": "application/json"})
    v = json.load(urllib.request.urlopen(r))
    assert v.get("valid") is True and v["revocation"]["status"] == "good", v
    EOF
    printf '%s\n' 'wrk.method = "POST"' 'wrk.headers["Content-Type"] = "application/json"' \
        "local f = io.open(\"$d/body.json\", \"rb\"); wrk.body = f:read(\"*a\"); f:close()" \
        'done = function(s, lat, req)' \
        '  local e = s.errors.connect + s.errors.read + s.errors.write + s.errors.status + s.errors.timeout' \
        '  io.write(string.format("RESULT %.0f %.2f %.2f %d\n", s.requests / (s.duration / 1e6), lat:percentile(50) / 1000, lat:percentile(99) / 1000, e))' \
        'end' > "$d/post.lua"
    printf '%-12s %14s %10s %10s %8s\n' connections "documents/s" "p50 ms" "p99 ms" errors
    best=0
    for c in 1 16 64; do
        th=$(( c < 2 ? 1 : 2 ))
        read -r _ rps p50 p99 errs < <(wrk -t "$th" -c "$c" -d "{{seconds}}s" --timeout 10s -s "$d/post.lua" \
            "$url/v1/documents/verify" | grep '^RESULT')
        printf '%-12s %14s %10s %10s %8s\n' "$c" "$rps" "$p50" "$p99" "$errs"
        best=$(awk -v a="$rps" -v b="$best" 'BEGIN { print (a > b) ? a : b }')
    done
    kill $pid 2>/dev/null || true
    ossl=$(openssl speed -multi "$(nproc)" -seconds {{seconds}} rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $NF}')
    printf '%-12s %14s\n' "openssl speed -multi $(nproc) rsa2048 verify/s" "$ossl"
    awk -v a="$best" -v b="$ossl" 'BEGIN { printf "best documents/s over openssl verify/s: %.2fx (target 0.5x; p99 target < 25 ms at 64)\n", a / b }'
    echo "(each document: CMS parse, SHA-256 of 16 KiB, the signer's RSA verification, the path from the Verifier's cache; wrk and the service share the machine)"

# `inkan verify chain --crl` with a large CRL next to `openssl verify -crl_check` on the
# same CA, CRL and leaf (wall, CPU, peak RSS).
[doc("verify chain with a large CRL, beside openssl verify -crl_check")]
bench-verify-crl sizes="1000000" runs="5":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v openssl >/dev/null || { echo "bench-verify-crl needs openssl"; exit 1; }
    command -v python3 >/dev/null || { echo "bench-verify-crl needs python3"; exit 1; }
    cargo build --release -p inkan
    t="${CARGO_TARGET_DIR:-target}"
    mkdir -p "$t/bench-crl"
    tools/bench/verify_crl.py --inkan "$t/release/inkan" --dir "$t/bench-crl" --runs {{runs}} {{sizes}}

# CRL load+verify time (median of `runs`, wall and CPU) and peak memory of inkan and
# `openssl crl -noout` side by side, at 100k and 1M entries (`just bench-crl "100000 1000000
# 4000000"` adds 4M), plus inkan's lookup latency and persisted-index reopen time
# (tools/bench/crl.py). Generated CRLs are kept in target/bench-crl/.
[doc("CRL load+verify time and peak memory next to `openssl crl -noout`, lookup latency, index reopen time")]
bench-crl sizes="100000 1000000" runs="7":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v openssl >/dev/null || { echo "bench-crl needs openssl"; exit 1; }
    command -v python3 >/dev/null || { echo "bench-crl needs python3"; exit 1; }
    cargo build --release -p inkan
    t="${CARGO_TARGET_DIR:-target}"
    mkdir -p "$t/bench-crl"
    tools/bench/crl.py --inkan "$t/release/inkan" --dir "$t/bench-crl" --runs {{runs}} {{sizes}}

# `inkan verify xml` next to `xmlsec1 verify` on `files` copies of a ~100 KB e-Tax filing
# with two sibling signatures (signed by inkan on a software card), one process per file
# (xmlsec1: two, one per --node-id); verifications per second and the ratio
# (tools/bench/xml_verify.py). Files are kept in target/bench-xml/. Not part of `test`.
[doc("verify xml beside xmlsec1 verify: ~100 KB filing, two signatures, one process per file")]
bench-xml files="200":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v xmlsec1 >/dev/null || { echo "bench-xml needs xmlsec1 (run: sudo apt-get install -y xmlsec1)"; exit 1; }
    command -v python3 >/dev/null || { echo "bench-xml needs python3"; exit 1; }
    cargo build --release -p inkan
    t="${CARGO_TARGET_DIR:-target}"
    tools/bench/xml_verify.py --inkan "$t/release/inkan" --dir "$t/bench-xml" --files {{files}}

# NIST PKITS path-validation tests (§4.1–4.16) through `inkan verify chain`, with a pass
# count per section. Data: `dir`, else $INKAN_PKITS_DIR, else ../shared/vectors/pkits, else
# fetched once from PyPI (pyca's `cryptography_vectors`, which ships PKITS as
# x509/PKITS_data) into the target dir. Not part of `test`.
[doc("NIST PKITS through `inkan verify chain` (data fetched from PyPI when not given); not part of `test`")]
pkits dir="":
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build -q -p inkan
    t="${CARGO_TARGET_DIR:-target}"
    d="{{dir}}"
    d="${d:-${INKAN_PKITS_DIR:-}}"
    if [ -z "$d" ] && [ -f ../shared/vectors/pkits/certs/TrustAnchorRootCertificate.crt ]; then
        d=../shared/vectors/pkits
    fi
    if [ -z "$d" ]; then
        d="$t/pkits/PKITS_data"
        if [ ! -f "$d/certs/TrustAnchorRootCertificate.crt" ]; then
            if ! python3 -m pip --version >/dev/null 2>&1; then
                if [ "$(id -u)" = 0 ]; then apt-get install -y python3-pip; else
                    echo "pkits needs pip to fetch the data (run: sudo apt-get install -y python3-pip)"; exit 1; fi
            fi
            echo "== pkits: fetching the PKITS data (PyPI cryptography_vectors 50.0.2)"
            mkdir -p "$t/pkits"
            python3 -m pip download -q --no-deps --dest "$t/pkits" cryptography_vectors==50.0.2
            python3 - "$t/pkits" <<'EOF'
    import sys, zipfile, glob, pathlib
    out = pathlib.Path(sys.argv[1])
    whl = sorted(glob.glob(str(out / "cryptography_vectors-*.whl")))[-1]
    prefix = "cryptography_vectors/x509/PKITS_data/"
    with zipfile.ZipFile(whl) as z:
        for n in z.namelist():
            rest = n[len(prefix):]
            if n.startswith(prefix) and rest.split("/")[0] in ("certs", "crls") and not n.endswith("/"):
                p = out / "PKITS_data" / rest
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(z.read(n))
    EOF
        fi
    fi
    tests/pkits/run.py --inkan "$t/debug/inkan" "$d"
