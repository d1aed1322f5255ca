//! File and directory loading (feature `std`).

use std::path::Path;
use std::vec::Vec;

use crate::error::Error;
use crate::trust::TrustStore;

/// Upper bound on the files read from one directory.
const MAX_DIR_ENTRIES: usize = 10_000;

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        detail: std::format!("{}: {e}", path.display()),
    }
}

/// Reads a file, or every regular file of a directory (sorted by name, not recursive).
pub fn read_file_or_dir(path: &Path) -> Result<Vec<Vec<u8>>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    if !meta.is_dir() {
        return Ok(std::vec![std::fs::read(path).map_err(|e| io(path, e))?]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)
        .map_err(|e| io(path, e))?
        .take(MAX_DIR_ENTRIES)
    {
        let p = entry.map_err(|e| io(path, e))?.path();
        if p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).map_err(|e| io(p, e)))
        .collect()
}

/// DER certificates from a PEM/DER file or a directory of them.
pub fn load_certificates(path: &Path) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    for data in read_file_or_dir(path)? {
        out.extend(crate::pem::certificates(&data)?);
    }
    Ok(out)
}

/// DER CRLs from a PEM/DER file or a directory of them.
pub fn load_crls(path: &Path) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    for data in read_file_or_dir(path)? {
        out.extend(crate::pem::crls(&data)?);
    }
    Ok(out)
}

impl TrustStore {
    /// Adds, with [`TrustStore::add_pinned`], every root in a PEM/DER file or directory.
    pub fn load_pinned(&mut self, path: &Path) -> Result<usize, Error> {
        let certs = load_certificates(path)?;
        for c in &certs {
            self.add_pinned(c)?;
        }
        Ok(certs.len())
    }

    /// Adds, with [`TrustStore::add_explicit`], every certificate in a PEM/DER file or directory.
    pub fn load_explicit(&mut self, path: &Path) -> Result<usize, Error> {
        let certs = load_certificates(path)?;
        for c in &certs {
            self.add_explicit(c)?;
        }
        Ok(certs.len())
    }
}
