//! The holder's life: events that change a software card and what its PKI publishes.
//!
//! What the card guide describes, played out on a card directory (FACTS §8):
//!
//! | event | the card | the CRLs |
//! |---|---|---|
//! | [`Event::PersonalInfoChanged`] | basic 4 info changed; no signature certificate until [`Event::ReissueSign`] | the signature certificate revoked, `affiliationChanged`; the user-authentication certificate untouched |
//! | [`Event::ReissueSign`] | a new signature key and certificate (the current basic 4 info in its subjectAltName) | — |
//! | [`Event::Lost`] | — | both certificates `certificateHold` |
//! | [`Event::Found`] | — | both released: `removeFromCRL` in the delta, gone from the full CRL |
//! | [`Event::RenewStay`] | card expiry (surface data, 照合番号B) moved | — |
//! | [`Event::Expire`] | the card is void (every later event refused) | both certificates revoked, `cessationOfOperation` (the resident record ends) |
//! | [`Event::Publish`] | — | nothing changes; new CRLs (what the CA does daily) |
//!
//! Every event writes, per hierarchy, a complete CRL (`pki/sign.crl`, `pki/auth.crl`) and
//! a delta CRL (`pki/sign-delta.crl`, `pki/auth-delta.crl`) against the previous complete
//! CRL. Issued together, both carry the same cRLNumber and the same information, as RFC
//! 5280 §5.2.3 requires ("MUST have the same CRL number and provide the same revocation
//! information"); the delta's BaseCRLNumber (§5.2.4) is the number of the complete CRL
//! before. thisUpdate is the event's time, nextUpdate 30 days later.
//!
//! The PKI's side — which roots issued the card's certificates, the entries on its CRLs,
//! their numbers — is kept in `pki/ledger.json` ([`Ledger`]); the root keys are derived
//! again from the card's seed, never stored.

use std::fs;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::card::{CardState, Persist, SimError, SoftCard};
use crate::dir::{self, PKI_DIR, SIGN_CERT_FILE, SIGN_KEY_FILE, Store, pin_b};
use crate::pki::{
    self, CrlOptions, CrlScope, DateTime, Hierarchy, KeyAlg, Reason, RevokedEntry, RootCa, Validity,
};

/// The PKI's record of a card, `pki/ledger.json`.
pub const LEDGER_FILE: &str = "ledger.json";
/// The signature CA's complete CRL.
pub const SIGN_CRL_FILE: &str = "sign.crl";
/// The user-authentication CA's complete CRL.
pub const AUTH_CRL_FILE: &str = "auth.crl";
/// The signature CA's delta CRL.
pub const SIGN_DELTA_FILE: &str = "sign-delta.crl";
/// The user-authentication CA's delta CRL.
pub const AUTH_DELTA_FILE: &str = "auth-delta.crl";
/// Current format of [`Ledger`].
pub const LEDGER_FORMAT: u32 = 1;
/// How long a CRL is current: nextUpdate − thisUpdate.
pub const CRL_PERIOD: Duration = Duration::from_secs(30 * 24 * 3600);
/// At most this many events are recorded (a bound on the ledger's size).
pub const MAX_EVENTS: usize = 10_000;

/// Which root issued a certificate (re-created from the seed with these values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootRef {
    /// Generation, 1-based.
    pub generation: u32,
    /// notBefore, Unix seconds.
    pub not_before: u64,
    /// notAfter, Unix seconds.
    pub not_after: u64,
}

/// A certificate on the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertRef {
    /// Serial number, lowercase hex.
    pub serial: String,
    /// notAfter, Unix seconds.
    pub not_after: u64,
}

/// One CRL entry (RFC 5280 §5.1.2.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Serial number, lowercase hex.
    pub serial: String,
    /// revocationDate, Unix seconds.
    pub revoked_at: u64,
    /// The reasonCode's name (RFC 5280 §5.3.1), e.g. `affiliationChanged`.
    pub reason: String,
}

/// One hierarchy's side: the card's certificate, the CRL entries, the last cRLNumber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    /// The issuing root.
    pub root: RootRef,
    /// The card's current certificate of this hierarchy, if it has one.
    pub cert: Option<CertRef>,
    /// The entries of the current complete CRL.
    pub entries: Vec<Entry>,
    /// cRLNumber of the current complete CRL.
    pub crl_number: u64,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logged {
    /// The event's kind ([`Event::kind`]).
    pub kind: String,
    /// When, Unix seconds.
    pub at: u64,
}

/// The PKI's record of one card (`pki/ledger.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// [`LEDGER_FORMAT`].
    pub format: u32,
    /// The card's seed (root keys, card keys and serials derive from it).
    pub seed: u64,
    /// The roots' key algorithm ([`KeyAlg::name`]).
    pub algorithm: String,
    /// Prefecture of the CRL distribution point.
    pub prefecture: String,
    /// City of the CRL distribution point.
    pub city: String,
    /// The signature hierarchy.
    pub sign: Side,
    /// The user-authentication hierarchy.
    pub auth: Side,
    /// Signature certificates issued so far (1 after `sim init` with one).
    pub sign_issued: u32,
    /// Reported lost and not found again.
    pub lost: bool,
    /// The period of stay ended without renewal: the card is void.
    pub expired: bool,
    /// The time of the last event (or the issuance), Unix seconds: events go forward.
    pub last_at: u64,
    /// What happened, oldest first.
    pub events: Vec<Logged>,
}

/// Changes to the basic 4 info; `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InfoChange {
    /// New name.
    pub name: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New birth date, `YYYYMMDD`.
    pub birth_date: Option<String>,
    /// New sex: `1`, `2` or `9`.
    pub sex: Option<String>,
}

/// An event in the holder's life (see the module's table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Name, address, birth date or sex changed.
    PersonalInfoChanged(InfoChange),
    /// A new signature key and certificate.
    ReissueSign,
    /// The card was reported lost.
    Lost,
    /// The lost card was found.
    Found,
    /// The period of stay was renewed until this date, `YYYYMMDD`.
    RenewStay {
        /// The new card expiry.
        until: String,
    },
    /// The period of stay ended without renewal.
    Expire,
    /// No change; new CRLs.
    Publish,
}

impl Event {
    /// The CLI's name of the event.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::PersonalInfoChanged(_) => "personal-info-changed",
            Event::ReissueSign => "reissue-sign",
            Event::Lost => "lost",
            Event::Found => "found",
            Event::RenewStay { .. } => "renew-stay",
            Event::Expire => "expire",
            Event::Publish => "publish",
        }
    }
}

/// Why an event cannot happen to the card as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// A stable code: `card-lost`, `card-not-lost`, `card-expired`,
    /// `sign-cert-present`, `nothing-changed`, `event-in-the-past`, `stay-not-later`.
    pub code: &'static str,
    /// What to do instead.
    pub message: String,
}

/// A certificate an event put on, or took off, a CRL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrlChange {
    /// `sign` or `auth`.
    pub certificate: &'static str,
    /// Serial, lowercase hex.
    pub serial: String,
    /// The reason written (`removeFromCRL` for a release).
    pub reason: String,
}

/// A CRL an event wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrlWritten {
    /// File name under `pki/`.
    pub file: String,
    /// cRLNumber.
    pub number: u64,
    /// BaseCRLNumber of a delta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<u64>,
    /// Number of entries.
    pub entries: usize,
}

/// What an event changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// [`Event::kind`].
    pub event: &'static str,
    /// The event's time, RFC 3339.
    pub at: String,
    /// Fields of the basic 4 info or the card surface that changed: `name`, `address`,
    /// `birth_date`, `sex`, `card_expiry`.
    pub card_fields: Vec<&'static str>,
    /// The new signature certificate's serial (`reissue-sign`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_sign_cert: Option<String>,
    /// Whether the card now holds a signature certificate.
    pub has_sign_cert: bool,
    /// Put on the CRLs.
    pub revoked: Vec<CrlChange>,
    /// Taken off the CRLs (`removeFromCRL` in the delta).
    pub released: Vec<CrlChange>,
    /// The CRLs written.
    pub crls: Vec<CrlWritten>,
    /// Reported lost.
    pub lost: bool,
    /// Void (period of stay ended).
    pub expired: bool,
    /// The card's expiry, `YYYYMMDD`.
    pub card_expiry: String,
}

/// The error of [`apply`]: the card cannot take the event, or its files failed.
#[derive(Debug)]
pub enum EventError {
    /// The event does not apply to the card as it is.
    Refused(Refused),
    /// The card directory.
    Sim(SimError),
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::Refused(r) => f.write_str(&r.message),
            EventError::Sim(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EventError {}

impl From<SimError> for EventError {
    fn from(e: SimError) -> Self {
        EventError::Sim(e)
    }
}

impl From<pki::PkiError> for EventError {
    fn from(e: pki::PkiError) -> Self {
        EventError::Sim(SimError::Pki(e))
    }
}

fn refuse(code: &'static str, message: impl Into<String>) -> EventError {
    EventError::Refused(Refused {
        code,
        message: message.into(),
    })
}

fn secs(t: &DateTime) -> u64 {
    t.unix_duration().as_secs()
}

fn time(s: u64) -> Result<DateTime, SimError> {
    DateTime::from_unix_duration(Duration::from_secs(s)).map_err(|e| SimError::InvalidOption {
        field: "at",
        reason: e.to_string(),
    })
}

fn rfc3339(t: &DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    )
}

fn root_ref(root: &RootCa) -> RootRef {
    let v = root.validity();
    RootRef {
        generation: root.generation(),
        not_before: secs(&v.not_before),
        not_after: secs(&v.not_after),
    }
}

impl Ledger {
    /// The ledger `sim init` writes for a new card: `opts` is (seed, root algorithm,
    /// prefecture, city).
    pub(crate) fn new(
        opts: (u64, KeyAlg, &str, &str),
        sign_root: &RootCa,
        auth_root: &RootCa,
        sign_cert: Option<CertRef>,
        auth_cert: CertRef,
        sign_entries: Vec<Entry>,
        issued: &DateTime,
    ) -> Ledger {
        Ledger {
            format: LEDGER_FORMAT,
            seed: opts.0,
            algorithm: opts.1.name().to_owned(),
            prefecture: opts.2.to_owned(),
            city: opts.3.to_owned(),
            sign_issued: u32::from(sign_cert.is_some()),
            sign: Side {
                root: root_ref(sign_root),
                cert: sign_cert,
                entries: sign_entries,
                crl_number: 1,
            },
            auth: Side {
                root: root_ref(auth_root),
                cert: Some(auth_cert),
                entries: Vec::new(),
                crl_number: 1,
            },
            lost: false,
            expired: false,
            last_at: secs(issued),
            events: Vec::new(),
        }
    }

    /// Reads `DIR/pki/ledger.json`.
    pub fn load(dir: &Path) -> Result<Ledger, SimError> {
        let path = dir.join(PKI_DIR).join(LEDGER_FILE);
        let bytes = dir::read_file(&path)?;
        let l: Ledger = serde_json::from_slice(&bytes).map_err(|e| SimError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if l.format != LEDGER_FORMAT {
            return Err(SimError::Corrupt {
                path,
                reason: format!("unsupported format {}", l.format),
            });
        }
        Ok(l)
    }

    pub(crate) fn save(&self, dir: &Path) -> Result<(), SimError> {
        let path = dir.join(PKI_DIR).join(LEDGER_FILE);
        let json = serde_json::to_vec_pretty(self).map_err(|e| SimError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        dir::write_atomic(&path, &json)
    }

    fn alg(&self) -> Result<KeyAlg, SimError> {
        KeyAlg::from_name(&self.algorithm).ok_or_else(|| SimError::InvalidOption {
            field: "algorithm",
            reason: format!("unknown key algorithm {}", self.algorithm),
        })
    }

    fn root(&self, hierarchy: Hierarchy) -> Result<RootCa, SimError> {
        let r = match hierarchy {
            Hierarchy::Signature => &self.sign.root,
            Hierarchy::Authentication => &self.auth.root,
        };
        let validity = Validity::new(time(r.not_before)?, time(r.not_after)?)?;
        Ok(RootCa::generate(
            self.seed,
            hierarchy,
            r.generation,
            validity,
            self.alg()?,
        )?)
    }
}

fn entry(serial: &str, at: u64, reason: Reason) -> Entry {
    Entry {
        serial: serial.to_owned(),
        revoked_at: at,
        reason: reason.name().to_owned(),
    }
}

fn revoked_entry(e: &Entry) -> Result<RevokedEntry, SimError> {
    let corrupt = |reason: String| SimError::InvalidOption {
        field: "ledger",
        reason,
    };
    Ok(RevokedEntry {
        serial: hex::decode(&e.serial).map_err(|x| corrupt(format!("serial: {x}")))?,
        revoked_at: time(e.revoked_at)?,
        reason: Some(
            Reason::from_name(&e.reason)
                .ok_or_else(|| corrupt(format!("unknown reason {}", e.reason)))?,
        ),
    })
}

/// The delta between two complete CRLs' entries (RFC 5280 §5.2.4): entries new or
/// changed since `old`, and `removeFromCRL` (§5.3.1) for those gone (holds released).
fn delta_entries(old: &[Entry], new: &[Entry], at: u64) -> Vec<Entry> {
    let mut out: Vec<Entry> = new.iter().filter(|e| !old.contains(e)).cloned().collect();
    for e in old {
        if !new.iter().any(|n| n.serial == e.serial) {
            out.push(entry(&e.serial, at, Reason::RemoveFromCrl));
        }
    }
    out
}

/// Writes the complete and the delta CRL of one hierarchy; returns what was written.
fn write_crls(
    dir: &Path,
    root: &RootCa,
    side: &mut Side,
    old: &[Entry],
    at: &DateTime,
    files: (&str, &str),
) -> Result<[CrlWritten; 2], SimError> {
    let next = DateTime::from_unix_duration(at.unix_duration() + CRL_PERIOD).map_err(|e| {
        SimError::InvalidOption {
            field: "at",
            reason: e.to_string(),
        }
    })?;
    let base = side.crl_number;
    let number = base.saturating_add(1);
    let full: Vec<RevokedEntry> = side
        .entries
        .iter()
        .map(revoked_entry)
        .collect::<Result<_, _>>()?;
    let delta: Vec<RevokedEntry> = delta_entries(old, &side.entries, secs(at))
        .iter()
        .map(revoked_entry)
        .collect::<Result<_, _>>()?;
    let full_der = pki::build_crl(root, &full, *at, next, number, &CrlOptions::default())?;
    let delta_der = pki::build_crl(
        root,
        &delta,
        *at,
        next,
        number,
        &CrlOptions {
            delta_base: Some(base),
            ..CrlOptions::default()
        },
    )?;
    let pki_dir = dir.join(PKI_DIR);
    dir::write_atomic(&pki_dir.join(files.0), &full_der)?;
    dir::write_atomic(&pki_dir.join(files.1), &delta_der)?;
    side.crl_number = number;
    Ok([
        CrlWritten {
            file: files.0.to_owned(),
            number,
            base: None,
            entries: full.len(),
        },
        CrlWritten {
            file: files.1.to_owned(),
            number,
            base: Some(base),
            entries: delta.len(),
        },
    ])
}

fn set_pin_b(state: &mut CardState) {
    let p = &state.person;
    let value = pin_b(&p.birth_date, &p.card_expiry, &p.security_code);
    state.pins.text_b.value.clone_from(&value);
    state.pins.surface_b.value = value;
}

/// Applies `event` at `at` to the card in `dir` and its PKI: the card's files, the
/// ledger and new CRLs. Nothing is written when the event is refused.
pub fn apply(dir: &Path, event: &Event, at: &DateTime) -> Result<Change, EventError> {
    let mut ledger = Ledger::load(dir).map_err(|e| match e {
        SimError::Missing { path } => refuse(
            "no-ledger",
            format!(
                "{}: missing; this card was made before life events existed: make it again with `inkan sim init`",
                path.display()
            ),
        ),
        other => EventError::Sim(other),
    })?;
    let card = SoftCard::open(dir)?;
    let mut state = card.state().clone();
    let now = secs(at);
    if now < ledger.last_at {
        return Err(refuse(
            "event-in-the-past",
            format!(
                "--at {} is before the card's last event ({}); events go forward in time",
                rfc3339(at),
                rfc3339(&time(ledger.last_at)?)
            ),
        ));
    }
    if ledger.expired {
        return Err(refuse(
            "card-expired",
            "the card is void: its period of stay ended without renewal",
        ));
    }
    if ledger.events.len() >= MAX_EVENTS {
        return Err(refuse(
            "too-many-events",
            format!("the card has had {MAX_EVENTS} events; make a new one"),
        ));
    }
    let sign_root = ledger.root(Hierarchy::Signature)?;
    let auth_root = ledger.root(Hierarchy::Authentication)?;
    if sign_root.cert_der() != card.certs().sign_ca.as_slice()
        || auth_root.cert_der() != card.certs().auth_ca.as_slice()
    {
        return Err(EventError::Sim(SimError::Corrupt {
            path: dir.join(PKI_DIR).join(LEDGER_FILE),
            reason: "the ledger's roots are not the card's CA certificates".to_owned(),
        }));
    }
    let (old_sign, old_auth) = (ledger.sign.entries.clone(), ledger.auth.entries.clone());
    let mut change = Change {
        event: event.kind(),
        at: rfc3339(at),
        card_fields: Vec::new(),
        issued_sign_cert: None,
        has_sign_cert: false,
        revoked: Vec::new(),
        released: Vec::new(),
        crls: Vec::new(),
        lost: false,
        expired: false,
        card_expiry: String::new(),
    };
    let mut new_sign: Option<(Vec<u8>, String)> = None;
    let mut remove_sign_cert = false;
    match event {
        Event::PersonalInfoChanged(c) => {
            if ledger.lost {
                return Err(refuse(
                    "card-lost",
                    "the card is reported lost: report it found first",
                ));
            }
            change.card_fields = change_info(&mut state, c)?;
            if change.card_fields.is_empty() {
                return Err(refuse(
                    "nothing-changed",
                    "give at least one of --name, --address, --birth-date, --sex with a new value",
                ));
            }
            if let Some(cert) = ledger.sign.cert.take() {
                ledger.sign.entries.retain(|e| e.serial != cert.serial);
                ledger
                    .sign
                    .entries
                    .push(entry(&cert.serial, now, Reason::AffiliationChanged));
                change.revoked.push(CrlChange {
                    certificate: "sign",
                    serial: cert.serial,
                    reason: Reason::AffiliationChanged.name().to_owned(),
                });
                remove_sign_cert = true;
            }
        }
        Event::ReissueSign => {
            if ledger.lost {
                return Err(refuse(
                    "card-lost",
                    "the card is reported lost: report it found first",
                ));
            }
            if ledger.sign.cert.is_some() {
                return Err(refuse(
                    "sign-cert-present",
                    "the card holds a valid signature certificate; a change of personal information revokes it first",
                ));
            }
            let (der, key_pem, cert) = issue_sign(&ledger, &sign_root, &state, at)?;
            change.issued_sign_cert = Some(cert.serial.clone());
            ledger.sign.cert = Some(cert);
            ledger.sign_issued = ledger.sign_issued.saturating_add(1);
            new_sign = Some((der, key_pem));
        }
        Event::Lost | Event::Found => {
            let lost = matches!(event, Event::Lost);
            if ledger.lost == lost {
                return Err(if lost {
                    refuse("card-lost", "the card is reported lost already")
                } else {
                    refuse("card-not-lost", "the card was not reported lost")
                });
            }
            for (name, side) in [("sign", &mut ledger.sign), ("auth", &mut ledger.auth)] {
                let Some(cert) = &side.cert else { continue };
                let c = CrlChange {
                    certificate: name,
                    serial: cert.serial.clone(),
                    reason: if lost {
                        Reason::CertificateHold.name().to_owned()
                    } else {
                        Reason::RemoveFromCrl.name().to_owned()
                    },
                };
                if lost {
                    side.entries
                        .push(entry(&cert.serial, now, Reason::CertificateHold));
                    change.revoked.push(c);
                } else {
                    side.entries.retain(|e| {
                        !(e.serial == cert.serial && e.reason == Reason::CertificateHold.name())
                    });
                    change.released.push(c);
                }
            }
            ledger.lost = lost;
        }
        Event::RenewStay { until } => {
            dir::parse_date("until", until)?;
            if until.as_str() <= state.person.card_expiry.as_str() {
                return Err(refuse(
                    "stay-not-later",
                    format!(
                        "--until {until} is not after the card's expiry {}",
                        state.person.card_expiry
                    ),
                ));
            }
            state.person.card_expiry.clone_from(until);
            set_pin_b(&mut state);
            change.card_fields.push("card_expiry");
        }
        Event::Expire => {
            for (name, side) in [("sign", &mut ledger.sign), ("auth", &mut ledger.auth)] {
                let Some(cert) = &side.cert else { continue };
                if now > cert.not_after {
                    continue;
                }
                // A hold becomes a revocation.
                side.entries.retain(|e| e.serial != cert.serial);
                side.entries
                    .push(entry(&cert.serial, now, Reason::CessationOfOperation));
                change.revoked.push(CrlChange {
                    certificate: name,
                    serial: cert.serial.clone(),
                    reason: Reason::CessationOfOperation.name().to_owned(),
                });
            }
            ledger.expired = true;
        }
        Event::Publish => {}
    }

    // Write: the card's files, its state, the CRLs, the ledger last.
    if let Some((der, key_pem)) = &new_sign {
        dir::write_atomic(&dir.join(SIGN_KEY_FILE), key_pem.as_bytes())?;
        dir::write_atomic(&dir.join(SIGN_CERT_FILE), der)?;
    }
    if remove_sign_cert {
        let p = dir.join(SIGN_CERT_FILE);
        match fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(SimError::Io { path: p, source }.into()),
        }
    }
    let store = Store::new(dir);
    store.save_state(&state)?;
    let sign_crls = write_crls(
        dir,
        &sign_root,
        &mut ledger.sign,
        &old_sign,
        at,
        (SIGN_CRL_FILE, SIGN_DELTA_FILE),
    )?;
    let auth_crls = write_crls(
        dir,
        &auth_root,
        &mut ledger.auth,
        &old_auth,
        at,
        (AUTH_CRL_FILE, AUTH_DELTA_FILE),
    )?;
    change.crls.extend(sign_crls);
    change.crls.extend(auth_crls);
    ledger.last_at = now;
    ledger.events.push(Logged {
        kind: event.kind().to_owned(),
        at: now,
    });
    ledger.save(dir)?;
    store.append_log_line(&format!("# event {} at {}", event.kind(), rfc3339(at)))?;
    // The card as it now is must open.
    SoftCard::open(dir)?;
    change.has_sign_cert = ledger.sign.cert.is_some();
    change.lost = ledger.lost;
    change.expired = ledger.expired;
    change.card_expiry = state.person.card_expiry.clone();
    Ok(change)
}

fn change_info(state: &mut CardState, c: &InfoChange) -> Result<Vec<&'static str>, EventError> {
    let mut fields = Vec::new();
    let p = &mut state.person;
    if let Some(name) = &c.name {
        if name.is_empty() {
            return Err(SimError::InvalidOption {
                field: "name",
                reason: "empty".to_owned(),
            }
            .into());
        }
        if *name != p.name {
            p.name.clone_from(name);
            fields.push("name");
        }
    }
    if let Some(address) = &c.address {
        if address.is_empty() {
            return Err(SimError::InvalidOption {
                field: "address",
                reason: "empty".to_owned(),
            }
            .into());
        }
        if *address != p.address {
            p.address.clone_from(address);
            fields.push("address");
        }
    }
    if let Some(birth) = &c.birth_date {
        dir::parse_date("birth_date", birth)?;
        if *birth != p.birth_date {
            p.birth_date.clone_from(birth);
            fields.push("birth_date");
        }
    }
    if let Some(sex) = &c.sex {
        if !matches!(sex.as_str(), "1" | "2" | "9") {
            return Err(SimError::InvalidOption {
                field: "sex",
                reason: "1, 2 or 9".to_owned(),
            }
            .into());
        }
        if *sex != p.sex {
            p.sex.clone_from(sex);
            fields.push("sex");
        }
    }
    if fields.contains(&"birth_date") {
        set_pin_b(state);
    }
    Ok(fields)
}

/// A new signature key and certificate for the card's current basic 4 info, valid from
/// `at` to the card's expiry (23:59:59 JST).
fn issue_sign(
    ledger: &Ledger,
    root: &RootCa,
    state: &CardState,
    at: &DateTime,
) -> Result<(Vec<u8>, String, CertRef), EventError> {
    let n = ledger.sign_issued.saturating_add(1);
    let key = pki::test_key(ledger.seed, &format!("card/sign/{n}"))?;
    let p = &state.person;
    let not_after = dir::datetime("card_expiry", &p.card_expiry, 14, 59, 59)?;
    if secs(&not_after) <= secs(at) {
        return Err(refuse(
            "card-expired",
            format!("the card expired on {}", p.card_expiry),
        ));
    }
    let d = dir::derived_bytes(ledger.seed, &format!("serials/sign/{n}"));
    let mut serial = vec![0x11];
    serial.extend(d.iter().take(7));
    let cn = hex::encode_upper(d.get(8..20).unwrap_or_default());
    let identity = dir::identity(&p.name, &p.address, &p.birth_date, &p.sex);
    let der = pki::issue_signature_cert(
        root,
        &pki::SignatureCertSpec {
            serial: &serial,
            subject_key: key.as_public_key(),
            common_name: &format!("{cn}S"),
            scope: CrlScope::new(&ledger.prefecture, &ledger.city),
            identity: &identity,
            validity: Validity::new(*at, not_after)?,
        },
    )?;
    let pem = dir::key_pem(&key)?;
    Ok((
        der,
        pem,
        CertRef {
            serial: dir::serial_hex(&serial),
            not_after: secs(&not_after),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(serial: &str, reason: Reason) -> Entry {
        entry(serial, 100, reason)
    }

    #[test]
    fn deltas_list_new_entries_and_released_holds() {
        let old = vec![
            e("11", Reason::CertificateHold),
            e("22", Reason::CertificateHold),
        ];
        let new = vec![
            e("22", Reason::CertificateHold),
            e("33", Reason::AffiliationChanged),
        ];
        let d = delta_entries(&old, &new, 200);
        assert_eq!(
            d,
            vec![
                e("33", Reason::AffiliationChanged),
                entry("11", 200, Reason::RemoveFromCrl)
            ]
        );
        assert!(delta_entries(&new, &new, 300).is_empty());
    }

    #[test]
    fn pin_b_follows_birth_date_and_expiry() {
        assert_eq!(pin_b("19850615", "20290615", "1234"), "85061520291234");
    }
}
