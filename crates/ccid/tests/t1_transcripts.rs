//! T=1 transcripts after the scenarios of ISO/IEC 7816-3 Annex A ("T=1 protocol
//! scenarios"): chaining both ways, R-block recovery, resynchronisation, WTX, IFS.
//! `>` lines are what the interface device (our engine) sends, `<` what the card answers.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use inkan_ccid::t1::{Step, T1Config, T1Error, T1Host};

fn hx(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Runs a transcript: the first `>` line is what `start` must produce; each `<` line is
/// fed to the engine; the following `>` line is what it must send; `= hex` is the
/// expected final response and `! error` the expected failure.
fn transcript(mut host: T1Host, start: Step, lines: &[&str]) -> T1Host {
    let mut step = start;
    for line in lines {
        let (dir, rest) = line.split_at(1);
        match dir {
            ">" => match &step {
                Step::Send { block, .. } => assert_eq!(block, &hx(rest), "at {line}"),
                other => panic!("expected to send {rest}, got {other:?}"),
            },
            "<" => {
                step = if rest.trim() == "timeout" {
                    host.on_timeout()
                } else {
                    host.on_block(&hx(rest))
                }
            }
            "=" => assert_eq!(step, Step::Done(hx(rest)), "at {line}"),
            "w" => match &step {
                Step::Send { wtx, .. } => assert_eq!(*wtx, rest.trim().parse::<u8>().unwrap()),
                other => panic!("expected a send, got {other:?}"),
            },
            _ => panic!("bad line {line}"),
        }
    }
    host
}

fn host(ifsc: u8) -> T1Host {
    T1Host::new(T1Config {
        ifsc,
        ifsd: 254,
        ..T1Config::default()
    })
}

const READ: &str = "00 B0 00 00 00";

#[test]
fn a1_plain_exchange_and_sequence_numbers() {
    let mut h = host(32);
    let s = h.begin(&hx(READ), true);
    h = transcript(
        h,
        s,
        &[">00 00 05 00B0000000 B5", "<00 00 02 9000 92", "=9000"],
    );
    // Both N(S) toggle for the next exchange.
    let s = h.begin(&hx(READ), true);
    transcript(
        h,
        s,
        &[">00 40 05 00B0000000 F5", "<00 40 02 9000 D2", "=9000"],
    );
}

#[test]
fn a2_host_chaining_with_small_ifsc() {
    let apdu = hx("00 A4 02 0C 02 00 0A");
    let mut h = host(4);
    let s = h.begin(&apdu, true);
    transcript(
        h,
        s,
        &[
            ">00 20 04 00A4020C 8E",
            "<00 90 00 90",
            ">00 40 03 02000A 4B",
            "<00 00 02 9000 92",
            "=9000",
        ],
    );
}

#[test]
fn a3_card_chaining() {
    let mut h = host(32);
    let s = h.begin(&hx(READ), true);
    transcript(
        h,
        s,
        &[
            ">00 00 05 00B0000000 B5",
            "<00 20 03 010203 23", // I(0, M)
            ">00 90 00 90",        // R(1)
            "<00 40 03 049000 D7", // I(1)
            "=010203049000",
        ],
    );
}

#[test]
fn a4_r_block_recovery() {
    // The card's answer is garbled: R(0) with EDC error; the card repeats its block.
    let mut h = host(32);
    let s = h.begin(&hx(READ), true);
    h = transcript(
        h,
        s,
        &[
            ">00 00 05 00B0000000 B5",
            "<00 00 02 9000 93",
            ">00 81 00 81",
            "<00 00 02 9000 92",
            "=9000",
        ],
    );
    // Our block is garbled at the card: it asks with R(N(R) = our N(S)); we repeat.
    let s = h.begin(&hx(READ), true);
    h = transcript(
        h,
        s,
        &[
            ">00 40 05 00B0000000 F5",
            "<00 91 00 91",
            ">00 40 05 00B0000000 F5",
            "<00 40 02 9000 D2",
            "=9000",
        ],
    );
    // Nothing within BWT: R-block with "other error".
    let s = h.begin(&hx(READ), true);
    transcript(
        h,
        s,
        &[
            ">00 00 05 00B0000000 B5",
            "<timeout",
            ">00 82 00 82",
            "<00 00 02 9000 92",
            "=9000",
        ],
    );
}

#[test]
fn a5_chained_ack_lost() {
    // Card chaining; our R(1) arrives garbled, the card answers R: we repeat our R(1).
    let mut h = host(32);
    let s = h.begin(&hx(READ), true);
    transcript(
        h,
        s,
        &[
            ">00 00 05 00B0000000 B5",
            "<00 20 01 AA 8B",
            ">00 90 00 90",
            "<00 81 00 81",
            ">00 90 00 90",
            "<00 40 02 9000 D2",
            "=AA9000",
        ],
    );
}

#[test]
fn a6_resynch_after_three_failures() {
    let mut h = host(32);
    let s = h.begin(&hx(READ), true);
    transcript(
        h,
        s,
        &[
            ">00 00 05 00B0000000 B5",
            "<timeout",
            ">00 82 00 82",
            "<timeout",
            ">00 82 00 82",
            "<timeout",
            ">00 82 00 82",
            "<timeout",
            ">00 C0 00 C0", // S(RESYNCH request)
            "<00 E0 00 E0", // S(RESYNCH response)
            ">00 00 05 00B0000000 B5",
            "<00 00 02 9000 92",
            "=9000",
        ],
    );
}

#[test]
fn a6b_no_repeat_of_verify_after_resynch() {
    let mut h = host(32);
    let verify = hx("00 20 00 80 04 31323334");
    let s = h.begin(&verify, false);
    let mut step = s;
    for _ in 0..4 {
        step = h.on_timeout();
    }
    assert!(matches!(step, Step::Send { ref block, .. } if block == &hx("00 C0 00 C0")));
    assert_eq!(
        h.on_block(&hx("00 E0 00 E0")),
        Step::Failed(T1Error::NotRepeated)
    );
    // The next exchange starts in step: RESYNCH first, before any command byte.
    let s = h.begin(&hx(READ), true);
    transcript(
        h,
        s,
        &[
            ">00 C0 00 C0",
            "<00 E0 00 E0",
            ">00 00 05 00B0000000 B5",
            "<00 00 02 9000 92",
            "=9000",
        ],
    );
}

#[test]
fn a7_resynch_gives_up() {
    let mut h = host(32);
    let mut step = h.begin(&hx(READ), true);
    for _ in 0..64 {
        if matches!(step, Step::Failed(_)) {
            break;
        }
        step = h.on_timeout();
    }
    assert_eq!(step, Step::Failed(T1Error::Unrecoverable));
}

#[test]
fn a8_wtx() {
    let mut h = host(32);
    let s = h.begin(&hx("80 2A 00 80 01 AA 00"), false);
    transcript(
        h,
        s,
        &[
            ">00 00 07 802A008001AA00 86",
            "<00 C3 01 03 C1", // S(WTX request, 3)
            ">00 E3 01 03 E1",
            "w3",
            "<00 00 02 9000 92",
            "=9000",
        ],
    );
}

#[test]
fn a9_ifs_both_ways() {
    let mut h = host(32);
    let s = h.negotiate_ifsd(0xFE);
    h = transcript(h, s, &[">00 C1 01 FE 3E", "<00 E1 01 FE 1E", "="]);
    assert_eq!(h.config().ifsd, 0xFE);
    // The card changes IFSC in the middle of an exchange.
    let s = h.begin(&hx(READ), true);
    h = transcript(
        h,
        s,
        &[
            ">00 00 05 00B0000000 B5",
            "<00 C1 01 02 C2",
            ">00 E1 01 02 E2",
            "<00 00 02 9000 92",
            "=9000",
        ],
    );
    assert_eq!(h.config().ifsc, 2);
}

#[test]
fn a10_abort_and_bounds() {
    let mut h = host(32);
    let _ = h.begin(&hx(READ), true);
    assert_eq!(
        h.on_block(&hx("00 C2 00 C2")),
        Step::Failed(T1Error::Aborted)
    );
    // A card that never stops asking for WTX is cut off.
    let mut h = host(32);
    let mut step = h.begin(&hx(READ), true);
    for _ in 0..100_000 {
        if matches!(step, Step::Failed(_)) {
            break;
        }
        step = h.on_block(&hx("00 C3 01 01 C3"));
    }
    assert_eq!(step, Step::Failed(T1Error::TooManyBlocks));
    assert_eq!(
        host(32).begin(&[], true),
        Step::Failed(T1Error::EmptyCommand)
    );
}
