//! A bounded XML reader: UTF-8 documents (XML 1.0 §4.3.3) within [`Limits`], with no
//! document type declaration (XML 1.0 §2.8) — a `DOCTYPE` is refused before anything
//! after it is read, so no entity is ever declared, expanded or fetched — and with the
//! ID attributes of XMLDSig signed documents recognised without a DTD.
//!
//! Without a DTD no attribute is an ID in the sense of XML 1.0 §3.3.1; XMLDSig §4.3.3.3
//! leaves it to the application to say which attributes identify elements. e-Tax uses a
//! lowercase `id`, XMLDSig's own elements `Id`, others `ID`: all three (unprefixed) are
//! IDs here, and a value that appears twice among them is refused
//! ([`XmlError::DuplicateId`]) rather than resolved to either element — two elements
//! with one ID is the first step of every signature-wrapping attack.

use std::collections::HashMap;

use uppsala::{Document, NodeId, NodeKind};

use crate::error::XmlError;

/// The attribute names that carry IDs (unprefixed, on any element).
pub const ID_ATTRIBUTES: [&str; 3] = ["id", "Id", "ID"];

/// Hard limits for one document. Every default is far above a real filing (e-Tax
/// accepts data of at most a few tens of megabytes) and low enough to keep memory and
/// time bounded on hostile input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest document in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting.
    pub max_depth: u32,
    /// Most attributes (including namespace declarations) on one element.
    pub max_attributes: usize,
    /// Most markup constructs (elements, comments, processing instructions, CDATA
    /// sections): bounds the size of the tree in memory.
    pub max_nodes: usize,
}

impl Limits {
    /// 64 MiB, depth 256, 256 attributes per element, 4 Mi markup constructs.
    pub const DEFAULT: Limits = Limits {
        max_bytes: 64 * 1024 * 1024,
        max_depth: 256,
        max_attributes: 256,
        max_nodes: 4 * 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A parsed document: the tree, the text it was read from and its ID map.
pub struct Xml<'a> {
    pub(crate) text: &'a str,
    pub(crate) doc: Document<'a>,
    pub(crate) ids: HashMap<String, NodeId>,
}

/// Reads `input` as an XML document within `limits`.
///
/// Refuses, in this order and before building a tree: a document over `max_bytes`
/// ([`XmlError::TooLarge`]), bytes that are not UTF-8 ([`XmlError::Malformed`]), a
/// document type declaration ([`XmlError::DtdRefused`]), more markup than `max_nodes`;
/// then, while parsing, nesting deeper than `max_depth`; then on the tree, an element
/// with more than `max_attributes` attributes and a duplicate ID.
pub fn parse<'a>(input: &'a [u8], limits: &Limits) -> Result<Xml<'a>, XmlError> {
    if input.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            limit: "bytes",
            max: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(input)
        .map_err(|e| XmlError::malformed(format!("not UTF-8 at byte {}", e.valid_up_to())))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_prolog(text)?;
    // Every element, comment, PI and CDATA section starts with '<': an upper bound of
    // the tree's markup nodes (text nodes are at most one more per markup node).
    if bytecount(text.as_bytes(), b'<') > limits.max_nodes {
        return Err(XmlError::TooLarge {
            limit: "nodes",
            max: limits.max_nodes,
        });
    }
    check_attribute_counts(text.as_bytes(), limits.max_attributes)?;
    let doc = uppsala::Parser::new()
        .with_forbid_dtd(true)
        .with_max_depth(limits.max_depth)
        .with_max_entity_expansion(0)
        .parse(text)
        .map_err(|e| map_parse_error(&e, limits))?;
    check_tree(&doc)?;
    let ids = id_map(&doc)?;
    Ok(Xml { text, doc, ids })
}

fn map_parse_error(e: &uppsala::XmlError, limits: &Limits) -> XmlError {
    let msg = e.to_string();
    if msg.contains("depth") {
        XmlError::TooLarge {
            limit: "depth",
            max: limits.max_depth as usize,
        }
    } else if msg.contains("DOCTYPE") {
        XmlError::DtdRefused
    } else {
        XmlError::malformed(msg)
    }
}

fn bytecount(b: &[u8], needle: u8) -> usize {
    b.iter().filter(|&&c| c == needle).count()
}

/// The prolog (XML 1.0 §2.8: `XMLDecl? Misc* (doctypedecl Misc*)?`) up to the root
/// element: a `<!DOCTYPE` there is refused. Comments and PIs are skipped; anything else
/// is left to the parser.
fn check_prolog(text: &str) -> Result<(), XmlError> {
    let mut rest = text;
    // A bounded walk: each turn consumes at least two bytes.
    for _ in 0..=text.len() {
        rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        if let Some(r) = rest.strip_prefix("<?") {
            match r.split_once("?>") {
                Some((_, after)) => rest = after,
                None => return Ok(()),
            }
        } else if let Some(r) = rest.strip_prefix("<!--") {
            match r.split_once("-->") {
                Some((_, after)) => rest = after,
                None => return Ok(()),
            }
        } else if rest.starts_with("<!DOCTYPE") || rest.starts_with("<!doctype") {
            return Err(XmlError::DtdRefused);
        } else {
            return Ok(());
        }
    }
    Ok(())
}

/// Where [`check_attribute_counts`] is.
#[derive(Clone, Copy)]
enum Scan {
    Text,
    /// Inside a tag: the open quote, the attributes counted.
    Tag(Option<u8>, usize),
    /// Inside a comment, PI or CDATA section, until this.
    Skip(&'static [u8]),
}

/// Counts attributes per tag on the raw text (a `=` at tag level, outside quoted
/// values) so that a tag with a million attributes is refused before the parser's
/// duplicate check looks at them. Comments, PIs and CDATA sections are skipped; the
/// parser judges well-formedness afterwards.
fn check_attribute_counts(b: &[u8], max: usize) -> Result<(), XmlError> {
    let mut st = Scan::Text;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let rest = b.get(i..).unwrap_or_default();
        match st {
            Scan::Text if c == b'<' => {
                st = if rest.starts_with(b"<!--") {
                    i += 3;
                    Scan::Skip(b"-->")
                } else if rest.starts_with(b"<![CDATA[") {
                    i += 8;
                    Scan::Skip(b"]]>")
                } else if rest.starts_with(b"<?") {
                    i += 1;
                    Scan::Skip(b"?>")
                } else {
                    Scan::Tag(None, 0)
                };
            }
            Scan::Text => {}
            Scan::Skip(end) => {
                if rest.starts_with(end) {
                    i += end.len() - 1;
                    st = Scan::Text;
                }
            }
            Scan::Tag(Some(q), n) if c == q => st = Scan::Tag(None, n),
            Scan::Tag(Some(_), _) => {}
            Scan::Tag(None, n) => match c {
                b'"' | b'\'' => st = Scan::Tag(Some(c), n),
                b'=' if n >= max => {
                    return Err(XmlError::TooLarge {
                        limit: "attributes",
                        max,
                    });
                }
                b'=' => st = Scan::Tag(None, n + 1),
                b'>' => st = Scan::Text,
                _ => {}
            },
        }
        i += 1;
    }
    Ok(())
}

/// What the parser lets through and this reader refuses, because canonicalisation would
/// then give two different documents one canonical form: a prefix bound to the empty
/// name (`xmlns:a=""`, Namespaces in XML 1.0 §3 NSC "No Prefix Undeclaring"), and a
/// character outside XML 1.0 §2.2 `Char` in an attribute value.
fn check_tree(doc: &Document<'_>) -> Result<(), XmlError> {
    let bad_char = |c: char| {
        let u = c as u32;
        u < 0x20 && !matches!(u, 0x9 | 0xA | 0xD) || matches!(u, 0xFFFE | 0xFFFF)
    };
    for n in doc.descendants(doc.root()) {
        let Some(NodeKind::Element(e)) = doc.node_kind(n) else {
            continue;
        };
        if e.namespace_declarations
            .iter()
            .any(|(p, uri)| !p.is_empty() && uri.is_empty())
        {
            return Err(XmlError::malformed(
                "a namespace prefix is bound to the empty name (Namespaces in XML 1.0 §3)",
            ));
        }
        if e.attributes.iter().any(|a| a.value.chars().any(bad_char)) {
            return Err(XmlError::malformed(
                "an attribute value holds a character XML 1.0 §2.2 does not allow",
            ));
        }
    }
    Ok(())
}

fn id_map(doc: &Document<'_>) -> Result<HashMap<String, NodeId>, XmlError> {
    let mut map = HashMap::new();
    for n in doc.descendants(doc.root()) {
        let Some(NodeKind::Element(e)) = doc.node_kind(n) else {
            continue;
        };
        for a in &e.attributes {
            if a.name.prefix.is_none() && ID_ATTRIBUTES.contains(&&*a.name.local_name) {
                let v = a.value.to_string();
                if map.insert(v.clone(), n).is_some() {
                    return Err(XmlError::DuplicateId { id: v });
                }
            }
        }
    }
    Ok(map)
}

impl<'a> Xml<'a> {
    /// The document's text (after a byte order mark, if any).
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The parsed tree.
    pub fn document(&self) -> &Document<'a> {
        &self.doc
    }

    /// The document element.
    pub fn root(&self) -> Result<NodeId, XmlError> {
        self.doc
            .document_element()
            .ok_or_else(|| XmlError::malformed("no document element"))
    }

    /// The element whose `id`, `Id` or `ID` is `id`.
    pub fn by_id(&self, id: &str) -> Option<NodeId> {
        self.ids.get(id).copied()
    }

    /// The ID of element `n` (`id`, `Id` or `ID`, the first present).
    pub fn id_of(&self, n: NodeId) -> Option<&str> {
        let e = self.doc.element(n)?;
        e.attributes
            .iter()
            .find(|a| a.name.prefix.is_none() && ID_ATTRIBUTES.contains(&&*a.name.local_name))
            .map(|a| &*a.value)
    }

    /// Whether element `n` is `{ns}local`.
    pub fn is(&self, n: NodeId, ns: &str, local: &str) -> bool {
        self.doc
            .element(n)
            .is_some_and(|e| e.name.matches(Some(ns), local))
    }

    /// The element children of `n`, in document order.
    pub fn child_elements(&self, n: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.doc
            .children_iter(n)
            .filter(|&c| self.doc.element(c).is_some())
    }

    /// The first element child of `n` named `{ns}local`.
    pub fn child(&self, n: NodeId, ns: &str, local: &str) -> Option<NodeId> {
        self.child_elements(n).find(|&c| self.is(c, ns, local))
    }

    /// The text content of `n` (text and CDATA of its descendants, concatenated).
    pub fn text_of(&self, n: NodeId) -> String {
        self.doc.text_content_deep(n)
    }

    /// An attribute of element `n` by unprefixed local name.
    pub fn attr(&self, n: NodeId, name: &str) -> Option<&str> {
        let e = self.doc.element(n)?;
        e.attributes
            .iter()
            .find(|a| a.name.prefix.is_none() && *a.name.local_name == *name)
            .map(|a| &*a.value)
    }

    /// The parent of `n`.
    pub fn parent(&self, n: NodeId) -> Option<NodeId> {
        self.doc.parent(n)
    }

    /// Whether `n` is `ancestor` or below it.
    pub fn is_within(&self, n: NodeId, ancestor: NodeId) -> bool {
        let mut cur = Some(n);
        // The depth is bounded by the parser's limit.
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = self.doc.parent(c);
        }
        false
    }

    /// The byte range of element `n` in [`Self::text`].
    pub fn range(&self, n: NodeId) -> Option<core::ops::Range<usize>> {
        self.doc.node_range(n)
    }

    /// The local name of element `n`.
    pub fn local_name(&self, n: NodeId) -> Option<&str> {
        self.doc.element(n).map(|e| &*e.name.local_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctype_is_refused_before_entities() {
        let laughs = br#"<?xml version="1.0"?>
<!-- a comment first -->
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<lolz>&lol2;</lolz>"#;
        assert!(matches!(
            parse(laughs, &Limits::DEFAULT),
            Err(XmlError::DtdRefused)
        ));
    }

    #[test]
    fn ids_of_three_spellings_and_duplicates() {
        let x = parse(
            br#"<a><b id="x"/><c Id="y"/><d ID="z"/></a>"#,
            &Limits::DEFAULT,
        )
        .expect("parses");
        assert!(x.by_id("x").is_some() && x.by_id("y").is_some() && x.by_id("z").is_some());
        let dup = parse(br#"<a><b id="x"/><c Id="x"/></a>"#, &Limits::DEFAULT);
        assert_eq!(dup.err(), Some(XmlError::DuplicateId { id: "x".into() }));
    }

    #[test]
    fn undeclared_prefix_and_control_characters_are_refused() {
        for doc in [
            &br#"<x xmlns:a="urn:a"><y xmlns:a=""><a:w/></y></x>"#[..],
            b"<a b='\0&#9;'/>",
            b"<a b=\"x\x01&lt;\"/>",
        ] {
            assert_eq!(
                parse(doc, &Limits::DEFAULT).err().map(|e| e.code()),
                Some("xml-malformed"),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
        assert!(parse(br#"<x xmlns="urn:a"><y xmlns=""/></x>"#, &Limits::DEFAULT).is_ok());
    }

    #[test]
    fn limits() {
        let l = Limits {
            max_bytes: 10,
            ..Limits::DEFAULT
        };
        assert_eq!(
            parse(b"<a>0123456789</a>", &l).err().map(|e| e.code()),
            Some("xml-too-large")
        );
        let l = Limits {
            max_depth: 3,
            ..Limits::DEFAULT
        };
        assert_eq!(
            parse(b"<a><a><a><a><a/></a></a></a></a>", &l)
                .err()
                .map(|e| e.code()),
            Some("xml-too-large")
        );
        let l = Limits {
            max_attributes: 2,
            ..Limits::DEFAULT
        };
        assert!(parse(br#"<a x="1" y="2"/>"#, &l).is_ok());
        assert_eq!(
            parse(br#"<a x="1" y="2" z="="/>"#, &l)
                .err()
                .map(|e| e.code()),
            Some("xml-too-large")
        );
        assert_eq!(
            parse(b"<a>\xff</a>", &Limits::DEFAULT)
                .err()
                .map(|e| e.code()),
            Some("xml-malformed")
        );
    }
}
