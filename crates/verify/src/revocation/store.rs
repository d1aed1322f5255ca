//! A directory of persisted CRL indexes (see [`super::crl::layout`]): for every scope —
//! CRL issuer and issuingDistributionPoint (RFC 5280 §5.2.5) — the newest complete CRL
//! and the newest delta CRL, each replaced atomically and never by an older one.
//!
//! File names are `<key>.crlidx` (complete) and `<key>.delta.crlidx`, where the key is
//! the first 16 bytes, in hex, of SHA-256(issuer Name DER ‖ 0x00 ‖ issuingDistributionPoint
//! DER, if any). A write goes to a temporary file in the same directory, is flushed to
//! disk and renamed over the old file, so readers see either the old or the new index.
//! [`CrlStore::put`] refuses a CRL with a lower cRLNumber (or, without numbers, an
//! earlier thisUpdate) than the one kept for its scope, whoever writes it
//! ([`CrlError::Older`]).
//!
//! The store is a [`RevocationSource`]: opening it reads only the metadata of each
//! index; an index is read whole (one `read`, then the checksum) the first time a
//! question needs it. Its signature is checked against the CRL issuer's key on use, as
//! for any CRL.

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use x509_cert::name::Name;

use super::RevocationSource;
use super::crl::{Crl, CrlInfo};
use crate::error::{CrlError, Error};
use crate::x509::name_eq;

/// File extension of persisted indexes.
pub const INDEX_EXT: &str = "crlidx";
/// Largest index file read (bounded reads).
pub const MAX_INDEX_FILE: u64 = 4 << 30;
/// Most index files in one store.
pub const MAX_STORE_FILES: usize = 100_000;
/// Most bytes read to learn an index's metadata.
const MAX_META_PREFIX: u64 = 64 << 20;

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> CrlError {
    CrlError::Io {
        detail: format!("{what} {}: {e}", path.display()),
    }
}

/// The store key for an issuer, an optional issuingDistributionPoint and the CRL's
/// authorityKeyIdentifier (RFC 5280 §5.2.1). The key identifier is part of it because
/// CAs of one name with different keys publish CRLs side by side — every J-LIS root
/// generation has the same name, and each one's CRL covers the certificates it issued —
/// so one must not replace the other. Without an authorityKeyIdentifier the key is that
/// of the issuer and scope alone.
pub fn store_key(issuer_der: &[u8], idp_der: Option<&[u8]>, aki: Option<&[u8]>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(issuer_der);
    h.update([0u8]);
    if let Some(i) = idp_der {
        h.update(i);
    }
    if let Some(k) = aki {
        h.update([0u8, b'k']);
        h.update(k);
    }
    let d = h.finalize();
    crate::x509::hex_string(d.get(..16).unwrap_or(&[]))
}

/// Reads a persisted index file: one read into one buffer, then header and checksum checks.
pub fn read_index(path: &Path) -> Result<Crl, CrlError> {
    let mut f = fs::File::open(path).map_err(|e| io_err("open", path, &e))?;
    let len = f.metadata().map_err(|e| io_err("stat", path, &e))?.len();
    if len > MAX_INDEX_FILE {
        return Err(CrlError::TooLarge {
            what: "index file",
            limit: MAX_INDEX_FILE,
        });
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    Read::take(&mut f, MAX_INDEX_FILE)
        .read_to_end(&mut buf)
        .map_err(|e| io_err("read", path, &e))?;
    Crl::from_bytes(buf)
}

/// The metadata of a persisted index, reading only the bytes before the entries.
fn read_info(path: &Path) -> Result<CrlInfo, CrlError> {
    let mut f = fs::File::open(path).map_err(|e| io_err("open", path, &e))?;
    let mut head = vec![0u8; 4096];
    let n = read_full(&mut f, &mut head).map_err(|e| io_err("read", path, &e))?;
    head.truncate(n);
    match Crl::info_from_prefix(&head) {
        Ok((info, _)) => Ok(info),
        Err(CrlError::IndexCorrupt {
            what: "truncated metadata",
            ..
        }) => {
            let mut rest = Vec::new();
            Read::take(&mut f, MAX_META_PREFIX)
                .read_to_end(&mut rest)
                .map_err(|e| io_err("read", path, &e))?;
            head.extend_from_slice(&rest);
            Crl::info_from_prefix(&head).map(|(i, _)| i)
        }
        Err(e) => Err(e),
    }
}

fn read_full(f: &mut fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    // Bounded: each read advances `n`, a zero read ends.
    while let Some(rest) = buf.get_mut(n..).filter(|r| !r.is_empty()) {
        match f.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Writes `bytes` to `path` atomically: temporary file in the same directory, fsync,
/// rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CrlError> {
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

/// One index of the store, as the catalog knows it.
#[derive(Clone, Debug)]
pub struct Stored {
    /// Its key (the file name without extension).
    pub key: String,
    /// Its CRL fields.
    pub info: CrlInfo,
}

/// A directory holding, per CRL issuer and distribution point, the newest complete
/// CRL and the newest delta CRL.
#[derive(Debug)]
pub struct CrlStore {
    dir: PathBuf,
    catalog: Vec<Stored>,
    loaded: Mutex<HashMap<String, Arc<Crl>>>,
}

impl CrlStore {
    /// Opens (creating if needed) the store directory and reads the metadata of every
    /// index in it.
    pub fn open(dir: &Path) -> Result<Self, CrlError> {
        fs::create_dir_all(dir).map_err(|e| io_err("create directory", dir, &e))?;
        let mut s = Self {
            dir: dir.to_path_buf(),
            catalog: Vec::new(),
            loaded: Mutex::new(HashMap::new()),
        };
        s.reload()?;
        Ok(s)
    }

    /// Opens an existing store without creating it: `io` when the directory is missing.
    pub fn open_existing(dir: &Path) -> Result<Self, CrlError> {
        if !dir.is_dir() {
            return Err(CrlError::Io {
                detail: format!("no CRL store directory {}", dir.display()),
            });
        }
        Self::open(dir)
    }

    /// Reads the catalog again (after another process wrote to the store).
    pub fn reload(&mut self) -> Result<(), CrlError> {
        let mut catalog = Vec::new();
        for key in self.keys()? {
            catalog.push(Stored {
                info: read_info(&self.path_for(&key))?,
                key,
            });
        }
        self.catalog = catalog;
        if let Ok(mut l) = self.loaded.lock() {
            l.clear();
        }
        Ok(())
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the store holds.
    pub fn catalog(&self) -> &[Stored] {
        &self.catalog
    }

    /// The path of the index for `key`.
    pub fn path_for(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.{INDEX_EXT}"))
    }

    /// The key an index is stored under.
    pub fn key_of(info: &CrlInfo) -> String {
        let scope = store_key(
            &info.issuer_der,
            info.idp_der.as_deref(),
            info.aki.as_deref(),
        );
        if info.is_delta() {
            format!("{scope}.delta")
        } else {
            scope
        }
    }

    /// Stores `crl` atomically, replacing the index kept for the same issuer, scope and
    /// kind (complete or delta) — unless that one is newer: then [`CrlError::Older`].
    /// Storing a complete CRL removes a delta it makes obsolete (a delta number not
    /// above the new CRL's). Returns the key.
    pub fn put(&mut self, crl: &Crl) -> Result<String, CrlError> {
        let key = Self::key_of(crl.info());
        if let Some(old) = self.catalog.iter().find(|s| s.key == key) {
            let old_ref = old.info.crl_ref();
            if old.info.crl_sha256 == crl.info().crl_sha256 {
                return Ok(key);
            }
            if is_older(crl.info(), &old.info) {
                return Err(CrlError::Older {
                    offered: Box::new(crl.info().crl_ref()),
                    in_use: Box::new(old_ref),
                });
            }
        }
        write_atomic(&self.path_for(&key), crl.as_bytes())?;
        self.catalog.retain(|s| s.key != key);
        self.catalog.push(Stored {
            key: key.clone(),
            info: crl.info().clone(),
        });
        if let Ok(mut l) = self.loaded.lock() {
            l.insert(key.clone(), Arc::new(crl.clone()));
        }
        if !crl.is_delta() {
            let delta_key = format!("{key}.delta");
            let obsolete = self.catalog.iter().any(|s| {
                s.key == delta_key
                    && match (s.info.number.as_deref(), crl.info().number.as_deref()) {
                        (Some(d), Some(c)) => {
                            super::crl::uint_cmp(d, c) != core::cmp::Ordering::Greater
                        }
                        _ => false,
                    }
            });
            if obsolete {
                let p = self.path_for(&delta_key);
                fs::remove_file(&p).map_err(|e| io_err("remove", &p, &e))?;
                self.catalog.retain(|s| s.key != delta_key);
            }
        }
        Ok(key)
    }

    /// Loads the index stored under `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<Arc<Crl>>, CrlError> {
        if let Some(c) = self.loaded.lock().ok().and_then(|l| l.get(key).cloned()) {
            return Ok(Some(c));
        }
        let p = self.path_for(key);
        if !p.exists() {
            return Ok(None);
        }
        let crl = Arc::new(read_index(&p)?);
        if let Ok(mut l) = self.loaded.lock() {
            l.insert(key.to_owned(), Arc::clone(&crl));
        }
        Ok(Some(crl))
    }

    /// The keys of every stored index, sorted.
    pub fn keys(&self) -> Result<Vec<String>, CrlError> {
        let rd = fs::read_dir(&self.dir).map_err(|e| io_err("list", &self.dir, &e))?;
        let mut keys = Vec::new();
        let suffix = format!(".{INDEX_EXT}");
        for entry in rd {
            let entry = entry.map_err(|e| io_err("list", &self.dir, &e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if let Some(k) = name.strip_suffix(&suffix)
                && !k.starts_with('.')
            {
                if keys.len() >= MAX_STORE_FILES {
                    return Err(CrlError::TooLarge {
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

    /// Every stored index, loaded.
    pub fn all(&self) -> Result<Vec<Arc<Crl>>, CrlError> {
        let mut out = Vec::with_capacity(self.catalog.len());
        for s in &self.catalog {
            if let Some(c) = self.get(&s.key)? {
                out.push(c);
            }
        }
        Ok(out)
    }
}

/// `a` is older than `b` (same scope and kind): a lower cRLNumber, or with equal or no
/// numbers an earlier thisUpdate (RFC 5280 §5.2.3).
pub fn is_older(a: &CrlInfo, b: &CrlInfo) -> bool {
    use core::cmp::Ordering;
    match (a.number.as_deref(), b.number.as_deref()) {
        (Some(x), Some(y)) => match super::crl::uint_cmp(x, y) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => a.this_update < b.this_update,
        },
        _ => a.this_update < b.this_update,
    }
}

impl RevocationSource for CrlStore {
    fn crls(&self, issuer: &Name) -> Result<Vec<Arc<Crl>>, Error> {
        let mut out = Vec::new();
        for s in &self.catalog {
            if s.info.issuer().is_some_and(|n| name_eq(&n, issuer))
                && let Some(c) = self.get(&s.key)?
            {
                out.push(c);
            }
        }
        Ok(out)
    }
}
