//! Card directories, card creation and the [`SimTransport`].
//!
//! A card directory holds:
//!
//! | file | content |
//! |---|---|
//! | `state.json` | [`CardState`]: options, holder, PIN values and counters |
//! | `sign-key.pem`, `auth-key.pem` | the card's RSA keys, PKCS#8 PEM |
//! | `sign-cert.der` (if any), `sign-ca.der`, `auth-cert.der`, `auth-ca.der` | certificates on the card |
//! | `apdu.log` | one line per APDU, `> HEX` for commands, `< HEX` for responses |
//! | `pki/` | the test roots (`sign-root-gen<n>.pem`, `auth-root-gen<n>.pem`), complete CRLs (`sign.crl`, `auth.crl`, DER), after a life event delta CRLs (`sign-delta.crl`, `auth-delta.crl`), and the PKI's ledger (`ledger.json`, see [`crate::life`]) |
//!
//! The state is saved (write to a temporary file, then rename) after every change of a
//! counter or a PIN, before the card answers.

use std::fs;
use std::path::Path;
use std::time::Duration;

use inkan_apdu::{Transport, TransportError};

use crate::card::{
    BlockedStatusAnswer, CardCerts, CardKeys, CardOptions, CardState, MissingSignCert, Persist,
    Person, PinId, PinState, Pins, STATE_FORMAT, SimError, SoftCard, TokenKind,
    VerifiedStatusAnswer, my_number_valid,
};
pub use crate::dir::{
    AUTH_CA_FILE, AUTH_CERT_FILE, AUTH_KEY_FILE, LOG_FILE, PKI_DIR, SIGN_CA_FILE, SIGN_CERT_FILE,
    SIGN_KEY_FILE, STATE_FILE,
};
use crate::dir::{
    Store, datetime, derived_bytes, identity, invalid, io_err, key_pem, parse_date, pin_b,
    read_cert, read_file, read_key, serial_hex, write_file,
};
use crate::life::{self, CertRef, Ledger};
use crate::pki::{self, CrlOptions, CrlScope, DateTime, Reason, RevokedEntry, TestPki, Validity};

impl SoftCard {
    /// Opens the card in `dir` (made by [`init`]). Counter and PIN changes are saved
    /// there, and every APDU is appended to `apdu.log`.
    pub fn open(dir: &Path) -> Result<SoftCard, SimError> {
        let state_path = dir.join(STATE_FILE);
        let json = read_file(&state_path)?;
        let state: CardState = serde_json::from_slice(&json).map_err(|e| SimError::Corrupt {
            path: state_path.clone(),
            reason: e.to_string(),
        })?;
        state.validate().map_err(|reason| SimError::Corrupt {
            path: state_path.clone(),
            reason,
        })?;
        let keys = CardKeys {
            sign: read_key(&dir.join(SIGN_KEY_FILE))?,
            auth: read_key(&dir.join(AUTH_KEY_FILE))?,
        };
        let sign = match read_cert(&dir.join(SIGN_CERT_FILE)) {
            Ok(c) => Some(c),
            Err(SimError::Missing { .. }) => None,
            Err(e) => return Err(e),
        };
        let certs = CardCerts {
            sign,
            sign_ca: read_cert(&dir.join(SIGN_CA_FILE))?,
            auth: read_cert(&dir.join(AUTH_CERT_FILE))?,
            auth_ca: read_cert(&dir.join(AUTH_CA_FILE))?,
        };
        let mut card = SoftCard::from_parts(state, keys, certs).map_err(|e| match e {
            SimError::InvalidOption { reason, .. } => SimError::Corrupt {
                path: state_path.clone(),
                reason,
            },
            other => other,
        })?;
        card.store = Some(Box::new(Store::new(dir)));
        Ok(card)
    }

    /// A new card in memory, generated from `opts` (nothing is written).
    pub fn generate(opts: &InitOptions) -> Result<SoftCard, SimError> {
        Ok(SoftCard::generate_with_pki(opts)?.0)
    }

    /// A new card in memory plus the test PKI that issued its certificates.
    pub fn generate_with_pki(opts: &InitOptions) -> Result<(SoftCard, TestPki), SimError> {
        let m = Material::generate(opts)?;
        let card = SoftCard::from_parts(m.state, m.keys, m.certs)?;
        Ok((card, m.pki))
    }
}

/// Options for a new card ([`init`], [`SoftCard::generate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitOptions {
    /// Signature PIN (6–16 of `A-Z0-9`). Default `ABC123`.
    pub sign_pin: String,
    /// User-authentication PIN (4 digits). Default `1234`.
    pub auth_pin: String,
    /// Card info AP PIN (4 digits). Default `1234`.
    pub text_pin: String,
    /// Holder name (UTF-8).
    pub name: String,
    /// Holder address (UTF-8).
    pub address: String,
    /// Birth date `YYYYMMDD`.
    pub birth_date: String,
    /// Sex: `1` male, `2` female, `9` not applicable.
    pub sex: String,
    /// Expiry of the certificates and the card, `YYYYMMDD` (valid to 23:59:59 JST).
    pub not_after: String,
    /// Issuance date of the certificates, `YYYYMMDD` (no hidden clock). Also the CRLs'
    /// thisUpdate.
    pub issued: String,
    /// The 12-digit My Number (with a valid check digit).
    pub my_number: String,
    /// The 4-digit security code printed on the card (part of 照合番号B).
    pub security_code: String,
    /// Seed of every key and serial.
    pub seed: u64,
    /// Number of root generations per hierarchy (issued `2015 + 4(n-1)`, valid 10 years;
    /// 20 years for P-384 roots, whose certificates run 10 years).
    pub root_generations: usize,
    /// The roots' keys: RSA-2048 (today's JPKI) or ECDSA P-384 (the next-generation
    /// card's, FACTS §10), which sign the certificates and CRLs. The card's own keys stay
    /// RSA-2048 either way: the next-generation card's command set is not published.
    pub algorithm: pki::KeyAlg,
    /// Token label.
    pub token: TokenKind,
    /// Whether the card carries a signature certificate.
    pub with_sign_cert: bool,
    /// Layout of EF `0001` when there is no signature certificate.
    pub missing_sign_cert: MissingSignCert,
    /// Whether the card has the JPKI AP.
    pub with_jpki: bool,
    /// Whether the signature certificate is on the written CRL (reason affiliationChanged).
    pub revoke_sign_cert: bool,
    /// Prefecture of the CRL distribution point.
    pub prefecture: String,
    /// City of the CRL distribution point.
    pub city: String,
    /// Answer to an empty VERIFY after a successful VERIFY.
    pub verified_status: VerifiedStatusAnswer,
    /// Answer to an empty VERIFY of a blocked PIN.
    pub blocked_status: BlockedStatusAnswer,
    /// EF padding byte.
    pub padding: u8,
}

impl Default for InitOptions {
    fn default() -> Self {
        InitOptions {
            sign_pin: "ABC123".to_owned(),
            auth_pin: "1234".to_owned(),
            text_pin: "1234".to_owned(),
            name: "試験 花子".to_owned(),
            address: "東京都千代田区霞が関二丁目一番二号".to_owned(),
            birth_date: "19850615".to_owned(),
            sex: "2".to_owned(),
            not_after: "20290615".to_owned(),
            issued: "20240401".to_owned(),
            my_number: "123456789018".to_owned(),
            security_code: "1234".to_owned(),
            seed: 1,
            root_generations: 3,
            algorithm: pki::KeyAlg::Rsa2048,
            token: TokenKind::Card,
            with_sign_cert: true,
            missing_sign_cert: MissingSignCert::Absent,
            with_jpki: true,
            revoke_sign_cert: false,
            prefecture: "Tokyo-to".to_owned(),
            city: "Chiyoda-ku".to_owned(),
            verified_status: VerifiedStatusAnswer::RetriesLeft,
            blocked_status: BlockedStatusAnswer::NoTriesLeft,
            padding: 0xFF,
        }
    }
}

/// Everything a new card is made of.
struct Material {
    state: CardState,
    keys: CardKeys,
    certs: CardCerts,
    pki: TestPki,
    crls: Vec<(&'static str, Vec<u8>)>,
    ledger: Ledger,
}

impl Material {
    fn generate(opts: &InitOptions) -> Result<Material, SimError> {
        if !PinId::Sign.format_ok(opts.sign_pin.as_bytes()) {
            return Err(invalid("sign_pin", "6 to 16 of A-Z and 0-9"));
        }
        if !PinId::Auth.format_ok(opts.auth_pin.as_bytes()) {
            return Err(invalid("auth_pin", "4 digits"));
        }
        if !PinId::Text.format_ok(opts.text_pin.as_bytes()) {
            return Err(invalid("text_pin", "4 digits"));
        }
        if !my_number_valid(&opts.my_number) {
            return Err(invalid("my_number", "12 digits with a valid check digit"));
        }
        let sc = opts.security_code.as_bytes();
        if sc.len() != 4 || !sc.iter().all(u8::is_ascii_digit) {
            return Err(invalid("security_code", "4 digits"));
        }
        if !matches!(opts.sex.as_str(), "1" | "2" | "9") {
            return Err(invalid("sex", "1, 2 or 9"));
        }
        if opts.name.is_empty() {
            return Err(invalid("name", "empty"));
        }
        if opts.address.is_empty() {
            return Err(invalid("address", "empty"));
        }
        parse_date("birth_date", &opts.birth_date)?;
        let issued = datetime("issued", &opts.issued, 0, 0, 0)?;
        // 23:59:59 JST = 14:59:59 UTC.
        let not_after = datetime("not_after", &opts.not_after, 14, 59, 59)?;
        if opts.root_generations == 0 {
            return Err(invalid("root_generations", "at least 1"));
        }

        // Roots: generation n valid from 1 April 2015 + 4(n-1) for 10 years.
        let mut validities = Vec::with_capacity(opts.root_generations);
        for n in 0..opts.root_generations {
            let start =
                u16::try_from(2015 + 4 * n).map_err(|_| invalid("root_generations", "too many"))?;
            let from = DateTime::new(start, 4, 1, 0, 0, 0)
                .map_err(|e| invalid("root_generations", e.to_string()))?;
            let years = match opts.algorithm {
                pki::KeyAlg::Rsa2048 => 10,
                pki::KeyAlg::EcdsaP384 => 20,
            };
            let to = DateTime::new(start.saturating_add(years), 3, 31, 14, 59, 59)
                .map_err(|e| invalid("root_generations", e.to_string()))?;
            validities.push(Validity::new(from, to)?);
        }
        let pki = TestPki::generate_with(opts.seed, &validities, opts.algorithm)?;
        // Issue from the newest root valid at issuance.
        let pick = |roots: &[pki::RootCa]| -> Option<usize> {
            roots
                .iter()
                .rposition(|r| {
                    r.validity().not_before <= issued && issued <= r.validity().not_after
                })
                .or_else(|| roots.len().checked_sub(1))
        };
        let (Some(si), Some(ai)) = (pick(&pki.sign_roots), pick(&pki.auth_roots)) else {
            return Err(invalid("root_generations", "no root"));
        };
        let (Some(sign_root), Some(auth_root)) = (pki.sign_roots.get(si), pki.auth_roots.get(ai))
        else {
            return Err(invalid("root_generations", "no root"));
        };

        let keys = CardKeys {
            sign: pki::test_key(opts.seed, "card/sign")?,
            auth: pki::test_key(opts.seed, "card/auth")?,
        };
        let validity = Validity::new(issued, not_after)?;
        let d = derived_bytes(opts.seed, "serials");
        let serial = |first: u8, from: usize| -> Vec<u8> {
            let mut s = vec![first];
            s.extend(d.iter().skip(from).take(7));
            s
        };
        let sign_serial = serial(0x11, 0);
        let auth_serial = serial(0x22, 8);
        let cn = hex::encode_upper(d.get(16..28).unwrap_or_default());
        let scope = CrlScope::new(&opts.prefecture, &opts.city);
        let identity = identity(&opts.name, &opts.address, &opts.birth_date, &opts.sex);
        let sign_cert = if opts.with_sign_cert {
            Some(pki::issue_signature_cert(
                sign_root,
                &pki::SignatureCertSpec {
                    serial: &sign_serial,
                    subject_key: keys.sign.as_public_key(),
                    common_name: &format!("{cn}S"),
                    scope: scope.clone(),
                    identity: &identity,
                    validity,
                },
            )?)
        } else {
            None
        };
        let auth_cert = pki::issue_auth_cert(
            auth_root,
            &pki::AuthCertSpec {
                serial: &auth_serial,
                subject_key: keys.auth.as_public_key(),
                common_name: &format!("{cn}A"),
                scope: Some(scope),
                validity,
            },
        )?;
        let certs = CardCerts {
            sign: sign_cert,
            sign_ca: sign_root.cert_der().to_vec(),
            auth: auth_cert,
            auth_ca: auth_root.cert_der().to_vec(),
        };

        // CRLs: thisUpdate = issuance, nextUpdate 30 days later.
        let next = DateTime::from_unix_duration(
            issued.unix_duration() + Duration::from_secs(30 * 24 * 3600),
        )
        .map_err(|e| invalid("issued", e.to_string()))?;
        let mut revoked = Vec::new();
        if opts.revoke_sign_cert && opts.with_sign_cert {
            revoked.push(RevokedEntry {
                serial: sign_serial.clone(),
                revoked_at: issued,
                reason: Some(Reason::AffiliationChanged),
            });
        }
        let sign_crl =
            pki::build_crl(sign_root, &revoked, issued, next, 1, &CrlOptions::default())?;
        let auth_crl = pki::build_crl(auth_root, &[], issued, next, 1, &CrlOptions::default())?;

        let pin_b = pin_b(&opts.birth_date, &opts.not_after, &opts.security_code);
        let cert_ref = |serial: &[u8]| CertRef {
            serial: serial_hex(serial),
            not_after: not_after.unix_duration().as_secs(),
        };
        let ledger = Ledger::new(
            (opts.seed, opts.algorithm, &opts.prefecture, &opts.city),
            sign_root,
            auth_root,
            certs.sign.as_ref().map(|_| cert_ref(&sign_serial)),
            cert_ref(&auth_serial),
            revoked
                .iter()
                .map(|e| life::Entry {
                    serial: serial_hex(&e.serial),
                    revoked_at: e.revoked_at.unix_duration().as_secs(),
                    reason: e.reason.unwrap_or(Reason::Unspecified).name().to_owned(),
                })
                .collect(),
            &issued,
        );
        let pin = |id: PinId, value: &str| PinState {
            value: value.to_owned(),
            remaining: id.max_tries(),
        };
        let state = CardState {
            format: STATE_FORMAT,
            options: CardOptions {
                token: opts.token,
                jpki: opts.with_jpki,
                missing_sign_cert: opts.missing_sign_cert,
                verified_status: opts.verified_status,
                blocked_status: opts.blocked_status,
                padding: opts.padding,
                extended_length: false,
            },
            person: Person {
                name: opts.name.clone(),
                address: opts.address.clone(),
                birth_date: opts.birth_date.clone(),
                sex: opts.sex.clone(),
                my_number: opts.my_number.clone(),
                card_expiry: opts.not_after.clone(),
                security_code: opts.security_code.clone(),
            },
            pins: Pins {
                sign: pin(PinId::Sign, &opts.sign_pin),
                auth: pin(PinId::Auth, &opts.auth_pin),
                text: pin(PinId::Text, &opts.text_pin),
                text_a: pin(PinId::TextA, &opts.my_number),
                text_b: pin(PinId::TextB, &pin_b),
                surface_a: pin(PinId::SurfaceA, &opts.my_number),
                surface_b: pin(PinId::SurfaceB, &pin_b),
            },
        };
        Ok(Material {
            state,
            keys,
            certs,
            pki,
            crls: vec![
                (life::SIGN_CRL_FILE, sign_crl),
                (life::AUTH_CRL_FILE, auth_crl),
            ],
            ledger,
        })
    }
}

/// Creates a card directory `dir` (created if needed; it must not hold a card yet): card
/// state, keys, certificates, and under `pki/` the test roots (PEM) and CRLs (DER).
pub fn init(dir: &Path, opts: &InitOptions) -> Result<(), SimError> {
    if dir.join(STATE_FILE).exists() {
        return Err(SimError::AlreadyInitialized {
            path: dir.to_path_buf(),
        });
    }
    let m = Material::generate(opts)?;
    let pki_dir = dir.join(PKI_DIR);
    fs::create_dir_all(&pki_dir).map_err(io_err(&pki_dir))?;
    write_file(&dir.join(SIGN_KEY_FILE), key_pem(&m.keys.sign)?.as_bytes())?;
    write_file(&dir.join(AUTH_KEY_FILE), key_pem(&m.keys.auth)?.as_bytes())?;
    if let Some(cert) = &m.certs.sign {
        write_file(&dir.join(SIGN_CERT_FILE), cert)?;
    }
    write_file(&dir.join(SIGN_CA_FILE), &m.certs.sign_ca)?;
    write_file(&dir.join(AUTH_CERT_FILE), &m.certs.auth)?;
    write_file(&dir.join(AUTH_CA_FILE), &m.certs.auth_ca)?;
    for root in m.pki.sign_roots.iter().chain(&m.pki.auth_roots) {
        let name = format!(
            "{}-root-gen{}.pem",
            root.hierarchy().short_label(),
            root.generation()
        );
        write_file(&pki_dir.join(name), root.cert_pem()?.as_bytes())?;
    }
    for (name, der) in &m.crls {
        write_file(&pki_dir.join(name), der)?;
    }
    m.ledger.save(dir)?;
    Store::new(dir).save_state(&m.state)
}

/// A [`Transport`] around a [`SoftCard`]: every command goes to
/// [`SoftCard::process`]; `power_off` powers the card off.
#[derive(Debug)]
pub struct SimTransport {
    card: SoftCard,
}

impl SimTransport {
    /// A transport to the card in `dir` (state persisted there).
    pub fn open(dir: &Path) -> Result<SimTransport, SimError> {
        Ok(SimTransport {
            card: SoftCard::open(dir)?,
        })
    }

    /// A transport to an in-memory card.
    pub fn new(card: SoftCard) -> SimTransport {
        SimTransport { card }
    }

    /// The card.
    pub fn card(&self) -> &SoftCard {
        &self.card
    }

    /// The card, mutably.
    pub fn card_mut(&mut self) -> &mut SoftCard {
        &mut self.card
    }

    /// Gives the card back.
    pub fn into_card(self) -> SoftCard {
        self.card
    }
}

impl Transport for SimTransport {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.card.process(command))
    }

    fn supports_extended(&self) -> bool {
        self.card.state().options.extended_length
    }

    async fn power_off(&mut self) -> Result<(), TransportError> {
        self.card.power_off();
        Ok(())
    }
}
