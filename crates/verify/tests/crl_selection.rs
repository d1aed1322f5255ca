//! Property: for random sets of CRLs of one scope — complete and delta, numbers,
//! thisUpdate (some after the validation time: usable, they know more), some stale (past
//! nextUpdate, so unusable), holds, removeFromCRL —
//! given in any order, the verdict is that of a straightforward model: the newest usable
//! complete CRL (highest number, then latest thisUpdate), the newest usable delta whose
//! base it satisfies, the delta's entry superseding the complete CRL's (RFC 5280 §5.2.4,
//! §6.3.3).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use inkan_verify::{
    CertStatus, CrlSet, Error, RevocationOptions, RevocationReason, RevocationScope,
    ValidationOptions, verify_path,
};
use proptest::prelude::*;

/// One generated CRL: complete or delta (with its base), number, day of thisUpdate in
/// May 2025 (validation on June 1; days beyond 31 are after it), whether it is stale
/// (nextUpdate May 31, only for thisUpdate before it), and the entry for the leaf's
/// serial, if any.
#[derive(Clone, Debug)]
struct Gen {
    delta_base: Option<u64>,
    number: u64,
    day: u32,
    stale: bool,
    entry: Option<u8>,
}

fn this_update(day: u32) -> String {
    if day <= 31 {
        format!("2025-05-{day:02}T00:00:00Z")
    } else {
        format!("2025-06-{:02}T00:00:00Z", day - 30)
    }
}

fn gen_strategy() -> impl Strategy<Value = Vec<Gen>> {
    let one = (
        any::<bool>(),
        1u64..8,
        0u64..4,
        1u32..35,
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some(3u8)),
            Just(Some(6u8)),
            Just(Some(1u8)),
            Just(Some(8u8))
        ],
    )
        .prop_map(|(is_delta, number, back, day, stale, entry)| Gen {
            delta_base: is_delta.then(|| number.saturating_sub(back + 1).max(1)),
            number: number + if is_delta { 1 } else { 0 },
            day,
            stale: stale && day <= 30,
            entry,
        });
    proptest::collection::vec(one, 1..6).prop_map(|mut v| {
        // removeFromCRL only in deltas (RFC 5280 §5.3.1); unique (kind, number).
        for g in &mut v {
            if g.delta_base.is_none() && g.entry == Some(8) {
                g.entry = Some(6);
            }
        }
        let mut seen = std::collections::HashSet::new();
        v.retain(|g| seen.insert((g.delta_base.is_some(), g.number)));
        v
    })
}

/// The model's verdict: `None` unknown, `Some(None)` good, `Some(Some(reason))` revoked.
fn model(set: &[Gen]) -> Option<Option<u8>> {
    let usable = |g: &&Gen| !g.stale;
    let complete = set
        .iter()
        .filter(|g| g.delta_base.is_none())
        .filter(usable)
        .max_by_key(|g| (g.number, g.day))?;
    let delta = set
        .iter()
        .filter(|g| {
            g.delta_base
                .is_some_and(|b| b <= complete.number && g.number > complete.number)
        })
        .filter(usable)
        .max_by_key(|g| (g.number, g.day));
    let entry = match delta.and_then(|d| d.entry) {
        Some(e) => Some(e),
        None => complete.entry,
    };
    Some(entry.filter(|&r| r != 8))
}

fn build(g: &Gen, serial: u64) -> Vec<u8> {
    let mut c = CrlSpec::new(INTER, 1).number(g.number).times(
        &this_update(g.day),
        Some(if g.stale {
            "2025-05-31T00:00:00Z"
        } else {
            "2025-06-30T00:00:00Z"
        }),
    );
    if let Some(b) = g.delta_base {
        c = c.ext(delta_indicator(b));
    }
    if let Some(r) = g.entry {
        c = c.entry(revoked(serial, "2025-04-01T00:00:00Z", Some(r)));
    }
    // Another certificate's entry in every CRL: lookups must pick the right one.
    c.entry(revoked(serial + 1, "2025-04-02T00:00:00Z", Some(1)))
        .der()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn verdict_matches_the_model(set in gen_strategy(), rotate in 0usize..6) {
        let l = leaf();
        let mut ders: Vec<Vec<u8>> = set.iter().map(|g| build(g, l.serial)).collect();
        let n = ders.len();
        ders.rotate_left(rotate % n);
        if rotate % 2 == 1 {
            ders.reverse();
        }
        let mut crls = CrlSet::new();
        for d in &ders {
            crls.add_der(d).unwrap();
        }
        let mut r = RevocationOptions::new(&crls);
        r.scope = RevocationScope::Leaf;
        let mut o = ValidationOptions::new(t("2025-06-01T00:00:00Z"));
        o.revocation = Some(r);
        let got = verify_path(&l.cert(), &[inter().cert()], &store_with(&root()), &o);
        let got = match got {
            Ok(p) => match &p.revocation[0] {
                CertStatus::Good { .. } => Some(None),
                other => panic!("{other:?}"),
            },
            Err(Error::Revoked { reason, .. }) => Some(Some(reason.code())),
            Err(Error::RevocationUnknown { .. }) => None,
            Err(e) => panic!("{e}"),
        };
        prop_assert_eq!(got, model(&set), "{:?}", set);
        // The reason survives as given.
        if let Some(Some(code)) = got {
            prop_assert!(RevocationReason::from_code(u32::from(code)).is_some());
        }
    }
}
