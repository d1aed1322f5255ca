//! Helpers for the CLI tests: run `inkan`, make software cards, read their APDU log.
#![allow(clippy::panic)]
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

/// Runs `inkan` with `args`, the given environment variables, and no stdin.
pub fn inkan(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inkan"));
    c.args(args).stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run inkan");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh software card in a temporary directory.
pub struct SimCard {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub reader: String,
}

pub fn sim_card(extra: &[&str]) -> SimCard {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("card");
    let d = dir.to_str().unwrap().to_owned();
    let mut args = vec!["sim", "init", d.as_str()];
    args.extend_from_slice(extra);
    let r = inkan(&args, &[]);
    assert_eq!(r.code, 0, "sim init: {}", r.stderr);
    SimCard {
        reader: format!("sim:{d}"),
        dir,
        tmp,
    }
}

impl SimCard {
    /// `inkan card <cmd> --reader sim:DIR --json <args>` with `PIN` in the environment.
    pub fn card(&self, cmd: &str, args: &[&str], pin: Option<&str>) -> Run {
        let mut a = vec!["card", cmd, "--reader", self.reader.as_str(), "--json"];
        a.extend_from_slice(args);
        match pin {
            Some(p) => {
                a.extend_from_slice(&["--pin-env", "INKAN_TEST_PIN"]);
                inkan(&a, &[("INKAN_TEST_PIN", p)])
            }
            None => inkan(&a, &[]),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The command APDUs the card received, as upper-case hex.
    pub fn commands(&self) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.join("apdu.log")).unwrap_or_default();
        log.lines()
            .filter_map(|l| l.strip_prefix("> "))
            .map(|s| s.trim().to_uppercase())
            .collect()
    }

    /// VERIFY commands that carried a PIN (as opposed to the empty VERIFY
    /// that reads the counter).
    pub fn verifies_with_data(&self) -> usize {
        self.commands()
            .iter()
            .filter(|c| c.starts_with("00200080") && c.len() > 8)
            .count()
    }
}

pub fn have_openssl() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIP: openssl not found on PATH");
    }
    ok
}

pub fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
