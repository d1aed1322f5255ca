#!/usr/bin/env bash
# Assembles the demo site in target/demo-site: www/ (linked), pkg/ (the signer), sim/ (the
# simulator built by `just build-sim-web`) and cards/ (virtual cards made with
# `inkan sim init`). Prints the site's directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
t="${CARGO_TARGET_DIR:-target}"
case "$t" in /*) ;; *) t="$repo/$t" ;; esac
site="$repo/target/demo-site"
mkdir -p "$site"
for f in www/*; do ln -sfn "$repo/$f" "$site/$(basename "$f")"; done
ln -sfn "$repo/pkg" "$site/pkg"
ln -sfn "$t/www-sim" "$site/sim"
cargo build -q -p inkan >&2
inkan="$t/debug/inkan"
mkdir -p "$site/cards"
make_card() { # name, extra options
    local dir="$site/cards/$1"; shift
    if [ ! -f "$dir/state.json" ]; then
        rm -rf "$dir"
        "$inkan" sim init "$dir" "$@" >/dev/null
    fi
}
make_card default
make_card expiring --seed 2 --name "期限 近子" --not-after "$(date -u -d '+45 days' +%Y%m%d)"
make_card no-sign --seed 3 --name "未成年 太郎" --sex 1 --birth-date 20150101 --no-sign-cert
echo "$site"
