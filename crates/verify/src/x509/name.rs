//! Name comparison (RFC 5280 §7.1) and name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)–(c),
//! §6.1.4 (g)).

use alloc::string::String;
use alloc::vec::Vec;

use der::Tagged;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::{Name, RelativeDistinguishedName};

use crate::error::Error;
use crate::oid;

/// Decodes a DirectoryString-like attribute value for comparison; `None` for
/// non-string values (compared byte for byte).
fn string_value(atv: &AttributeTypeAndValue) -> Option<String> {
    let v = atv.value.value();
    match atv.value.tag() {
        der::Tag::Utf8String | der::Tag::PrintableString | der::Tag::Ia5String => {
            core::str::from_utf8(v).ok().map(String::from)
        }
        der::Tag::TeletexString => Some(v.iter().map(|&b| char::from(b)).collect()),
        der::Tag::BmpString => {
            let units: Vec<u16> = v
                .chunks_exact(2)
                .map(|c| {
                    u16::from_be_bytes([
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    ])
                })
                .collect();
            if !v.len().is_multiple_of(2) {
                return None;
            }
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 4518-style preparation, simplified: trim, collapse inner white space, ASCII case fold.
fn prep(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn atv_eq(a: &AttributeTypeAndValue, b: &AttributeTypeAndValue) -> bool {
    if a.oid != b.oid {
        return false;
    }
    match (string_value(a), string_value(b)) {
        (Some(x), Some(y)) => prep(&x) == prep(&y),
        _ => a.value.tag() == b.value.tag() && a.value.value() == b.value.value(),
    }
}

/// RDN match: same number of attributes, each matching one of the other (RFC 5280 §7.1).
pub(crate) fn rdn_eq(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| atv_eq(x, y)))
}

/// Distinguished name match (RFC 5280 §7.1): same RDN count, RDN by RDN.
pub fn name_eq(a: &Name, b: &Name) -> bool {
    // The same encoding is the same name; only differing encodings need §7.1's rules.
    a == b || a.len() == b.len() && a.iter_rdn().zip(b.iter_rdn()).all(|(x, y)| rdn_eq(x, y))
}

/// `base` is a prefix of `name` (directoryName constraint, RFC 5280 §4.2.1.10).
fn dn_within(name: &Name, base: &Name) -> bool {
    base.len() <= name.len()
        && base
            .iter_rdn()
            .zip(name.iter_rdn())
            .all(|(b, n)| rdn_eq(b, n))
}

fn host_within(host: &str, constraint: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let c = constraint.trim_end_matches('.').to_ascii_lowercase();
    if c.is_empty() {
        return true;
    }
    if let Some(suffix) = c.strip_prefix('.') {
        return host.len() > suffix.len() + 1 && host.ends_with(&alloc::format!(".{suffix}"));
    }
    host == c || host.ends_with(&alloc::format!(".{c}"))
}

fn dns_within(name: &str, constraint: &str) -> bool {
    host_within(name, constraint)
}

fn rfc822_within(mailbox: &str, constraint: &str) -> bool {
    let Some((_, host)) = mailbox.rsplit_once('@') else {
        return false;
    };
    if constraint.contains('@') {
        return mailbox.eq_ignore_ascii_case(constraint);
    }
    let c = constraint.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    match c.strip_prefix('.') {
        Some(_) => host.ends_with(&c),
        None => host == c,
    }
}

/// The host of a URI's authority (RFC 3986 §3.2), if it has one.
fn uri_host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.starts_with('[') {
        return None;
    }
    let host = hostport.split(':').next()?;
    if host.is_empty() { None } else { Some(host) }
}

fn uri_within(uri: &str, constraint: &str) -> bool {
    let Some(host) = uri_host(uri) else {
        return false;
    };
    let c = constraint.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    match c.strip_prefix('.') {
        Some(_) => host.ends_with(&c),
        None => host == c,
    }
}

fn ip_within(addr: &[u8], base: &[u8]) -> bool {
    if base.len() != addr.len() * 2 {
        return false;
    }
    let (net, mask) = base.split_at(addr.len());
    addr.iter()
        .zip(net.iter().zip(mask.iter()))
        .all(|(a, (n, m))| a & m == n & m)
}

/// Which name form a GeneralName has (RFC 5280 §4.2.1.6).
/// The name form of rfc822Name (RFC 5280 §4.2.1.6, GeneralName [1]).
const RFC822_FORM: u8 = 1;

fn form(g: &GeneralName) -> u8 {
    match g {
        GeneralName::OtherName(_) => 0,
        GeneralName::Rfc822Name(_) => 1,
        GeneralName::DnsName(_) => 2,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EdiPartyName(_) => 5,
        GeneralName::UniformResourceIdentifier(_) => 6,
        GeneralName::IpAddress(_) => 7,
        GeneralName::RegisteredId(_) => 8,
    }
}

/// `Some(true/false)` when the form is supported, `None` otherwise.
fn within(name: &GeneralName, base: &GeneralName) -> Option<bool> {
    Some(match (name, base) {
        (GeneralName::DirectoryName(n), GeneralName::DirectoryName(b)) => dn_within(n, b),
        (GeneralName::DnsName(n), GeneralName::DnsName(b)) => dns_within(n.as_str(), b.as_str()),
        (GeneralName::Rfc822Name(n), GeneralName::Rfc822Name(b)) => {
            rfc822_within(n.as_str(), b.as_str())
        }
        (GeneralName::UniformResourceIdentifier(n), GeneralName::UniformResourceIdentifier(b)) => {
            uri_within(n.as_str(), b.as_str())
        }
        (GeneralName::IpAddress(n), GeneralName::IpAddress(b)) => {
            ip_within(n.as_bytes(), b.as_bytes())
        }
        _ => return None,
    })
}

/// Human-readable form of a name for error messages.
pub(crate) fn general_name_string(g: &GeneralName) -> String {
    match g {
        GeneralName::DirectoryName(n) => alloc::format!("DirName:{n}"),
        GeneralName::DnsName(n) => alloc::format!("DNS:{}", n.as_str()),
        GeneralName::Rfc822Name(n) => alloc::format!("email:{}", n.as_str()),
        GeneralName::UniformResourceIdentifier(n) => alloc::format!("URI:{}", n.as_str()),
        GeneralName::IpAddress(n) => alloc::format!("IP:{:02x?}", n.as_bytes()),
        GeneralName::OtherName(o) => alloc::format!("othername:{}", o.type_id),
        GeneralName::RegisteredId(o) => alloc::format!("RID:{o}"),
        GeneralName::EdiPartyName(_) => String::from("ediPartyName"),
    }
}

/// The name constraint state of RFC 5280 §6.1.2 (b), (c): `permitted_subtrees` is kept as
/// a list of sets, one per (certificate, name form); a name must fall within some subtree of
/// every set of its form, which is the intersection of §6.1.4 (g)(1). `excluded_subtrees` is
/// the union of §6.1.4 (g)(2).
#[derive(Default, Clone, Debug)]
pub(crate) struct NameConstraintState {
    permitted: Vec<Vec<GeneralName>>,
    excluded: Vec<GeneralName>,
}

impl NameConstraintState {
    /// §6.1.4 (g): merges a certificate's nameConstraints.
    pub(crate) fn add(
        &mut self,
        permitted: Option<&[GeneralSubtree]>,
        excluded: Option<&[GeneralSubtree]>,
    ) -> Result<(), Error> {
        let check = |s: &GeneralSubtree| {
            if s.minimum != 0 || s.maximum.is_some() {
                Err(Error::malformed(
                    "name constraints",
                    "minimum must be 0 and maximum absent (RFC 5280 §4.2.1.10)",
                ))
            } else {
                Ok(())
            }
        };
        if let Some(p) = permitted {
            let mut forms: Vec<u8> = p.iter().map(|s| form(&s.base)).collect();
            forms.sort_unstable();
            forms.dedup();
            for f in forms {
                let mut set = Vec::new();
                for s in p.iter().filter(|s| form(&s.base) == f) {
                    check(s)?;
                    set.push(s.base.clone());
                }
                self.permitted.push(set);
            }
        }
        if let Some(e) = excluded {
            for s in e {
                check(s)?;
                self.excluded.push(s.base.clone());
            }
        }
        Ok(())
    }

    /// Whether any constraint of name form `f` is in force.
    fn constrains(&self, f: u8) -> bool {
        self.permitted
            .iter()
            .any(|set| set.first().map(form) == Some(f))
            || self.excluded.iter().any(|b| form(b) == f)
    }

    fn check_one(&self, name: &GeneralName, depth: usize) -> Result<(), Error> {
        let violation = || Error::NameConstraints {
            depth,
            name: general_name_string(name),
        };
        let f = form(name);
        for set in &self.permitted {
            if set.first().map(form) != Some(f) {
                continue;
            }
            let mut ok = false;
            for base in set {
                match within(name, base) {
                    Some(true) => ok = true,
                    Some(false) => {}
                    // A constraint on a form we cannot process: reject (RFC 5280 §4.2.1.10).
                    None => return Err(violation()),
                }
            }
            if !ok {
                return Err(violation());
            }
        }
        for base in &self.excluded {
            if form(base) != f {
                continue;
            }
            match within(name, base) {
                Some(false) => {}
                _ => return Err(violation()),
            }
        }
        Ok(())
    }

    /// §6.1.3 (b), (c): the subject name (with its emailAddress attributes as rfc822Names)
    /// and every subjectAltName entry must satisfy the constraints.
    pub(crate) fn check(
        &self,
        subject: &Name,
        san: Option<&[GeneralName]>,
        depth: usize,
    ) -> Result<(), Error> {
        if self.permitted.is_empty() && self.excluded.is_empty() {
            return Ok(());
        }
        if !subject.is_empty() {
            self.check_one(&GeneralName::DirectoryName(subject.clone()), depth)?;
            // §4.2.1.10: the emailAddress attribute is checked as an rfc822Name
            // whatever its string type (IA5String, UTF8String, …). A value that is no
            // string, or not ASCII, cannot be compared: it fails when rfc822 constraints
            // apply.
            for atv in subject.iter().filter(|a| a.oid == oid::EMAIL_ADDRESS) {
                let email = string_value(atv).and_then(|v| der::asn1::Ia5String::new(&v).ok());
                match email {
                    Some(e) => self.check_one(&GeneralName::Rfc822Name(e), depth)?,
                    None if self.constrains(RFC822_FORM) => {
                        return Err(Error::NameConstraints {
                            depth,
                            name: String::from("emailAddress (not an ASCII string)"),
                        });
                    }
                    None => {}
                }
            }
        }
        for g in san.unwrap_or(&[]) {
            self.check_one(g, depth)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    #[test]
    fn host_matching() {
        assert!(dns_within("a.example.com", "example.com"));
        assert!(dns_within("example.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("x.example.com", ".example.com"));
        assert!(rfc822_within("a@Example.com", "example.com"));
        assert!(!rfc822_within("a@x.example.com", "example.com"));
        assert!(rfc822_within("a@x.example.com", ".example.com"));
        assert!(uri_within("https://u@host.example:8/x", "host.example"));
        assert!(!uri_within("urn:x", "host.example"));
        assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
    }

    #[test]
    fn dn_compare_is_case_and_space_insensitive() {
        let a = Name::from_str("CN=Foo  Bar,O=JPKI,C=JP").unwrap();
        let b = Name::from_str("CN=foo bar,O=jpki,C=JP").unwrap();
        let c = Name::from_str("O=JPKI,C=JP").unwrap();
        assert!(name_eq(&a, &b));
        assert!(!name_eq(&a, &c));
        // RFC 4514 strings list the last RDN first: C=JP is the first RDN.
        assert!(dn_within(&a, &c));
    }
}
