#!/usr/bin/env bash
# Checks (and, as root, installs) what the browser recipes need. Without root it prints
# the command to run and fails. Usage: ensure-tools.sh build|test
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:-build}"
root=0; [ "$(id -u)" = 0 ] && root=1
missing=()

need() { # need <description> <check command> <install command>
    if ! eval "$2" >/dev/null 2>&1; then
        if [ "$root" = 1 ]; then
            echo "== installing $1: $3"
            eval "$3"
        else
            missing+=("$1: $3")
        fi
    fi
}

apt_install() { echo "DEBIAN_FRONTEND=noninteractive apt-get install -y $*"; }
need "the wasm32 target" "rustup target list --installed | grep -qx wasm32-unknown-unknown" \
    "rustup target add wasm32-unknown-unknown"
need "wasm-bindgen 0.2.130" "wasm-bindgen --version | grep -q ' 0.2.130'" \
    "cargo install wasm-bindgen-cli --version 0.2.130"
need "node and npm" "command -v node && command -v npm" "$(apt_install nodejs npm)"
need "binaryen (wasm-opt)" "test -x tools/web/node_modules/.bin/wasm-opt" \
    "(cd tools/web && npm ci --no-audit --no-fund)"
if [ "$what" = test ]; then
    need "chromium" "test -x /usr/bin/chromium" "$(apt_install chromium)"
    need "chromedriver" "test -x /usr/bin/chromedriver" "$(apt_install chromium-driver)"
    need "openssl" "command -v openssl" "$(apt_install openssl)"
    need "playwright-core" "test -d tests/e2e/node_modules/playwright-core" \
        "(cd tests/e2e && npm ci --no-audit --no-fund)"
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "Missing tools (run as root, or run these yourself):"
    printf '  %s\n' "${missing[@]}"
    exit 1
fi
