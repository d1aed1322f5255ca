//! `inkan card … --reader sim:DIR --via pasori:rc-s380`: the software card on a virtual
//! Sony RC-S380, driven by the contactless driver.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod common;

use common::{inkan, s, sim_card};
use serde_json::json;

const VIA: [&str; 2] = ["--via", "pasori:rc-s380"];

#[test]
fn status_sign_and_my_number_over_the_rc_s380() {
    let c = sim_card(&[]);
    let r = c.card("status", &VIA, None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["token"]["kind"], json!("my-number-card"));
    let doc = c.path("doc.txt");
    std::fs::write(&doc, "signed over the RC-S380\n").unwrap();
    let sig = c.path("doc.sig");
    let mut args = vec!["--in", s(&doc), "--out", s(&sig)];
    args.extend_from_slice(&VIA);
    let r = c.card("sign", &args, Some("ABC123"));
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert_eq!(std::fs::read(&sig).unwrap().len(), 256);
    let r = c.card("mynumber", &VIA, Some("1234"));
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    // The card's state (PIN counters) persists as with the direct sim reader.
    assert_eq!(c.verifies_with_data(), 2);
}

#[test]
fn via_is_checked() {
    let c = sim_card(&[]);
    let r = c.card("status", &["--via", "pasori:rc-s999"], None);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let r = inkan(
        &[
            "card",
            "status",
            "--reader",
            "usb:x",
            "--via",
            "pasori:rc-s380",
            "--json",
        ],
        &[],
    );
    assert_ne!(r.code, 0);
}
