//! Untrusted text made safe to show, one rule for the whole workspace.
//!
//! Whatever came from outside (a server's error body, a callback field, a URL, a JSON
//! field name) is shown only through these functions: in the facade's errors, the mock's
//! request log, the contract check's findings and the CLI's output.
//!
//! - [`escape`]: every control character (C0, DEL, C1), every bidirectional control
//!   (Trojan Source, CVE-2021-42574) and every invisible separator or joiner (U+2028,
//!   U+200B, U+FEFF…) written as an escape (`\n`, `\u{1b}`, `\u{202e}`), so that the text
//!   cannot move a terminal's cursor, rewrite or split a log line, reorder what the reader
//!   sees or hide a character. Everything else is kept (a backslash too: readable, not
//!   reversible).
//! - [`excerpt`]: at most `limit` characters of the text, cut on a character boundary,
//!   `…` appended when cut, then escaped: what an error or report shows of a long text.
//! - [`error_chain`]: an error and its sources as one line.
//! - [`escape_json`]: serialized JSON with every such character as a `\uXXXX` escape
//!   (what `--json` prints: the same JSON, safe on a terminal).
//! - [`Scrubber`]: secrets (API keys) taken out of any text before it is shown, in every
//!   form a server may echo them (whole, cut, split, percent- or base64-encoded).
//!
//! ```
//! use nox_auth_runtime::text;
//!
//! assert_eq!(text::escape("ok\u{1b}[2K\rverified"), "ok\\u{1b}[2K\\rverified");
//! assert_eq!(text::excerpt("héllo wörld", 5), "héllo…");
//! assert_eq!(text::excerpt("abc\u{202e}fed", 80), "abc\\u{202e}fed");
//! ```

use std::fmt::Write as _;

mod scrub;
pub use scrub::{REDACTED, Scrubber};

/// The text with every control and bidirectional-control character escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// At most `limit` characters of `text` (counted before escaping), `…` appended when it
/// was cut, control and bidirectional-control characters escaped as by [`escape`]. The
/// result is at most `8 × limit + 1` characters (`\u{2069}` is among the longest escapes).
pub fn excerpt(text: &str, limit: usize) -> String {
    let cut = text.char_indices().nth(limit).map(|(i, _)| i);
    let shown = cut.map_or(text, |i| &text[..i]);
    let mut out = String::with_capacity(shown.len() + 3);
    push_escaped(&mut out, shown);
    if cut.is_some() {
        out.push('…');
    }
    out
}

/// The messages of an error and all its sources, joined by `: `, each once (a source
/// whose text the line already holds is skipped). Not escaped: pass the result through
/// [`escape`] or [`excerpt`] where it is shown.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = e.source();
    }
    out
}

/// Characters that reorder text on a terminal or in an editor (Trojan Source,
/// CVE-2021-42574): the Arabic letter mark, LRM/RLM, the embeddings and overrides, the
/// isolates.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing yet change what is read: line and paragraph
/// separators (a log line split in two), zero-width space and joiners, word joiner and
/// invisible operators, the byte order mark, the soft hyphen.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00ad}' | '\u{200b}'..='\u{200d}' | '\u{2028}' | '\u{2029}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

/// Whether [`escape`] changes `c`.
fn is_escaped(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible(c)
}

/// Whether [`escape`] would change `text` (no allocation when it would not).
pub fn needs_escape(text: &str) -> bool {
    text.chars().any(is_escaped)
}

/// Serialized JSON with every character [`escape`] would change written as a JSON
/// `\uXXXX` escape: the same JSON value, safe to print on a terminal (serde_json escapes
/// only U+0000–U+001F; DEL, the C1 controls, bidirectional controls and invisible
/// characters would reach the terminal raw).
///
/// ```
/// use nox_auth_runtime::text;
/// let json = serde_json::json!({"brand": "ni\u{9b}2J\u{202e}be"}).to_string();
/// let safe = text::escape_json(&json);
/// assert_eq!(safe, r#"{"brand":"ni\u009b2J\u202ebe"}"#);
/// assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap()["brand"], "ni\u{9b}2J\u{202e}be");
/// ```
pub fn escape_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_escaped(c) && !matches!(c, '\n' | '\r' | '\t') {
            // Outside strings serde_json writes only ASCII whitespace, which stays as is;
            // every escaped character here sits in a string, in the BMP.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_escaped(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_escaped() {
        assert_eq!(escape("plain ünïcode"), "plain ünïcode");
        assert_eq!(
            escape("u1\u{1b}[2K\rverified: yes"),
            "u1\\u{1b}[2K\\rverified: yes"
        );
        assert_eq!(escape("a\nb\tc\u{7}\u{7f}"), "a\\nb\\tc\\u{7}\\u{7f}");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m", "C1 CSI");
        assert_eq!(
            escape("a\u{2028}b\u{200b}c\u{feff}d\u{ad}e\u{2066}"),
            "a\\u{2028}b\\u{200b}c\\u{feff}d\\u{ad}e\\u{2066}",
            "invisible separators and joiners"
        );
        assert!(!needs_escape("plain ünïcode"));
        assert!(needs_escape("split\u{2029}line"));
        assert!(needs_escape("a\u{200f}"));
    }

    #[test]
    fn excerpts_cut_on_characters_and_escape() {
        assert_eq!(excerpt("hello", 10), "hello");
        assert_eq!(excerpt("hello world", 5), "hello…");
        assert_eq!(excerpt("héllo", 2), "hé…");
        assert_eq!(excerpt("日本語テキスト", 3), "日本語…");
        assert_eq!(excerpt("a\nb\tc", 10), "a\\nb\\tc");
        assert_eq!(excerpt("", 10), "");
        assert_eq!(excerpt("abc", 0), "…");
        // An escape is never cut in half: the limit counts the original characters.
        assert_eq!(excerpt("\u{1b}\u{1b}\u{1b}", 2), "\\u{1b}\\u{1b}…");
        // The bound on the output: 8 × limit + 1, reached by the longest escapes.
        for worst in ['\u{2069}', '\u{feff}', '\u{9f}'] {
            let text = worst.to_string().repeat(1000);
            assert!(
                excerpt(&text, 100).chars().count() <= 8 * 100 + 1,
                "{worst:?}"
            );
        }
        assert_eq!(
            excerpt(&"\u{2069}".repeat(1000), 100).chars().count(),
            8 * 100 + 1
        );
    }

    #[test]
    fn error_chains_name_each_cause_once() {
        #[derive(Debug)]
        struct E(&'static str, Option<Box<E>>);
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for E {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|e| e as _)
            }
        }
        let e = E(
            "sending failed: connection refused",
            Some(Box::new(E(
                "connection refused",
                Some(Box::new(E("os error 111", None))),
            ))),
        );
        assert_eq!(
            error_chain(&e),
            "sending failed: connection refused: os error 111"
        );
    }
}
