//! What `nox` prints: untrusted text made safe for a terminal, a stdout that may be
//! closed early, and failures as text or JSON with their exit status.

use std::fmt;
use std::io::Write as _;
use std::time::SystemTime;

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: NOX answered with an error, or the network failed.
pub const EXIT_API: u8 = 1;
/// Exit status: the input was invalid (nothing was sent), or the command line was.
pub const EXIT_INPUT: u8 = 2;
/// Exit status: a callback decoded but failed verification against its link session.
pub const EXIT_VERIFY: u8 = 3;
/// Exit status of `nox contract check`: something breaks the generated client.
pub const EXIT_BREAKING: u8 = 4;

/// Untrusted text (callback fields, server messages, URLs NOX sent) made safe for a
/// terminal: the workspace's one rule, [`nox_auth::nox_auth_runtime::text::escape`]
/// (control and bidirectional-control characters escaped).
pub(crate) use nox_auth::nox_auth_runtime::text::escape as safe;

/// A value as one line of JSON (pretty: indented), every character a terminal would act on
/// written as a JSON escape ([`nox_auth::nox_auth_runtime::text::escape_json`]): what
/// `--json` prints.
pub(crate) fn json(value: &impl serde::Serialize, pretty: bool) -> String {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    nox_auth::nox_auth_runtime::text::escape_json(&text.expect("our values serialize"))
}

/// `println!` for stdout that may be closed early (`nox brands | head -1`): a broken
/// pipe ends the program quietly with exit 0 instead of a panic.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::out::write_line(format_args!($($arg)*)) };
}
pub(crate) use outln;

/// Writes one line to stdout; see [`outln!`].
pub(crate) fn write_line(args: fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"));
    match written {
        Ok(()) => {}
        // The reader is gone: nothing more to say to anyone.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {e}");
            std::process::exit(i32::from(EXIT_API));
        }
    }
}

/// A failed command: what kind of failure, the message, and the exit status.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Machine-readable kind (`validation`, `api`, `transport`, `callback`, `verification`…).
    pub kind: &'static str,
    /// The message (untrusted parts included; escaped when printed).
    pub message: String,
    /// The exit status.
    pub exit: u8,
}

impl Failure {
    /// Bad input: nothing was sent (exit 2).
    pub fn input(kind: &'static str, message: impl fmt::Display) -> Self {
        Failure {
            kind,
            message: message.to_string(),
            exit: EXIT_INPUT,
        }
    }

    /// A callback that decoded but failed verification (exit 3).
    pub fn verification(e: &nox_auth::callback::VerifyError) -> Self {
        Failure {
            kind: "verification",
            message: format!("verification failed: {e}"),
            exit: EXIT_VERIFY,
        }
    }
}

impl From<nox_auth::Error> for Failure {
    fn from(e: nox_auth::Error) -> Self {
        use nox_auth::Error as E;
        let (kind, exit) = match &e {
            E::Validation(_) => ("validation", EXIT_INPUT),
            E::Config(_) => ("config", EXIT_INPUT),
            E::Api { .. } => ("api", EXIT_API),
            E::Unauthorized { .. } => ("unauthorized", EXIT_API),
            E::Transport { .. } => ("transport", EXIT_API),
            E::Redirect { .. } => ("redirect", EXIT_API),
            E::UnexpectedStatus { .. } => ("unexpected_status", EXIT_API),
            E::InvalidResponse { .. } => ("invalid_response", EXIT_API),
            _ => ("other", EXIT_API),
        };
        Failure {
            kind,
            message: e.to_string(),
            exit,
        }
    }
}

impl From<nox_auth::callback::CallbackError> for Failure {
    fn from(e: nox_auth::callback::CallbackError) -> Self {
        Failure::input("callback", e)
    }
}

/// Prints a failure to stderr, as `error: …` or, with `json`, as
/// `{"error":{"kind":…,"message":…}}`; returns its exit status.
pub(crate) fn report(json: bool, failure: &Failure) -> u8 {
    let line = if json {
        self::json(
            &serde_json::json!({"error": {"kind": failure.kind, "message": failure.message}}),
            false,
        )
    } else {
        format!("error: {}", safe(&failure.message))
    };
    // A closed stderr leaves nothing to tell; the exit status still says it.
    let _ = writeln!(std::io::stderr(), "{line}");
    failure.exit
}

/// A time as `nox` prints it: Unix seconds, said so.
pub(crate) fn fmt_time(t: SystemTime) -> String {
    let secs = nox_auth::time::to_unix_secs(t).unwrap_or(0);
    format!("{secs} (Unix seconds)")
}
