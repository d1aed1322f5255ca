//! `inkan`: sign with the My Number Card, verify JPKI signatures, manage CRLs.
//!
//! Exit codes and JSON error codes are stable; the README lists them.
#![forbid(unsafe_code)]

mod card_cmd;
mod certinfo;
mod crl_cmd;
mod error;
mod ocsp_http;
mod output;
mod pin_input;
mod reader;
mod serve_cmd;
mod sim_cmd;
mod verify_cmd;

use clap::{Parser, Subcommand};
use error::exit;

/// inkan: the My Number Card from the command line.
#[derive(Parser, Debug)]
#[command(name = "inkan", version, about, long_about = None)]
struct Cli {
    /// Print one JSON object on stdout (errors too: {"ok":false,"error":{"code":…,"message":…}}).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Top,
}

#[derive(Subcommand, Debug)]
enum Top {
    /// Use a My Number Card: status, certificates, signing, My Number, basic 4 info, photo, PIN change.
    #[command(subcommand)]
    Card(card_cmd::CardCmd),
    /// The software My Number Card, for tests and demos.
    #[command(subcommand)]
    Sim(sim_cmd::SimCmd),
    /// Verify certificate paths, CMS signatures and logins (relying parties).
    #[command(subcommand)]
    Verify(verify_cmd::VerifyCmd),
    /// CRLs: index, check serials, refresh over HTTP.
    #[command(subcommand)]
    Crl(crl_cmd::CrlCmd),
    /// The verification service for relying parties: logins (challenge–response with
    /// the user-authentication certificate), signed documents (CMS, XML), the CRLs in
    /// use; JSON over HTTP, OpenAPI at /openapi.json. Runs until SIGTERM or Ctrl-C,
    /// letting the requests in flight finish.
    Serve(serve_cmd::ServeArgs),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = e.exit_code();
            let _ = e.print();
            std::process::exit(if code == 0 { exit::OK } else { exit::USAGE });
        }
    };
    let result = match &cli.cmd {
        Top::Card(c) => card_cmd::run(c),
        Top::Sim(c) => sim_cmd::run(c),
        Top::Verify(c) => std::process::exit(verify_cmd::run(c, cli.json)),
        Top::Crl(c) => crl_cmd::run(c, cli.json),
        Top::Serve(a) => std::process::exit(serve_cmd::run(a, cli.json)),
    };
    std::process::exit(output::report(cli.json, result));
}
