//! What the proxy passes on of a message, and what it refuses: paths that would leave the
//! upstream's prefix (dot segments, as written or percent-encoded), hop-by-hop headers and
//! those `Connection:` names (RFC 9110 §7.6.1).

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::finding::{Finding, FindingKind};
use crate::proxy_body::Read;
use crate::validate::Validator;

/// The largest upstream answer head the proxy passes on: 16 KiB of header names and values
/// (502 past it). Without it an upstream's head of ~400 KB (hyper's own limit) was copied
/// to every client, and held for each that did not read it.
pub const MAX_ANSWER_HEAD_BYTES: usize = 16 * 1024;

/// The bytes of a head: its header names and values.
pub(crate) fn head_bytes(h: &HeaderMap) -> usize {
    h.iter().map(|(n, v)| n.as_str().len() + v.len()).sum()
}

/// Whether a path could leave the upstream's prefix: a `.` or `..` segment, as written or
/// percent-encoded, or a backslash or an encoded slash (`\`, `%5c`, `%2f`) that a URL
/// parser or the upstream may take for a `/` (and then resolve a `..` after it).
pub(crate) fn has_dot_segment(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if path.contains('\\') || lower.contains("%5c") || lower.contains("%2f") {
        return true;
    }
    path.split('/').any(|segment| {
        let decoded = percent_decode(segment);
        decoded == "." || decoded == ".."
    })
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Headers that belong to one hop, not to the message (RFC 9110 §7.6.1).
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

/// The headers to pass on: not the hop-by-hop ones, nor those `Connection:` names.
pub(crate) fn copy_headers(from: &HeaderMap) -> HeaderMap {
    let named: Vec<String> = from
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in from {
        if !hop_by_hop(name) && !named.iter().any(|n| n == name.as_str()) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

pub(crate) fn content_type(h: &HeaderMap) -> Option<&str> {
    h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// The answer's `Content-Encoding`, unless none or `identity`: such a body is not read as
/// JSON (the proxy does not decompress; it asks for none, see `forward`).
pub(crate) fn encoding(h: &HeaderMap) -> Option<&str> {
    let e = h
        .get(header::CONTENT_ENCODING)?
        .to_str()
        .unwrap_or("(not text)");
    let e = e.trim();
    (!e.is_empty() && !e.eq_ignore_ascii_case("identity")).then_some(e)
}

/// The informational finding for an answer whose body is encoded: not checked.
pub(crate) fn not_checked(v: &Validator, method: &str, path: &str, encoding: &str) -> Finding {
    Finding {
        kind: FindingKind::ContentType,
        operation: v
            .operation(method, path)
            .map_or_else(|| format!("{method} {path}"), |op| op.id.to_owned()),
        path: "$".into(),
        observed: crate::finding::observed(&format!("content-encoding {encoding}")),
        expected: "not checked: an encoded body is forwarded as it came, not read".into(),
        breaking: false,
    }
}

/// A short plain-text answer; `close` asks the connection to close after it (the rest of
/// a request body is then never read).
pub(crate) fn refuse(status: StatusCode, message: &'static str, close: bool) -> Response {
    let mut out = (status, message).into_response();
    if close {
        out.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    out
}

pub(crate) fn no_turn() -> Response {
    refuse(
        StatusCode::GATEWAY_TIMEOUT,
        "nox proxy: no turn for a large answer in time",
        false,
    )
}

/// The answer to a request body that was not read in full.
pub(crate) fn refused(read: Read) -> Response {
    match read {
        Read::TooLarge => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "nox proxy: request body over 1 MiB",
            true,
        ),
        Read::Busy => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "nox proxy: too many large bodies at once",
            true,
        ),
        Read::TooSlow => refuse(
            StatusCode::REQUEST_TIMEOUT,
            "nox proxy: the request body did not arrive in time (at least 1 KiB a second after 2 s, all of it within 30 s)",
            true,
        ),
        Read::Broken | Read::Done(_) => refuse(
            StatusCode::BAD_REQUEST,
            "nox proxy: the request body could not be read",
            true,
        ),
    }
}
