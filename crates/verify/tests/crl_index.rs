//! The CRL reader and index (RFC 5280 §5): signature over the raw TBS, strict DER, delta
//! application, persistence with rollback protection, and a property test against a full
//! x509-cert decode.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;

use der::Decode;
use inkan_testpki::jpki::{
    self as pki, CrlBuilder, CrlOptions, CrlScope, Hierarchy, Reason, RevokedEntry, RootCa,
    Validity,
};
use inkan_verify::revocation::check::{entry as entry_of, select};
use inkan_verify::revocation::store::{CrlStore, read_index};
use inkan_verify::{Backend, Cert, Crl, CrlError, RevocationReason, UnixTime};
use std::sync::Arc;

fn verified(der: &[u8], ca: &Cert) -> Result<Crl, CrlError> {
    Crl::from_der_signed_by(der, std::slice::from_ref(ca), Backend::default())
}
use proptest::prelude::*;

fn validity() -> Validity {
    Validity::new(
        pki::utc(2020, 1, 1, 0, 0, 0).unwrap(),
        pki::utc(2040, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap()
}

fn root(n: u32) -> &'static RootCa {
    static ROOTS: OnceLock<Vec<RootCa>> = OnceLock::new();
    let roots = ROOTS.get_or_init(|| {
        (1..=2)
            .map(|g| {
                let key = pki::test_key(7, &format!("crl-index/{g}")).unwrap();
                RootCa::new(Hierarchy::Signature, g, key, &[0x10, g as u8], validity()).unwrap()
            })
            .collect()
    });
    &roots[(n - 1) as usize]
}

fn ca(n: u32) -> Cert {
    Cert::from_der(root(n).cert_der()).unwrap()
}

fn t(y: u16, m: u8, d: u8) -> der::DateTime {
    pki::utc(y, m, d, 0, 0, 0).unwrap()
}

fn crl(entries: &[RevokedEntry], number: u64, opts: CrlOptions) -> Vec<u8> {
    pki::build_crl(
        root(1),
        entries,
        t(2025, 6, 1),
        t(2025, 6, 8),
        number,
        &opts,
    )
    .unwrap()
}

fn entry(serial: &[u8], day: u8, reason: Option<Reason>) -> RevokedEntry {
    RevokedEntry {
        serial: serial.to_vec(),
        revoked_at: t(2025, 5, day),
        reason,
    }
}

fn unix(y: u16, m: u8, d: u8) -> UnixTime {
    UnixTime::from_ymd_hms(y, m, d, 0, 0, 0).unwrap()
}

#[test]
fn verifies_and_indexes() {
    let entries = vec![
        entry(&[0x30, 0x39], 1, Some(Reason::AffiliationChanged)),
        entry(&[0x05], 2, None),
        entry(&[0xff, 0x01], 3, Some(Reason::CertificateHold)),
        entry(&[1; 20], 4, Some(Reason::KeyCompromise)),
    ];
    let der = crl(&entries, 42, CrlOptions::default());
    let idx = verified(&der, &ca(1)).unwrap();
    assert_eq!(idx.len(), 4);
    let r = idx.lookup_unsigned(&[0x30, 0x39]).unwrap();
    assert_eq!(r.reason, Some(RevocationReason::AffiliationChanged));
    assert_eq!(r.revoked_at, unix(2025, 5, 1));
    assert_eq!(idx.lookup_unsigned(&[0x05]).unwrap().reason, None);
    // DER INTEGER content of 0xff01 carries a leading zero.
    assert!(idx.lookup(&[0x00, 0xff, 0x01]).is_some());
    assert!(idx.lookup_unsigned(&[0xff, 0x01]).is_some());
    assert!(idx.lookup_unsigned(&[1; 20]).is_some());
    assert!(idx.lookup_unsigned(&[0x06]).is_none());
    assert!(idx.lookup_unsigned(&[2; 25]).is_none());
    let info = idx.info();
    assert_eq!(info.number.as_deref(), Some(&[42u8][..]));
    assert_eq!(info.this_update, unix(2025, 6, 1));
    assert_eq!(info.next_update, Some(unix(2025, 6, 8)));
    assert_eq!(info.aki.as_deref(), Some(&root(1).subject_key_id()[..]));
    assert!(idx.check_time(unix(2025, 6, 2)).is_ok());
    assert_eq!(
        idx.check_time(unix(2025, 6, 9)).unwrap_err().code(),
        "crl-expired"
    );
    assert_eq!(
        idx.check_time(unix(2025, 5, 9)).unwrap_err().code(),
        "crl-not-yet-valid"
    );
}

#[test]
fn wrong_ca_and_bad_signature() {
    let der = crl(&[entry(&[1], 1, None)], 1, CrlOptions::default());
    // Same name, other key: the AKI differs.
    let e = verified(&der, &ca(2)).unwrap_err();
    assert_eq!(e.code(), "crl-issuer-mismatch");
    // Flip a bit in the signature.
    let mut bad = der.clone();
    let n = bad.len();
    bad[n - 5] ^= 1;
    let e = verified(&bad, &ca(1)).unwrap_err();
    assert_eq!(e.code(), "crl-bad-signature");
    // Flip a bit in an entry's date: the TBS no longer matches the signature.
    let mut bad = der.clone();
    let pos = bad.windows(6).position(|w| w == b"250501").unwrap();
    bad[pos + 5] = b'2';
    let e = verified(&bad, &ca(1)).unwrap_err();
    assert_eq!(e.code(), "crl-bad-signature");
}

#[test]
fn truncation_and_garbage_give_offsets() {
    let der = crl(
        &[entry(&[1], 1, None), entry(&[2], 2, None)],
        1,
        CrlOptions::default(),
    );
    for cut in [0, 1, 2, 10, der.len() / 2, der.len() - 1] {
        match Crl::from_der(&der[..cut]) {
            Err(CrlError::Der { offset, .. }) => assert!(offset <= cut, "{cut}: {offset}"),
            other => panic!("{cut}: {other:?}"),
        }
    }
    let mut long = der.clone();
    long.push(0);
    assert_eq!(Crl::from_der(&long).unwrap_err().code(), "crl-malformed");
}

#[test]
fn non_minimal_integer_in_entry_is_rejected() {
    // Hand-edit: find the entry `30 len 02 01 07` and make the INTEGER `02 02 00 07`
    // (the outer lengths then no longer match: still an error with an offset).
    let der = crl(&[entry(&[7], 1, None)], 1, CrlOptions::default());
    assert!(Crl::from_der(&der).is_ok());
    let pos = der
        .windows(3)
        .position(|w| w == [0x02, 0x01, 0x07])
        .unwrap();
    let mut bad = der.clone();
    bad.splice(pos..pos + 3, [0x02, 0x02, 0x00, 0x07]);
    let r = Crl::from_der(&bad);
    assert!(matches!(r, Err(CrlError::Der { .. })), "{r:?}");
}

#[test]
fn duplicate_serial_is_rejected() {
    let der = crl(
        &[entry(&[9], 1, None), entry(&[9], 2, None)],
        1,
        CrlOptions::default(),
    );
    let e = Crl::from_der(&der).unwrap_err();
    assert_eq!(e.code(), "crl-duplicate-serial");
}

#[test]
fn delta_merge_honours_remove_from_crl() {
    let base = crl(
        &[
            entry(&[1], 1, Some(Reason::CertificateHold)),
            entry(&[2], 2, Some(Reason::KeyCompromise)),
            entry(&[4], 2, None),
        ],
        10,
        CrlOptions::default(),
    );
    let delta = crl(
        &[
            entry(&[1], 3, Some(Reason::RemoveFromCrl)),
            entry(&[3], 4, Some(Reason::Superseded)),
            entry(&[4], 5, Some(Reason::KeyCompromise)),
        ],
        11,
        CrlOptions {
            delta_base: Some(10),
            ..CrlOptions::default()
        },
    );
    let b = Arc::new(verified(&base, &ca(1)).unwrap());
    let d = Arc::new(verified(&delta, &ca(1)).unwrap());
    assert!(d.is_delta());
    let issuer = b.info().issuer().unwrap();
    let sel = select(&[Arc::clone(&b), Arc::clone(&d)], |_| true).unwrap();
    assert!(sel.delta.is_some());
    let look = |s: &[u8]| entry_of(&sel, &issuer, s);
    assert!(look(&[1]).is_none(), "removeFromCRL lifts the hold");
    assert_eq!(
        look(&[2]).unwrap().reason,
        Some(RevocationReason::KeyCompromise)
    );
    assert_eq!(
        look(&[3]).unwrap().reason,
        Some(RevocationReason::Superseded)
    );
    assert_eq!(look(&[4]).unwrap().revoked_at, unix(2025, 5, 5));
    // A delta for a newer base does not apply.
    let newer = crl(
        &[],
        13,
        CrlOptions {
            delta_base: Some(12),
            ..CrlOptions::default()
        },
    );
    let n = Arc::new(verified(&newer, &ca(1)).unwrap());
    let sel = select(&[Arc::clone(&b), n], |_| true).unwrap();
    assert!(sel.delta.is_none());
}

#[test]
fn idp_and_store_round_trip() {
    let scope = CrlScope::new("Tokyo", "Chiyoda");
    let a = crl(
        &[entry(&[1], 1, None)],
        1,
        CrlOptions {
            issuing_distribution_point: Some(scope),
            only_contains_user_certs: true,
            ..CrlOptions::default()
        },
    );
    let b = crl(&[entry(&[2], 1, None)], 1, CrlOptions::default());
    let ia = verified(&a, &ca(1)).unwrap();
    let ib = verified(&b, &ca(1)).unwrap();
    assert!(ia.info().idp_der.is_some());
    let dir = tempfile::tempdir().unwrap();
    let mut store = CrlStore::open(dir.path()).unwrap();
    let ka = store.put(&ia).unwrap();
    let kb = store.put(&ib).unwrap();
    assert_ne!(ka, kb, "the distribution point is part of the key");
    let mut keys = vec![ka.clone(), kb.clone()];
    keys.sort();
    assert_eq!(store.keys().unwrap(), keys);
    assert_eq!(*store.get(&ka).unwrap().unwrap(), ia);
    // Replace atomically.
    let b2 = crl(
        &[entry(&[2], 1, None), entry(&[3], 1, None)],
        2,
        CrlOptions::default(),
    );
    let ib2 = verified(&b2, &ca(1)).unwrap();
    assert_eq!(store.put(&ib2).unwrap(), kb);
    assert_eq!(store.get(&kb).unwrap().unwrap().len(), 2);
    // Never back to an older CRL of the same scope, whoever writes it.
    assert_eq!(store.put(&ib).unwrap_err().code(), "crl-older");
    let reopened = CrlStore::open(dir.path()).unwrap();
    assert_eq!(reopened.get(&kb).unwrap().unwrap().len(), 2);
    // Corruption is detected.
    let p = store.path_for(&kb);
    let mut bytes = std::fs::read(&p).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&p, &bytes).unwrap();
    assert_eq!(read_index(&p).unwrap_err().code(), "crl-index-checksum");
    bytes.truncate(20);
    std::fs::write(&p, &bytes).unwrap();
    assert_eq!(read_index(&p).unwrap_err().code(), "crl-index-corrupt");
}

#[test]
fn crls_of_two_keys_of_one_name_are_kept_side_by_side() {
    // Two root generations: one name, two keys (as every J-LIS generation).
    assert_eq!(ca(1).subject(), ca(2).subject());
    let of = |n: u32, number: u64| {
        let der = pki::build_crl(
            root(n),
            &[entry(&[n as u8], 1, None)],
            t(2025, 6, 1),
            t(2025, 6, 8),
            number,
            &CrlOptions::default(),
        )
        .unwrap();
        verified(&der, &ca(n)).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = CrlStore::open(dir.path()).unwrap();
    let k1 = store.put(&of(1, 5)).unwrap();
    // The other generation's CRL, even with a lower number, is not "older": it is another CRL.
    let k2 = store.put(&of(2, 3)).unwrap();
    assert_ne!(k1, k2);
    assert_eq!(store.all().unwrap().len(), 2);
    // Within one key, the usual rule.
    assert_eq!(store.put(&of(2, 2)).unwrap_err().code(), "crl-older");
    assert_eq!(store.put(&of(2, 4)).unwrap(), k2);
}

#[test]
fn many_entries_unsorted() {
    let root = root(1);
    let mut b = CrlBuilder::new(root, t(2025, 6, 1), t(2025, 6, 8), 5, CrlOptions::default());
    let n = 30_000u64;
    // A permutation of 1..=n, multiplied out to 8 bytes.
    for i in 0..n {
        let v = (i.wrapping_mul(7919) % n + 1).wrapping_mul(0x9e37_79b9);
        b.add(
            &v.to_be_bytes(),
            t(2025, 5, 1),
            Some(Reason::AffiliationChanged),
        )
        .unwrap();
    }
    let der = b.finish().unwrap();
    let idx = verified(&der, &ca(1)).unwrap();
    assert_eq!(idx.len(), n as usize);
    for i in 1..=n {
        let v = i.wrapping_mul(0x9e37_79b9);
        assert!(idx.lookup_unsigned(&v.to_be_bytes()).is_some(), "{i}");
        assert!(idx.lookup_unsigned(&(v + 1).to_be_bytes()).is_none(), "{i}");
    }
    let again = Crl::from_bytes(idx.as_bytes().to_vec()).unwrap();
    assert_eq!(again, idx);
}

/// What a naive full decode (x509-cert) says about a serial: (revocation time, reason code).
fn naive(der: &[u8]) -> Vec<(Vec<u8>, u64, Option<u32>)> {
    let list =
        x509_cert::crl::CertificateList::<x509_cert::certificate::Rfc5280>::from_der(der).unwrap();
    let mut out = Vec::new();
    for r in list.tbs_cert_list.revoked_certificates.unwrap_or_default() {
        let mut reason = None;
        for e in r.crl_entry_extensions.unwrap_or_default() {
            if e.extn_id == der::asn1::ObjectIdentifier::new_unwrap("2.5.29.21") {
                let c = x509_cert::ext::pkix::CrlReason::from_der(e.extn_value.as_bytes()).unwrap();
                reason = Some(c as u32);
            }
        }
        out.push((
            r.serial_number.as_bytes().to_vec(),
            r.revocation_date.to_unix_duration().as_secs(),
            reason,
        ));
    }
    out
}

fn reason_strategy() -> impl Strategy<Value = Option<Reason>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(Reason::JPKI.to_vec()).prop_map(Some),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The index answers exactly as a full decode does, for present and absent serials.
    #[test]
    fn index_matches_full_decode(
        raw in proptest::collection::btree_map(
            proptest::collection::vec(any::<u8>(), 1..=20).prop_filter("non-zero", |v| v.iter().any(|&b| b != 0)),
            (0u32..2_000_000_000, reason_strategy()),
            0..60,
        ),
        probes in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..=21), 0..20),
    ) {
        // Distinct values (not just distinct byte strings): strip leading zeros.
        let mut seen = std::collections::BTreeSet::new();
        let mut entries = Vec::new();
        for (serial, (secs, reason)) in raw {
            let s: Vec<u8> = serial.iter().copied().skip_while(|&b| b == 0).collect();
            if !seen.insert(s.clone()) { continue; }
            let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(u64::from(secs))).unwrap();
            entries.push(RevokedEntry { serial: s, revoked_at: dt, reason });
        }
        let der = pki::build_crl(root(1), &entries, t(2025, 6, 1), t(2025, 6, 8), 1, &CrlOptions::default()).unwrap();
        let idx = verified(&der, &ca(1)).unwrap();
        let full = naive(&der);
        prop_assert_eq!(idx.len(), full.len());
        for (serial, secs, reason) in &full {
            let r = idx.lookup(serial).unwrap();
            prop_assert_eq!(r.revoked_at.as_secs(), *secs);
            prop_assert_eq!(r.reason.map(|x| u32::from(x.code())), *reason);
        }
        for p in probes {
            let mut content = vec![0u8];
            content.extend(p.iter().copied().skip_while(|&b| b == 0));
            let expect = full.iter().find(|(s, _, _)| {
                let a: Vec<u8> = s.iter().copied().skip_while(|&b| b == 0).collect();
                let b: Vec<u8> = content.iter().copied().skip_while(|&b| b == 0).collect();
                a == b
            });
            prop_assert_eq!(idx.lookup(&content).map(|r| r.revoked_at.as_secs()), expect.map(|e| e.1));
        }
    }

    /// The reader never panics and errors carry offsets within the input.
    #[test]
    fn reader_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Err(CrlError::Der { offset, .. }) = Crl::from_der(&data) {
            prop_assert!(offset <= data.len());
        }
    }
}
