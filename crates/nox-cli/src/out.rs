//! What `nox` prints: untrusted text made safe for a terminal, a stdout that may be
//! closed early, and failures as text or JSON with their exit status.

use std::fmt;
use std::io::Write as _;

use crate::{EXIT_API, EXIT_INPUT, EXIT_VERIFY};

/// Untrusted text (callback fields, server messages, URLs NOX sent) with every control
/// character and bidirectional-override character escaped (`\u{1b}`, `\n`…), so that it
/// cannot move the cursor, rewrite a line or reorder what the reader sees.
pub(crate) fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Characters that reorder text on a terminal (Trojan Source, CVE-2021-42574).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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
        serde_json::json!({"error": {"kind": failure.kind, "message": failure.message}}).to_string()
    } else {
        format!("error: {}", safe(&failure.message))
    };
    // A closed stderr leaves nothing to tell; the exit status still says it.
    let _ = writeln!(std::io::stderr(), "{line}");
    failure.exit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(safe("plain ünïcode"), "plain ünïcode");
        assert_eq!(
            safe("u1\u{1b}[2K\rverified: yes"),
            "u1\\u{1b}[2K\\rverified: yes"
        );
        assert_eq!(safe("a\nb\tc\u{7}"), "a\\nb\\tc\\u{7}");
        assert_eq!(safe("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(safe("\u{9b}31m"), "\\u{9b}31m", "C1 CSI");
    }
}
