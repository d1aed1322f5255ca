#!/usr/bin/env bash
# The PC/SC suite: every `inkan card` command through the real PC/SC stack.
#
#   pcscd  +  vsmartcard's vpcd driver  <--TCP-->  `inkan sim vpcd DIR` (the software card)
#     ^
#     `inkan card … --reader pcsc`  (libpcsclite)
#
# Needs root: it installs pcscd, vsmartcard-vpcd and libpcsclite-dev with apt-get when
# missing, and runs pcscd in private network, mount and PID namespaces (unshare), so
#  - vpcd's listening ports (it binds all addresses) exist only in a namespace whose one
#    interface is loopback: nothing listens outside 127.0.0.1;
#  - pcscd's socket is on a private /run, so a system pcscd is neither seen nor disturbed;
#  - every process started here dies with the namespace, whatever happens.
# Without root it prints what to run and skips (exit 0).
set -euo pipefail

PKGS="pcscd vsmartcard-vpcd libpcsclite-dev"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
INKAN="$TARGET_DIR/debug/inkan"
TESTS_PCSC=(-p inkan-pcsc --test pcscd)
TESTS_CLI=(-p inkan --test pcsc_cli)

log() { printf '== pcsc: %s\n' "$*"; }

missing_packages() {
    local p out=""
    for p in $PKGS; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            out="$out $p"
        fi
    done
    echo "$out"
}

# Waits up to $1 tenths of a second for the command in the remaining arguments.
wait_until() {
    local tenths=$1 i
    shift
    for ((i = 0; i < tenths; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}

card_listed() { "$INKAN" card list --json | grep -q '"my_number_card":true'; }

# ---------------------------------------------------------------- inside the namespaces
inner() {
    local work=$1 port=$2 t0 pcscd_pid vpcd_pid
    ip link set lo up
    mount -t tmpfs -o mode=0755 tmpfs /run
    mkdir -p /run/pcscd

    start_pcscd() {
        pcscd --foreground --info >>"$work/pcscd.log" 2>&1 &
        pcscd_pid=$!
        wait_until 100 test -S /run/pcscd/pcscd.comm || {
            log "pcscd did not start; its log:"
            tail -n 30 "$work/pcscd.log"
            return 1
        }
    }
    start_pcscd

    t0=$SECONDS
    log "Rust suites (inkan-pcsc against pcscd; every inkan card command with --reader pcsc)"
    INKAN_PCSC_TESTS=1 INKAN_PCSC_VPCD_PORT=$port \
        cargo test --offline --quiet "${TESTS_PCSC[@]}" -- --test-threads=1
    INKAN_PCSC_TESTS=1 INKAN_PCSC_VPCD_PORT=$port \
        cargo test --offline --quiet "${TESTS_CLI[@]}" -- --test-threads=1
    log "Rust suites took $((SECONDS - t0)) s"

    t0=$SECONDS
    log "inkan sim vpcd reconnects when pcscd restarts"
    "$INKAN" sim init "$work/card" >/dev/null
    "$INKAN" sim vpcd "$work/card" --port "$port" >>"$work/vpcd.log" 2>&1 &
    vpcd_pid=$!
    wait_until 150 card_listed || { log "pcscd never saw the card"; tail "$work/vpcd.log"; return 1; }
    kill "$pcscd_pid"
    wait "$pcscd_pid" || true
    "$INKAN" card list --json >/dev/null 2>&1 && { log "card list worked without pcscd?"; return 1; }
    start_pcscd
    wait_until 150 card_listed || { log "the card did not come back"; tail "$work/vpcd.log"; return 1; }
    "$INKAN" card status --reader pcsc >/dev/null
    grep -q "connected to vpcd" "$work/vpcd.log"
    test "$(grep -c 'connected to vpcd at' "$work/vpcd.log")" -ge 2
    log "reconnect check took $((SECONDS - t0)) s"

    kill "$vpcd_pid" "$pcscd_pid" 2>/dev/null || true
    wait 2>/dev/null || true
}

if [ "${1:-}" = "--inner" ]; then
    inner "$2" "$3"
    exit $?
fi

# ---------------------------------------------------------------- outside
if [ "$(id -u)" != 0 ]; then
    missing=$(missing_packages)
    if [ -n "$missing" ]; then
        log "SKIP: needs root to install and start pcscd. Run:"
        echo "    sudo apt-get install -y $PKGS && sudo -E env \"PATH=\$PATH\" just test-pcsc"
    else
        log "SKIP: needs root to start a private pcscd (namespaces). Run:"
        echo "    sudo -E env \"PATH=\$PATH\" just test-pcsc"
    fi
    exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v unshare >/dev/null; then
    log "SKIP: needs apt-get and unshare (Debian/Ubuntu with util-linux); install $PKGS by hand"
    exit 0
fi

t_start=$SECONDS
missing=$(missing_packages)
if [ -n "$missing" ]; then
    log "installing$missing"
    if ! apt-cache policy vsmartcard-vpcd 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
fi

# vpcd's port: DEVICENAME /dev/null:PORT means vpcd listens and the card connects to it.
conf=/etc/reader.conf.d/vpcd
devname=$(awk '$1 == "DEVICENAME" { print $2 }' "$conf")
case "$devname" in
    /dev/null:*) port=$((${devname#/dev/null:})) ;;
    *)
        log "SKIP: $conf has DEVICENAME '$devname'; the suite needs vpcd's default (listening) mode, /dev/null:0x8C7B"
        exit 0
        ;;
esac

log "building (outside the namespaces: crates may need the network)"
cargo build --quiet -p inkan
cargo test --quiet --no-run "${TESTS_PCSC[@]}"
cargo test --quiet --no-run "${TESTS_CLI[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/inkan-pcsc.XXXXXX")
t_suite=$SECONDS
status=0
unshare --net --mount --pid --fork --kill-child --mount-proc --propagation private \
    bash "$0" --inner "$work" "$port" || status=$?
if [ "$status" != 0 ]; then
    log "FAILED (exit $status); pcscd's log and the card's files are in $work"
    tail -n 40 "$work/pcscd.log" 2>/dev/null || true
    exit "$status"
fi
rm -rf "$work"
log "passed: suite $((SECONDS - t_suite)) s, total with setup and build $((SECONDS - t_start)) s"
