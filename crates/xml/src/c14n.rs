//! Canonical XML 1.0 (W3C REC-xml-c14n-20010315) and Exclusive XML Canonicalization 1.0
//! (W3C REC-xml-exc-c14n-20020718) of a whole document or of a document subset: an
//! element's subtree, optionally without one descendant subtree (the enveloped
//! signature, XMLDSig §6.6.4). The canonicaliser is `bergshamra-c14n`; this module
//! decides the node-sets.
//!
//! For a subset, inclusive C14N 1.0 §2.4 carries the namespace declarations in scope at
//! the subset's apex (those of its ancestors included) and the `xml:` attributes of its
//! ancestors onto the apex; exclusive C14N §3 emits only the namespaces the subset
//! visibly uses (plus the InclusiveNamespaces PrefixList).

use bergshamra_c14n::C14nSink;
use bergshamra_xml::NodeSet;
use uppsala::NodeId;

use crate::alg::C14nMethod;
use crate::error::XmlError;
use crate::reader::Xml;

/// What to canonicalise: the subtree of `apex` (`None`: the whole document, C14N 1.0
/// §2.1: the root node and all its descendants) without the subtree of `cut`, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subset {
    /// The element whose subtree is canonicalised; `None` for the document.
    pub apex: Option<NodeId>,
    /// A descendant subtree left out (the enveloped signature).
    pub cut: Option<NodeId>,
}

impl Subset {
    /// The whole document.
    pub const DOCUMENT: Subset = Subset {
        apex: None,
        cut: None,
    };

    /// The subtree of element `n`.
    pub fn element(n: NodeId) -> Self {
        Subset {
            apex: Some(n),
            cut: None,
        }
    }
}

/// Canonicalises `subset` of `xml` with `method` into `out`. Comments are kept only when
/// `method` keeps them *and* `keep_comments` (a same-document reference by ID selects
/// its node-set without comments, XMLDSig §4.3.3.3).
pub fn canonicalize_to<W: C14nSink>(
    xml: &Xml<'_>,
    subset: Subset,
    method: C14nMethod,
    keep_comments: bool,
    prefixes: &[String],
    out: &mut W,
) -> Result<(), XmlError> {
    let doc = &xml.doc;
    let tree = |n: NodeId| {
        if keep_comments {
            NodeSet::tree_with_comments(n, doc)
        } else {
            NodeSet::tree_without_comments(n, doc)
        }
    };
    let set = tree(subset.apex.unwrap_or_else(|| doc.root()));
    let set = match subset.cut {
        Some(cut) => set.subtract(&NodeSet::tree_with_comments(cut, doc)),
        None => set,
    };
    bergshamra_c14n::canonicalize_doc_to(doc, method.mode(), Some(&set), prefixes, out)
        .map_err(|e| XmlError::malformed(format!("canonicalisation: {e}")))
}

/// [`canonicalize_to`] into a new vector.
pub fn canonicalize(
    xml: &Xml<'_>,
    subset: Subset,
    method: C14nMethod,
    keep_comments: bool,
    prefixes: &[String],
) -> Result<Vec<u8>, XmlError> {
    let mut out = Vec::new();
    canonicalize_to(xml, subset, method, keep_comments, prefixes, &mut out)?;
    Ok(out)
}
