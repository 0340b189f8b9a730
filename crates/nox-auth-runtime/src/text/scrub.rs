//! [`Scrubber`]: secrets (API keys) taken out of any text before it is shown, in every form
//! a server may echo them: whole, cut (any run of 8 characters or more of the key), split in
//! pieces, in upper or lower case, escaped wholly or in part (percent-encoded once or twice,
//! JSON's `\/` and `\u002b`, a form's `+` read as a space), hex-encoded, or base64-encoded
//! (at any alignment).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use base64::Engine as _;

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Takes secrets out of text. Built once per client from its keys; cheap to clone.
///
/// A *run* of [`Scrubber::MIN_RUN`] bytes or more that occurs in a secret (or in one of its
/// encodings) is replaced by [`REDACTED`]: the whole key, a key cut at an excerpt's limit,
/// a key split in two around other text, each half alone. Secrets shorter than `MIN_RUN`
/// are no real keys and are ignored (they would match ordinary words). Runs are matched
/// without regard to ASCII case (a server that upper-cases the key still echoes it).
///
/// ```
/// use nox_auth_runtime::text::Scrubber;
/// let key = "sk_live_0123456789abcdef";
/// let s = Scrubber::new([key]);
/// assert_eq!(s.scrub("echo: sk_live_0123456789abcdef!"), "echo: <redacted>!");
/// assert_eq!(s.scrub("cut: …sk_live_0123456"), "cut: …<redacted>");
/// assert_eq!(s.scrub("split: sk_live_01 + 23456789abcdef"), "split: <redacted> + <redacted>");
/// assert_eq!(s.scrub("shout: SK_LIVE_0123456789ABCDEF"), "shout: <redacted>");
/// let slashed = Scrubber::new(["ab/cd+ef/gh+ij=kl"]);
/// assert_eq!(slashed.scrub("url: ab%2Fcd%2Bef%2fgh+ij%3Dkl"), "url: <redacted>");
/// assert!(!s.scrub("b64: c2tfbGl2ZV8wMTIzNDU2Nzg5YWJjZGVm").contains("c2tfbGl2"));
/// assert!(!format!("{s:?}").contains("sk_live"));
/// ```
#[derive(Clone, Default)]
pub struct Scrubber {
    /// Every `MIN_RUN`-byte window of every secret and encoding, folded ([`fold`]).
    grams: HashSet<Vec<u8>>,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scrubber").finish_non_exhaustive()
    }
}

impl Scrubber {
    /// The shortest run of a secret that is taken out.
    pub const MIN_RUN: usize = 8;

    /// A scrubber for these secrets.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut grams = HashSet::new();
        for secret in secrets.into_iter().map(str::trim) {
            if secret.len() < Self::MIN_RUN {
                continue;
            }
            for form in forms(secret.as_bytes()) {
                for w in form.windows(Self::MIN_RUN) {
                    grams.insert(w.iter().copied().map(fold).collect());
                }
            }
        }
        Scrubber { grams }
    }

    /// Whether there is nothing to take out (no secret of `MIN_RUN` bytes or more).
    pub fn is_empty(&self) -> bool {
        self.grams.is_empty()
    }

    /// `text` with every run of a secret replaced by [`REDACTED`].
    pub fn scrub<'t>(&self, text: &'t str) -> Cow<'t, str> {
        match self.scrub_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Runs are ASCII (keys, their encodings): cutting them leaves UTF-8 whole.
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// [`Scrubber::scrub`] on bytes (a body that may not be UTF-8).
    pub fn scrub_bytes<'t>(&self, text: &'t [u8]) -> Cow<'t, [u8]> {
        let n = Self::MIN_RUN;
        if self.grams.is_empty() || text.len() < n {
            return Cow::Borrowed(text);
        }
        // Every byte covered by a window that is a run of a secret (in any case).
        let lowered: Vec<u8> = text.iter().copied().map(fold).collect();
        let mut hit = vec![false; text.len()];
        let mut any = false;
        for (i, w) in lowered.windows(n).enumerate() {
            if self.grams.contains(w) {
                hit[i..i + n].iter_mut().for_each(|h| *h = true);
                any = true;
            }
        }
        // Encoders escape some characters of a key and not others (`/`, `+`, `=` but not
        // letters): the runs are looked for in the unescaped text too, a chunk at a time
        // (its memory stays small for a large text), and a hit covers the escapes it came
        // from. Chunks overlap by what `n` bytes can take escaped twice (`%252f`), and
        // start a few bytes early to fall back into step after a cut escape.
        // Text without `%` or `\` has nothing to unescape: no second pass over it.
        let overlap = 5 * n;
        let mut chunk = 0;
        let escaped = lowered.iter().any(|&b| b == b'%' || b == b'\\');
        while escaped && chunk < lowered.len() {
            let from = chunk.saturating_sub(8);
            let to = (chunk + CHUNK + overlap).min(lowered.len());
            any |= self.mark_unescaped(&lowered[from..to], &mut hit[from..to]);
            chunk += CHUNK;
        }
        if !any {
            return Cow::Borrowed(text);
        }
        let mut out = Vec::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            if hit[i] {
                out.extend_from_slice(REDACTED.as_bytes());
                while i < text.len() && hit[i] {
                    i += 1;
                }
            } else {
                out.push(text[i]);
                i += 1;
            }
        }
        Cow::Owned(out)
    }
}

/// A byte as runs are compared: in lower case, and a space as `+` (a form decoder reads a
/// key's `+` as a space, in the key itself or in its base64, in some places and not others).
fn fold(b: u8) -> u8 {
    if b == b' ' {
        b'+'
    } else {
        b.to_ascii_lowercase()
    }
}

/// How much text one unescaped view covers (see [`Scrubber::scrub_bytes`]).
const CHUNK: usize = 64 * 1024;

impl Scrubber {
    /// Marks in `hit` the bytes of `text` (lower case, at most [`CHUNK`] and an overlap)
    /// whose unescaped form, once or twice unescaped, is a run of a secret.
    fn mark_unescaped(&self, text: &[u8], hit: &mut [bool]) -> bool {
        let n = Self::MIN_RUN;
        let mut any = false;
        let (once, starts) = unescaped(text);
        // Where byte `k` of a view starts in what it was unescaped from (its end: `len`).
        let at = |starts: &[u32], k: usize, len: usize| starts.get(k).map_or(len, |&s| s as usize);
        for (j, w) in once.windows(n).enumerate() {
            if self.grams.contains(w) {
                let (a, b) = (at(&starts, j, text.len()), at(&starts, j + n, text.len()));
                hit[a..b].iter_mut().for_each(|h| *h = true);
                any = true;
            }
        }
        if once.contains(&b'%') || once.contains(&b'\\') {
            let (twice, starts2) = unescaped(&once);
            for (j, w) in twice.windows(n).enumerate() {
                if self.grams.contains(w) {
                    let (a, b) = (at(&starts2, j, once.len()), at(&starts2, j + n, once.len()));
                    let (a, b) = (at(&starts, a, text.len()), at(&starts, b, text.len()));
                    hit[a..b].iter_mut().for_each(|h| *h = true);
                    any = true;
                }
            }
        }
        any
    }
}

/// `text` (folded) unescaped as encoders escape a key's characters: `%XX` (URLs), `\/`
/// and `\uXXXX` below 128 (JSON, as PHP and .NET write them); folded. With it,
/// where each of its bytes starts in `text`.
fn unescaped(text: &[u8]) -> (Vec<u8>, Vec<u32>) {
    let hex = |b: &u8| (*b as char).to_digit(16);
    let mut out = Vec::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let (byte, len) = match rest {
            [b'%', h, l, ..] if hex(h).is_some() && hex(l).is_some() => (
                hex(h).zip(hex(l)).map_or(b'%', |(h, l)| (h * 16 + l) as u8),
                3,
            ),
            [b'\\', b'/', ..] => (b'/', 2),
            [b'\\', b'u', a, b, c, d, ..] if [a, b, c, d].iter().all(|x| hex(x).is_some()) => {
                let value = [a, b, c, d]
                    .iter()
                    .fold(0u32, |v, x| v * 16 + hex(x).unwrap_or(0));
                match u8::try_from(value) {
                    Ok(b) if b.is_ascii() => (b, 6),
                    _ => (b'\\', 1),
                }
            }
            [b, ..] => (*b, 1),
            [] => break,
        };
        out.push(fold(byte));
        // A chunk is at most CHUNK bytes and an overlap: its offsets fit in u32.
        starts.push(i as u32);
        i += len;
    }
    (out, starts)
}

/// The forms a server may echo a secret in: as is, percent-encoded, hex-encoded (the case
/// does not matter: runs are matched in lower case), and base64 (standard and URL-safe) at the three alignments it can start at inside
/// a longer encoded text (the characters that depend on neighbouring bytes left out).
fn forms(secret: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![secret.to_vec()];
    let percent: String = secret.iter().map(|b| format!("%{b:02x}")).collect();
    out.push(percent.into_bytes());
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    out.push(hex.into_bytes());
    for engine in [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for offset in 0..3usize {
            let mut padded = vec![0u8; offset];
            padded.extend_from_slice(secret);
            let encoded = engine.encode(&padded).into_bytes();
            // Leading characters that carry the neighbour's bits, and the last (partial).
            let skip = [0, 2, 3][offset];
            let end = encoded.len().saturating_sub(2);
            if end > skip {
                out.push(encoded[skip..end].to_vec());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

    const KEY: &str = "sk_live_Q7f9dX2mP4vK8sT1wZ";

    /// Whether a run of the key (in lower case) is in `text`.
    fn leaks(text: &str) -> bool {
        KEY.to_ascii_lowercase()
            .as_bytes()
            .windows(Scrubber::MIN_RUN)
            .any(|w| text.as_bytes().windows(w.len()).any(|t| t == w))
    }

    #[test]
    fn every_form_is_taken_out() {
        let s = Scrubber::new([KEY]);
        let b64 = STANDARD.encode(KEY);
        let url_b64 = URL_SAFE_NO_PAD.encode(format!("{{\"k\":\"{KEY}\"}}"));
        let pct: String = KEY.bytes().map(|b| format!("%{b:02x}")).collect();
        let pct_upper: String = KEY.bytes().map(|b| format!("%{b:02X}")).collect();
        let hex: String = KEY.bytes().map(|b| format!("{b:02x}")).collect();
        let (a, b) = KEY.split_at(13);
        for text in [
            format!("x{KEY}y"),
            format!("…{}", &KEY[..20]),
            format!("{a} and {b}"),
            format!("basic {b64}"),
            format!("token={url_b64}"),
            format!("?key={pct}"),
            format!("?key={pct_upper}"),
            format!("digest {hex} / {}", hex.to_ascii_uppercase()),
            format!("SHOUTED: {}", KEY.to_ascii_uppercase()),
            format!("mixed: {}", KEY.to_ascii_lowercase()),
            format!("{{\"{KEY}\": 1}}"),
        ] {
            let out = s.scrub(&text);
            assert!(out.contains(REDACTED), "{text} → {out}");
            assert!(!leaks(&out.to_ascii_lowercase()), "{text} → {out}");
            assert!(!out.contains(&hex[..8]), "{text} → {out}");
            assert!(!out.contains(&b64[..12]), "{text} → {out}");
        }
    }

    /// A key with characters URL encoders escape (`/ + =`), echoed as they encode it: only
    /// those escaped (`encodeURIComponent`), `/` kept (Python's `quote`), in either case of
    /// hex, or a piece of it.
    #[test]
    fn a_key_partly_percent_encoded_is_taken_out() {
        let key = "ab/cd+ef/gh+ij=kl/mn+op/qr";
        let s = Scrubber::new([key]);
        let escape = |keep: &str, upper: bool| -> String {
            key.chars()
                .map(|c| match c {
                    c if c.is_ascii_alphanumeric() || keep.contains(c) => c.to_string(),
                    c if upper => format!("%{:02X}", c as u8),
                    c => format!("%{:02x}", c as u8),
                })
                .collect()
        };
        for text in [
            format!("$.{}", escape("", true)),
            format!("?k={}&x=1", escape("/", true)),
            format!("{{\"{}\": 1}}", escape("", false)),
            format!("cut …{}", &escape("", true)[..20]),
        ] {
            let out = s.scrub(&text);
            assert!(out.contains(REDACTED), "{text} → {out}");
            for piece in ["ab%2", "ef%2", "ij%3", "mn%2", "op%2", "cd+ef", "kl/mn"] {
                assert!(
                    !out.to_ascii_lowercase()
                        .contains(&piece.to_ascii_lowercase()),
                    "{text} → {out}"
                );
            }
        }
    }

    /// The same key escaped as other encoders do: percent-encoded twice, JSON's `\/` (PHP)
    /// and `\u002B` (.NET), a form decoder's space for `+`; and a key across the border of
    /// two of the chunks the unescaped text is searched in.
    #[test]
    fn a_key_escaped_other_ways_is_taken_out() {
        let key = "Xy7+Qa/9Lm+Tr2=Vb/8Kp+Zw";
        let s = Scrubber::new([key]);
        let pieces = ["Xy7", "Qa", "9Lm", "Tr2", "Vb", "8Kp", "Zw"];
        let twice = key
            .replace('+', "%252B")
            .replace('/', "%252F")
            .replace('=', "%253D");
        let json = key.replace('/', "\\/").replace('+', "\\u002B");
        let form = key.replace('+', " ");
        let mut border = "x".repeat(CHUNK - 10);
        border.push_str(&key.replace('/', "%2F"));
        border.push_str(&"y".repeat(100));
        for text in [twice, json, form, border] {
            let out = s.scrub(&text);
            assert!(out.contains(REDACTED), "{text:.80} → {out:.80}");
            let kept: Vec<&str> = pieces.iter().copied().filter(|p| out.contains(p)).collect();
            assert!(
                kept.len() <= 1,
                "{kept:?} left in {:.200}",
                out.trim_start_matches('x')
            );
        }
        // A form decoder's spaces for some `+` and not others, in the key or in its base64
        // (`~` every third byte gives a `+` there).
        let mixed = Scrubber::new(["k9+Qa2+Zx7+Lm4+Pt8+Rw3"]);
        for text in [
            "k9+Qa2 Zx7+Lm4 Pt8+Rw3",
            "k9%2BQa2 Zx7%2BLm4 Pt8%2BRw3 100%",
        ] {
            let out = mixed.scrub(text);
            assert!(
                !out.contains("Zx7") && !out.contains("Lm4"),
                "{text} → {out}"
            );
        }
        let tilde = Scrubber::new(["a~b~c~d~e~f~g~h~i~j~k~l"]);
        let out = tilde.scrub("basic YX5ifmN ZH5lfmZ Z35ofml an5rfmw=");
        assert!(!out.contains("ZH5lfmZ"), "{out}");
        // Ordinary escapes stay as they were.
        for text in ["a%20b%2Fc and \\/path \\u0041", "100% sure", "%", "\\u12"] {
            assert_eq!(s.scrub(text), text);
        }
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        let s = Scrubber::new([KEY, "short"]);
        for text in [
            "NOX rejected the request: user_id is required",
            "",
            "short",
            "sk_live",
        ] {
            assert_eq!(s.scrub(text), text);
        }
        assert!(Scrubber::new(["tiny"]).is_empty());
        assert_eq!(
            s.scrub_bytes(b"\xff\xfe sk_live_Q7f9 \xff").as_ref(),
            b"\xff\xfe <redacted> \xff"
        );
    }
}
