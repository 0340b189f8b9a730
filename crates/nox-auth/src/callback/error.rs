//! [`CallbackError`]: why a callback could not be decoded.

/// Why a callback could not be decoded. Messages are meant for a support engineer and
/// never repeat more than a few characters of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The URL or query string has no `data` parameter.
    #[error(
        "no `data` parameter: the callback URL must carry `?data=…` (did the user arrive from NOX's Authenticator?)"
    )]
    MissingData,
    /// More than one `data` parameter: ambiguous, so refused.
    #[error("the `data` parameter appears more than once; refusing an ambiguous callback")]
    DuplicateData,
    /// `data` is present but empty.
    #[error("the `data` parameter is empty")]
    EmptyData,
    /// The input is longer than the limit; nothing was decoded.
    #[error("the {what} is {len} bytes long, over the limit of {limit} bytes; it was not decoded")]
    TooLarge {
        /// What was too long.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// `data` is not base64url.
    #[error("`data` is not valid base64url: {detail}")]
    InvalidBase64 {
        /// Byte offset in the `data` value where decoding failed (or its length).
        position: usize,
        /// What is wrong there.
        detail: String,
    },
    /// The decoded bytes are not UTF-8 text.
    #[error(
        "`data` does not decode to UTF-8 text (invalid byte at offset {position} of the decoded bytes)"
    )]
    NotUtf8 {
        /// Offset of the first invalid byte in the decoded bytes.
        position: usize,
    },
    /// The decoded text is not JSON.
    #[error("`data` does not decode to JSON: {message} at line {line}, column {column}")]
    InvalidJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message (without the position).
        message: String,
    },
    /// The JSON is not an object.
    #[error("`data` decodes to {found}, expected a JSON object")]
    NotAnObject {
        /// What it is instead ("an array", "a string"…).
        found: &'static str,
    },
    /// A required field is missing.
    #[error("the callback payload has no `{field}` field")]
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// A required text field is empty.
    #[error("the callback payload's `{field}` is empty")]
    EmptyField {
        /// The field.
        field: &'static str,
    },
    /// A field has the wrong type.
    #[error("the callback payload's `{field}` is {found}, expected {expected}")]
    WrongType {
        /// The field (`device_ids[2]` for an array item).
        field: String,
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// The redirect URL given to `CallbackPayload::redirect_url` is not an absolute URL.
    #[error("cannot build a callback URL: the redirect URL is invalid ({reason})")]
    InvalidRedirectUrl {
        /// Why.
        reason: String,
    },
}

impl CallbackError {
    pub(crate) fn from_base64(e: base64::DecodeError, data: &str) -> Self {
        use base64::DecodeError as D;
        let printable = |b: u8| {
            if b.is_ascii_graphic() {
                format!("`{}`", b as char)
            } else {
                format!("byte 0x{b:02x}")
            }
        };
        let (position, detail) = match e {
            D::InvalidByte(at, b'=') => (at, format!("padding `=` in the middle, at offset {at}")),
            D::InvalidByte(at, b @ (b'+' | b'/')) => (
                at,
                format!(
                    "{} at offset {at} belongs to standard base64; NOX uses base64url (`-` and `_`)",
                    printable(b)
                ),
            ),
            D::InvalidByte(at, b) => (
                at,
                format!(
                    "{} at offset {at} is not a base64url character",
                    printable(b)
                ),
            ),
            D::InvalidLength(len) => (
                data.len(),
                format!("{len} base64 characters cannot be a whole encoding (truncated?)"),
            ),
            D::InvalidLastSymbol {
                offset: at,
                symbol: b,
                ..
            } => (
                at,
                format!(
                    "the last character {} at offset {at} has stray bits (truncated or altered?)",
                    printable(b)
                ),
            ),
            D::InvalidPadding => (data.len(), "wrong padding at the end".to_owned()),
        };
        CallbackError::InvalidBase64 { position, detail }
    }
}

/// serde_json's message without its " at line X column Y" suffix (we report those apart).
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => &full,
    };
    nox_auth_runtime::text::excerpt(msg, 120)
}
