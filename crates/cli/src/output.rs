//! What every command prints: one JSON object with `--json` (`{"ok":true, …}` or
//! `{"ok":false,"error":{…}}`), text otherwise, and the process exit code.

use crate::error::{CliError, exit};
use serde_json::{Value, json};

/// What a command prints: JSON for `--json`, text otherwise.
pub struct Outcome {
    /// The JSON result (without `ok`, which is added).
    pub json: Value,
    /// The text result.
    pub text: String,
}

/// Prints `result` as the command's one answer and returns the exit code.
pub fn report(json_mode: bool, result: Result<Outcome, CliError>) -> i32 {
    match result {
        Ok(out) => {
            if json_mode {
                let mut v = out.json;
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("ok".into(), json!(true));
                }
                println!("{v}");
            } else if !out.text.is_empty() {
                println!("{}", out.text);
            }
            exit::OK
        }
        Err(e) => failure(json_mode, &e),
    }
}

/// Prints `e` (JSON on stdout with `--json`, a line on stderr otherwise) and returns its
/// exit code.
pub fn failure(json_mode: bool, e: &CliError) -> i32 {
    if json_mode {
        println!("{}", e.to_json());
    } else {
        eprintln!("inkan: {} [{}]", e.message, e.code);
    }
    e.exit
}
