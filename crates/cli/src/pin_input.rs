//! Reading PINs: from an environment variable named by `--pin-env`, or from
//! a prompt that hides input. Never from argv.

use crate::error::{CliError, exit};
use zeroize::Zeroizing;

/// Reads one secret. `env` is the name of an environment variable holding it;
/// without it the user is prompted on the terminal.
pub fn read_secret(env: Option<&str>, prompt: &str) -> Result<Zeroizing<String>, CliError> {
    if let Some(var) = env {
        return match std::env::var(var) {
            Ok(v) => Ok(Zeroizing::new(v)),
            Err(_) => Err(CliError::new(
                "pin-missing",
                exit::PIN_FORMAT,
                format!(
                    "environment variable {var} (named by --pin-env or --new-pin-env) is not set"
                ),
            )),
        };
    }
    match rpassword::prompt_password(prompt) {
        Ok(p) => Ok(Zeroizing::new(p)),
        Err(e) => Err(CliError::new(
            "pin-missing",
            exit::PIN_FORMAT,
            format!(
                "cannot prompt for the PIN ({e}); for scripts, name an environment variable with --pin-env"
            ),
        )),
    }
}
