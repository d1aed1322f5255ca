//! A directory of persisted CRL indexes (see [`crate::crl_index`]), one file per CRL
//! issuer and distribution point (RFC 5280 §5.2.5), replaced atomically.
//!
//! File names are `<key>.crlidx`, where the key is the first 16 bytes, in hex, of
//! SHA-256(issuer Name DER ‖ 0x00 ‖ issuingDistributionPoint DER, if any). A write goes
//! to a temporary file in the same directory, is flushed to disk, and is renamed over the
//! old file, so readers see either the old or the new index, never a mix.
//!
//! Reopening reads the file with one `read` call into one buffer and checks the
//! checksum; no memory mapping (the crate forbids `unsafe`, and a read of a
//! 17 MB index from the page cache takes a few milliseconds).

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::Digest;

use crate::crl_index::{CrlIndex, CrlIndexError};

/// File extension of persisted indexes.
pub const INDEX_EXT: &str = "crlidx";
/// Largest index file read (bounded reads).
pub const MAX_INDEX_FILE: u64 = 4 << 30;
/// Most index files listed in one directory.
pub const MAX_STORE_FILES: usize = 1_000_000;

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> CrlIndexError {
    CrlIndexError::Io {
        detail: format!("{what} {}: {e}", path.display()),
    }
}

/// The store key for an issuer and an optional issuingDistributionPoint.
pub fn store_key(issuer_der: &[u8], idp_der: Option<&[u8]>) -> String {
    let mut h = sha2::Sha256::new();
    h.update(issuer_der);
    h.update([0u8]);
    if let Some(i) = idp_der {
        h.update(i);
    }
    let d = h.finalize();
    crate::cert::hex_string(d.get(..16).unwrap_or(&[]))
}

/// Reads a persisted index file: one read into one buffer, then header and checksum checks.
pub fn read_index(path: &Path) -> Result<CrlIndex, CrlIndexError> {
    let mut f = fs::File::open(path).map_err(|e| io_err("open", path, &e))?;
    let len = f.metadata().map_err(|e| io_err("stat", path, &e))?.len();
    if len > MAX_INDEX_FILE {
        return Err(CrlIndexError::TooLarge {
            what: "index file",
            limit: MAX_INDEX_FILE,
        });
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    Read::take(&mut f, MAX_INDEX_FILE)
        .read_to_end(&mut buf)
        .map_err(|e| io_err("read", path, &e))?;
    CrlIndex::from_bytes(buf)
}

/// Writes `bytes` to `path` atomically: temporary file in the same directory, fsync,
/// rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CrlIndexError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp).map_err(|e| io_err("create", &tmp, &e))?;
        f.write_all(bytes).map_err(|e| io_err("write", &tmp, &e))?;
        f.sync_all().map_err(|e| io_err("sync", &tmp, &e))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| io_err("rename", path, &e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    } else if let Ok(d) = fs::File::open(dir) {
        // Make the rename durable where directories can be synced.
        let _ = d.sync_all();
    }
    result
}

/// A directory holding one persisted index per CRL issuer and distribution point.
#[derive(Clone, Debug)]
pub struct CrlStore {
    dir: PathBuf,
}

impl CrlStore {
    /// Opens (creating if needed) the store directory.
    pub fn open(dir: &Path) -> Result<Self, CrlIndexError> {
        fs::create_dir_all(dir).map_err(|e| io_err("create directory", dir, &e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of the index for `key`.
    pub fn path_for(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.{INDEX_EXT}"))
    }

    /// The key an index is stored under.
    pub fn key_of(index: &CrlIndex) -> String {
        store_key(&index.info().issuer_der, index.info().idp_der.as_deref())
    }

    /// Stores `index` atomically, replacing any index for the same issuer and
    /// distribution point; returns the key.
    pub fn put(&self, index: &CrlIndex) -> Result<String, CrlIndexError> {
        let key = Self::key_of(index);
        write_atomic(&self.path_for(&key), index.as_bytes())?;
        Ok(key)
    }

    /// Loads the index stored under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<CrlIndex>, CrlIndexError> {
        let p = self.path_for(key);
        if !p.exists() {
            return Ok(None);
        }
        read_index(&p).map(Some)
    }

    /// The keys of every stored index, sorted.
    pub fn keys(&self) -> Result<Vec<String>, CrlIndexError> {
        let rd = fs::read_dir(&self.dir).map_err(|e| io_err("list", &self.dir, &e))?;
        let mut keys = Vec::new();
        for entry in rd.take(MAX_STORE_FILES.saturating_mul(4)) {
            let entry = entry.map_err(|e| io_err("list", &self.dir, &e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if let Some(k) = name.strip_suffix(&format!(".{INDEX_EXT}"))
                && !k.starts_with('.')
            {
                if keys.len() >= MAX_STORE_FILES {
                    return Err(CrlIndexError::TooLarge {
                        what: "indexes in the store",
                        limit: MAX_STORE_FILES as u64,
                    });
                }
                keys.push(k.to_owned());
            }
        }
        keys.sort();
        Ok(keys)
    }
}
