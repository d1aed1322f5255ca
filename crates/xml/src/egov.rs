//! e-Gov application packages: a ZIP archive (PKWARE APPNOTE 6.3.x) holding
//! `kousei.xml` (構成管理ファイル), whose signature references `#構成情報` and every
//! attached file by name, and the attached files. Read in memory with bounds: at most
//! [`MAX_ENTRIES`] entries, each and all together at most [`MAX_TOTAL`] bytes
//! uncompressed (a ZIP bomb stops at the bound), names without `..` or a leading `/`.

use std::io::Read;

use crate::dsig::Attachments;
use crate::error::XmlError;

/// Most entries in one package.
pub const MAX_ENTRIES: usize = 10_000;
/// Most bytes, uncompressed, of all entries together.
pub const MAX_TOTAL: u64 = 256 << 20;

/// The files of an application package, by name relative to `kousei.xml`'s folder.
#[derive(Clone, Debug, Default)]
pub struct Package {
    /// `kousei.xml`.
    pub kousei: Vec<u8>,
    /// Every other file, `(name, bytes)`, names relative to `kousei.xml`'s folder.
    pub files: Vec<(String, Vec<u8>)>,
}

fn zip_err(e: impl std::fmt::Display) -> XmlError {
    XmlError::malformed(format!("ZIP: {e}"))
}

impl Package {
    /// Reads a package from the bytes of a ZIP archive: `kousei.xml` at the top or in
    /// one folder, the files beside it.
    pub fn from_zip(bytes: &[u8]) -> Result<Self, XmlError> {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_err)?;
        if z.len() > MAX_ENTRIES {
            return Err(XmlError::TooLarge {
                limit: "attachment",
                max: MAX_ENTRIES,
            });
        }
        let mut entries = Vec::new();
        let mut total = 0u64;
        for i in 0..z.len() {
            let mut f = z.by_index(i).map_err(zip_err)?;
            if f.is_dir() {
                continue;
            }
            let name = f.name().map_err(zip_err)?.replace('\\', "/");
            if name.starts_with('/') || name.split('/').any(|c| c == "..") {
                return Err(XmlError::malformed(format!(
                    "ZIP entry name {name:?} climbs out"
                )));
            }
            let mut buf = Vec::new();
            let left = MAX_TOTAL - total;
            (&mut f)
                .take(left + 1)
                .read_to_end(&mut buf)
                .map_err(zip_err)?;
            total += buf.len() as u64;
            if total > MAX_TOTAL {
                return Err(XmlError::TooLarge {
                    limit: "attachment",
                    max: MAX_TOTAL as usize,
                });
            }
            entries.push((name, buf));
        }
        let kousei_name = entries
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| n.rsplit('/').next() == Some(inkan_profile::xmldsig::EGOV_KOUSEI))
            .min_by_key(|n| n.matches('/').count())
            .ok_or_else(|| XmlError::malformed("the ZIP holds no kousei.xml"))?;
        let folder = kousei_name
            .strip_suffix(inkan_profile::xmldsig::EGOV_KOUSEI)
            .unwrap_or_default()
            .to_owned();
        let mut p = Package::default();
        for (n, b) in entries {
            if n == kousei_name {
                p.kousei = b;
            } else if let Some(rel) = n.strip_prefix(&folder) {
                p.files.push((rel.to_owned(), b));
            }
        }
        Ok(p)
    }
}

impl Attachments for Package {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, XmlError> {
        Attachments::get(&self.files, name)
    }
}
