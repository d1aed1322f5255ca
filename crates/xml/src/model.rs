//! What a read `Signature` element is: its references and where they point. Shared by
//! [`crate::dsig`] (reading, dereferencing) and [`crate::profile`] (judging).

use uppsala::NodeId;

use crate::alg::{C14nMethod, DigestAlg, SignatureAlg, Transform};

/// A `Reference` (XMLDSig §4.3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceInfo {
    /// The URI attribute as written (`None`: absent).
    pub uri: Option<String>,
    /// The transforms, in order.
    pub transforms: Vec<Transform>,
    /// DigestMethod.
    pub digest: DigestAlg,
    /// DigestValue.
    pub digest_value: Vec<u8>,
}

/// A `Signature` element read.
#[derive(Clone, Debug)]
pub struct SignatureInfo {
    /// The element.
    pub node: NodeId,
    /// Its `Id`.
    pub id: Option<String>,
    /// SignedInfo.
    pub signed_info: NodeId,
    /// CanonicalizationMethod (§4.3.1) and, for exclusive, its PrefixList.
    pub c14n: (C14nMethod, Vec<String>),
    /// SignatureMethod (§4.3.2).
    pub method: SignatureAlg,
    /// The references, in order.
    pub references: Vec<ReferenceInfo>,
    /// SignatureValue (§4.2), decoded.
    pub value: Vec<u8>,
    /// The DER certificates of KeyInfo/X509Data/X509Certificate (§4.4.4), in order.
    pub certificates: Vec<Vec<u8>>,
}

/// Where a reference points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `URI=""`: the document (without comments).
    Document,
    /// `URI="#id"`: an element.
    Element(NodeId),
    /// A file, by name, and its bytes.
    File(String, Vec<u8>),
}
