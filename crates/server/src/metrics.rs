//! Prometheus metrics in the text exposition format (version 0.0.4): requests by route
//! and status, a latency histogram per route, outcomes of verifications and CRL loads.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Latency histogram bucket bounds, seconds.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// A metric family's `HELP` and `TYPE` lines.
fn family(o: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(o, "# HELP {name} {help}");
    let _ = writeln!(o, "# TYPE {name} {kind}");
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(&'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    outcomes: BTreeMap<(&'static str, &'static str), u64>,
    crl_loads: BTreeMap<&'static str, u64>,
}

/// The service's counters.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Counts a request to `route` answered with `status` after `secs`.
    pub fn request(&self, route: &'static str, status: u16, secs: f64) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *m.requests.entry((route, status)).or_default() += 1;
        let h = m.latency.entry(route).or_default();
        for (c, b) in h.counts.iter_mut().zip(BUCKETS) {
            if secs <= b {
                *c += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Counts a verification of `kind` (`login`, `cms`, `xml`) with `code` (`valid` or
    /// the error code).
    pub fn outcome(&self, kind: &'static str, code: &'static str) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *m.outcomes.entry((kind, code)).or_default() += 1;
    }

    /// Counts a CRL load: `ok` or `failed`.
    pub fn crl_load(&self, result: &'static str) {
        let mut m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *m.crl_loads.entry(result).or_default() += 1;
    }

    /// The exposition, with the gauges given.
    pub fn render(&self, crls: usize, challenges: Option<usize>, in_flight: usize) -> String {
        let m = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut o = String::new();
        family(
            &mut o,
            "inkan_requests_total",
            "HTTP requests by route and status.",
            "counter",
        );
        for ((route, status), n) in &m.requests {
            let _ = writeln!(
                o,
                "inkan_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        family(
            &mut o,
            "inkan_request_duration_seconds",
            "Time to answer, by route.",
            "histogram",
        );
        for (route, h) in &m.latency {
            for (c, b) in h.counts.iter().zip(BUCKETS) {
                let _ = writeln!(
                    o,
                    "inkan_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {c}"
                );
            }
            let _ = writeln!(
                o,
                "inkan_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                o,
                "inkan_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                o,
                "inkan_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        family(
            &mut o,
            "inkan_verifications_total",
            "Verifications by kind and result code.",
            "counter",
        );
        for ((kind, code), n) in &m.outcomes {
            let _ = writeln!(
                o,
                "inkan_verifications_total{{kind=\"{kind}\",code=\"{code}\"}} {n}"
            );
        }
        family(
            &mut o,
            "inkan_crl_loads_total",
            "CRL loads by result.",
            "counter",
        );
        for (r, n) in &m.crl_loads {
            let _ = writeln!(o, "inkan_crl_loads_total{{result=\"{r}\"}} {n}");
        }
        family(&mut o, "inkan_crls_loaded", "CRLs in use.", "gauge");
        let _ = writeln!(o, "inkan_crls_loaded {crls}");
        if let Some(challenges) = challenges {
            family(
                &mut o,
                "inkan_challenges_outstanding",
                "Login challenges issued and not yet used.",
                "gauge",
            );
            let _ = writeln!(o, "inkan_challenges_outstanding {challenges}");
        }
        family(
            &mut o,
            "inkan_requests_in_flight",
            "Requests being answered.",
            "gauge",
        );
        let _ = writeln!(o, "inkan_requests_in_flight {in_flight}");
        o
    }
}
