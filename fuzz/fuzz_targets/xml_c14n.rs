//! XML reader, canonicaliser and Signature reader: never panic; canonical output is
//! UTF-8, a with-comments method without comments kept is its without-comments method,
//! and the canonical form of a whole document re-reads and is its own canonical form.
#![no_main]
use inkan_xml::c14n::{Subset, canonicalize};
use inkan_xml::{C14nMethod, Limits, Profile, Xml, dsig, parse};
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits {
    max_bytes: 64 * 1024,
    max_depth: 32,
    max_attributes: 32,
    max_nodes: 4096,
};

const METHODS: [C14nMethod; 4] = [
    C14nMethod::Inclusive,
    C14nMethod::InclusiveWithComments,
    C14nMethod::Exclusive,
    C14nMethod::ExclusiveWithComments,
];

/// The first elements in breadth-first order, the document element first.
fn first_elements(xml: &Xml<'_>, n: usize) -> Vec<inkan_xml::NodeId> {
    let mut out: Vec<_> = xml.root().into_iter().collect();
    let mut i = 0;
    while out.len() < n && i < out.len() {
        let kids: Vec<_> = xml.child_elements(out[i]).take(n - out.len()).collect();
        out.extend(kids);
        i += 1;
    }
    out
}

fn c14n(xml: &Xml<'_>, subset: Subset, m: C14nMethod, keep: bool, p: &[String]) -> Option<Vec<u8>> {
    let out = canonicalize(xml, subset, m, keep, p).ok()?;
    assert!(
        std::str::from_utf8(&out).is_ok(),
        "canonical output is not UTF-8"
    );
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Ok(xml) = parse(data, &LIMITS) else {
        return;
    };
    let prefixes = ["#default".to_owned(), "ds".to_owned(), "xml".to_owned()];
    for m in METHODS {
        let whole = c14n(&xml, Subset::DOCUMENT, m, m.with_comments(), &[]);
        if m.with_comments() {
            let bare = if m == C14nMethod::InclusiveWithComments {
                C14nMethod::Inclusive
            } else {
                C14nMethod::Exclusive
            };
            assert_eq!(
                c14n(&xml, Subset::DOCUMENT, m, false, &[]),
                c14n(&xml, Subset::DOCUMENT, bare, false, &[]),
                "{m:?} without comments kept"
            );
        }
        // A canonical form is a well-formed document, and its own canonical form.
        if let Some(first) = whole {
            let reread = parse(&first, &Limits::DEFAULT).expect("canonical form re-reads");
            let second = c14n(&reread, Subset::DOCUMENT, m, m.with_comments(), &[]);
            assert_eq!(second.as_deref(), Some(&first[..]), "{m:?} not idempotent");
        }
        let elements = first_elements(&xml, 6);
        for &e in &elements {
            let _ = c14n(&xml, Subset::element(e), m, m.with_comments(), &[]);
            let _ = c14n(&xml, Subset::element(e), m, false, &prefixes);
            if let Some(&root) = elements.first() {
                let cut = Subset {
                    apex: Some(root),
                    cut: Some(e),
                };
                let _ = c14n(&xml, cut, m, m.with_comments(), &[]);
            }
        }
    }
    for node in dsig::signature_elements(&xml) {
        if let Ok(sig) = dsig::read_signature(&xml, node, &Profile::JPKI) {
            let _ = dsig::signed_info_bytes(&xml, &sig);
        }
    }
});
