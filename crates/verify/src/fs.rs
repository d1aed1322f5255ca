//! Reading verification inputs from files and directories (feature `std`), every one
//! bounded: a file larger than its kind's limit is [`Error::TooLarge`] (reading stops
//! there), a directory with more than [`MAX_DIR_ENTRIES`] entries is an error rather
//! than a silent cut, and DER CRLs are streamed into their index, never whole in memory.
//!
//! | kind | limit |
//! |---|---|
//! | CMS SignedData | [`MAX_CMS`] (64 MiB) |
//! | certificate file (PEM bundle or DER) | [`MAX_CERT_FILE`] (16 MiB) |
//! | CRL | [`MAX_CRL`] (1 GiB) |
//! | raw signature | [`MAX_SIGNATURE`] (64 KiB) |
//! | signed content | not read whole: hashed as it streams |

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{CrlError, Error};
use crate::revocation::{Crl, CrlSet, ReadLimits};

/// Most entries of a directory.
pub const MAX_DIR_ENTRIES: usize = 10_000;
/// Largest CMS SignedData file.
pub const MAX_CMS: u64 = 64 << 20;
/// Largest certificate file.
pub const MAX_CERT_FILE: u64 = 16 << 20;
/// Largest CRL file.
pub const MAX_CRL: u64 = 1 << 30;
/// Largest raw signature file.
pub const MAX_SIGNATURE: u64 = 64 << 10;

fn io(path: &Path, e: &std::io::Error) -> Error {
    Error::Io {
        detail: std::format!("{}: {e}", path.display()),
    }
}

/// Reads a whole file of at most `limit` bytes; a larger one is [`Error::TooLarge`],
/// found without reading past the limit (so `/dev/zero` is refused too).
pub fn read_bounded(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, Error> {
    let f = std::fs::File::open(path).map_err(|e| io(path, &e))?;
    let mut buf = Vec::new();
    f.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| io(path, &e))?;
    if buf.len() as u64 > limit {
        return Err(Error::TooLarge { what, limit });
    }
    Ok(buf)
}

/// The regular files of a directory, sorted by name, not recursive; more than
/// [`MAX_DIR_ENTRIES`] entries is an error.
pub fn list_dir(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for (n, entry) in std::fs::read_dir(path)
        .map_err(|e| io(path, &e))?
        .enumerate()
    {
        if n >= MAX_DIR_ENTRIES {
            return Err(Error::TooLarge {
                what: "directory (entries)",
                limit: MAX_DIR_ENTRIES as u64,
            });
        }
        let p = entry.map_err(|e| io(path, &e))?.path();
        if p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

fn is_pem(data: &[u8]) -> bool {
    data.iter()
        .position(|b| !b.is_ascii_whitespace())
        .and_then(|i| data.get(i..))
        .is_some_and(|d| d.starts_with(b"-----BEGIN"))
}

/// DER certificates from PEM/DER files or directories. A file named directly must hold
/// certificates; in a directory, files of other kinds (a CRL next to the roots, a key,
/// a README) are skipped.
pub fn load_certificates(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            for f in list_dir(p)? {
                let data = read_bounded(&f, MAX_CERT_FILE, "certificate file")?;
                if let Ok(ders) = crate::x509::pem::certificates(&data) {
                    out.extend(
                        ders.into_iter()
                            .filter(|d| crate::x509::Cert::from_der(d).is_ok()),
                    );
                }
            }
        } else {
            let data = read_bounded(p, MAX_CERT_FILE, "certificate file")?;
            let ders = crate::x509::pem::certificates(&data).map_err(|e| in_file(p, e))?;
            if ders.is_empty() {
                return Err(Error::Malformed {
                    what: "certificate file",
                    detail: std::format!("{}: no certificate", p.display()),
                });
            }
            out.extend(ders);
        }
    }
    Ok(out)
}

fn in_file(p: &Path, e: Error) -> Error {
    match e {
        Error::Malformed { what, detail } => Error::Malformed {
            what,
            detail: std::format!("{}: {detail}", p.display()),
        },
        e => e,
    }
}

fn crl_in_file(p: &Path, e: CrlError) -> Error {
    match e {
        CrlError::Der { offset, what } => Error::Malformed {
            what: "CRL",
            detail: std::format!("{}: at byte {offset}: {what}", p.display()),
        },
        e => e.into(),
    }
}

/// A DER CRL file, streamed into its index (at most [`MAX_CRL`] bytes).
pub fn read_crl_file(p: &Path) -> Result<Crl, Error> {
    let f = std::fs::File::open(p).map_err(|e| io(p, &e))?;
    let len = f.metadata().map_err(|e| io(p, &e))?.len();
    if len > MAX_CRL {
        return Err(Error::TooLarge {
            what: "CRL",
            limit: MAX_CRL,
        });
    }
    Crl::from_reader(f.take(MAX_CRL), ReadLimits::default()).map_err(|e| crl_in_file(p, e))
}

/// Whether a DER file that does not parse as a CRL is something else a CRL directory
/// may hold (a certificate).
fn is_other_der(p: &Path) -> bool {
    read_bounded(p, MAX_CERT_FILE, "certificate file")
        .ok()
        .is_some_and(|d| crate::x509::Cert::from_der(&d).is_ok())
}

/// Adds the CRLs of PEM/DER files or directories to `set`; returns how many. A file
/// named directly must hold CRLs. In a directory, files of other kinds (certificates,
/// PEM blocks of other labels, files that are neither DER nor PEM) are skipped, but a
/// file that is a CRL and does not parse is an error: a broken CRL never goes unseen.
pub fn load_crls(paths: &[PathBuf], set: &mut CrlSet) -> Result<usize, Error> {
    let mut n = 0;
    for p in paths {
        if p.is_dir() {
            for f in list_dir(p)? {
                n += load_crl_file(&f, true, set)?;
            }
        } else {
            n += load_crl_file(p, false, set)?;
        }
    }
    Ok(n)
}

fn load_crl_file(p: &Path, in_dir: bool, set: &mut CrlSet) -> Result<usize, Error> {
    let mut lead = [0u8; 1];
    let mut f = std::fs::File::open(p).map_err(|e| io(p, &e))?;
    let got = f.read(&mut lead).map_err(|e| io(p, &e))?;
    drop(f);
    if got == 1 && lead == [0x30] {
        return match read_crl_file(p) {
            Ok(c) => {
                set.add(c);
                Ok(1)
            }
            Err(_) if in_dir && is_other_der(p) => Ok(0),
            Err(e) => Err(e),
        };
    }
    let data = read_bounded(p, MAX_CRL, "CRL")?;
    if !is_pem(&data) {
        if in_dir {
            return Ok(0);
        }
        return Err(Error::Malformed {
            what: "CRL",
            detail: std::format!("{}: neither DER nor PEM", p.display()),
        });
    }
    let ders = crate::x509::pem::crls(&data).map_err(|e| in_file(p, e))?;
    if ders.is_empty() && !in_dir {
        return Err(Error::Malformed {
            what: "CRL",
            detail: std::format!("{}: no X509 CRL in the PEM file", p.display()),
        });
    }
    for d in &ders {
        set.add(Crl::from_der(d).map_err(|e| crl_in_file(p, e))?);
    }
    Ok(ders.len())
}

/// Hashes a file as it streams (signed content of any size): the digest under `hash`
/// and the length.
pub fn hash_file(p: &Path, hash: crate::alg::HashAlg) -> Result<(Vec<u8>, u64), Error> {
    use sha2::Digest;
    let mut f = std::fs::File::open(p).map_err(|e| io(p, &e))?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    macro_rules! run {
        ($h:expr) => {{
            let mut h = $h;
            loop {
                let n = match f.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(io(p, &e)),
                };
                total += n as u64;
                h.update(buf.get(..n).unwrap_or(&[]));
            }
            h.finalize().to_vec()
        }};
    }
    let d = match hash {
        crate::alg::HashAlg::Sha256 => run!(sha2::Sha256::new()),
        crate::alg::HashAlg::Sha384 => run!(sha2::Sha384::new()),
        crate::alg::HashAlg::Sha512 => run!(sha2::Sha512::new()),
    };
    Ok((d, total))
}

/// Every certificate in PEM/DER files or directories, parsed.
pub fn load_parsed_certificates(paths: &[PathBuf]) -> Result<Vec<crate::Cert>, Error> {
    load_certificates(paths)?
        .iter()
        .map(|d| crate::Cert::from_der(d))
        .collect()
}

impl crate::trust::TrustStore {
    /// Adds, with [`crate::TrustStore::add_pinned`], every root in PEM/DER files or
    /// directories.
    pub fn load_pinned(&mut self, paths: &[PathBuf]) -> Result<usize, Error> {
        let certs = load_certificates(paths)?;
        for c in &certs {
            self.add_pinned(c)?;
        }
        Ok(certs.len())
    }

    /// Adds every certificate in PEM/DER files or directories as an anchor the operator
    /// names: [`crate::TrustStore::add_pinned`] when it matches a published J-LIS root
    /// fingerprint (so reports say so), else [`crate::TrustStore::add_explicit`].
    pub fn load_named(&mut self, paths: &[PathBuf]) -> Result<usize, Error> {
        let certs = load_certificates(paths)?;
        for c in &certs {
            if Self::pin_of(c).is_some() {
                self.add_pinned(c)?;
            } else {
                self.add_explicit(c)?;
            }
        }
        Ok(certs.len())
    }

    /// Adds, with [`crate::TrustStore::add_explicit`], every certificate in PEM/DER files
    /// or directories.
    pub fn load_explicit(&mut self, paths: &[PathBuf]) -> Result<usize, Error> {
        let certs = load_certificates(paths)?;
        for c in &certs {
            self.add_explicit(c)?;
        }
        Ok(certs.len())
    }
}
