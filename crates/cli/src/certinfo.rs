//! A short summary of a certificate, for `inkan card status`.

use der::Decode;
use serde_json::{Map, Value, json};
use std::time::SystemTime;
use x509_cert::Certificate;

/// Summarises a DER certificate at time `now`: subject, issuer, serial,
/// validity (RFC 5280 §4.1.2.5) and whole days left until notAfter.
pub fn summary(der_bytes: &[u8], now: SystemTime) -> Map<String, Value> {
    let cert = match Certificate::from_der(der_bytes) {
        Ok(c) => c,
        Err(e) => {
            let mut m = Map::new();
            m.insert("parse_error".into(), json!(e.to_string()));
            return m;
        }
    };
    let tbs = cert.tbs_certificate();
    let v = tbs.validity();
    let nb = v.not_before.to_date_time();
    let na = v.not_after.to_date_time();
    let now_s = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let na_s = na.unix_duration().as_secs() as i64;
    let nb_s = nb.unix_duration().as_secs() as i64;
    let days = (na_s - now_s).div_euclid(86_400);
    let v = json!({
        "subject": tbs.subject().to_string(),
        "issuer": tbs.issuer().to_string(),
        "serial": hex::encode_upper(tbs.serial_number().as_bytes()),
        "not_before": nb.to_string(),
        "not_after": na.to_string(),
        "days_to_expiry": days,
        "valid_now": now_s >= nb_s && now_s <= na_s,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
