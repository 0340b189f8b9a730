//! Who may use the control API (`/_mock…`): the owner of the mock, not any page their
//! browser opens. Every control request is checked before it is read, in this order:
//!
//! 1. `Host` must name the mock as its owner reaches it: `localhost`, a loopback address,
//!    the address listened on (any address when listening on all of them: a DNS
//!    rebinding attack needs a name), or the host of the configured public URL. Else
//!    **421**: a page that rebinds its own name to 127.0.0.1 reads nothing.
//! 2. A browser's `Origin` (every one sent) must be the mock's own: that host *and port*
//!    as the request was sent to (a page on another port of this machine is another
//!    origin), and `Sec-Fetch-Site` neither `cross-site` nor `same-site`. Else **403**.
//! 3. The control token, when the mock has one ([`crate::MockConfig::control_token`]):
//!    `x-mock-control-token: <token>` (or, for a `GET`, `?control_token=<token>`: the
//!    inspector page in a browser). Else **403**.
//! 4. `POST`, `PUT`, `PATCH` and `DELETE` must send `Content-Type: application/json`, or no
//!    body and no `Content-Type` at all (`curl -X POST …/_mock/reset`). Else **415**: a
//!    cross-site form or `text/plain` POST, which a browser sends without asking, is
//!    refused before it is read.
//!
//! A control answer in JSON carries what callers sent (user ids, URLs): its DEL, C1 and
//! bidirectional controls are written as `\uXXXX` (still the same JSON), so that reading
//! `curl …/_mock/sessions` on a terminal is safe.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::app::App;
use crate::control_error::error;
use crate::media_type;
use nox_auth::nox_auth_runtime::secret::constant_time_eq;

/// The header that carries the control token.
pub const CONTROL_TOKEN_HEADER: &str = "x-mock-control-token";

/// Whether a path is the control API's (or the inspector page).
pub(crate) fn is_control(path: &str) -> bool {
    path == "/_mock" || path.starts_with("/_mock/")
}

/// The checks above, for control requests; anything else passes untouched.
pub(crate) async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    if !is_control(request.uri().path()) {
        return next.run(request).await;
    }
    match check(&app, &request) {
        Ok(()) => escaped(next.run(request).await).await,
        Err((status, message)) => error(status, message),
    }
}

/// The most of a control answer that is escaped: its pages are at most
/// [`crate::MAX_PAGE_BYTES`] (1 MiB) of JSON; anything larger passes as it is.
const MAX_ESCAPED_BYTES: usize = 4 * 1024 * 1024;

/// A JSON control answer with its DEL, C1 and bidirectional controls written as `\uXXXX`
/// (`nox_auth_runtime::text::escape_json`, the workspace's one rule).
async fn escaped(response: Response) -> Response {
    if !media_type::is(response.headers(), "application/json") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ESCAPED_BYTES).await else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the control answer could not be read to be escaped",
        );
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => nox_auth::nox_auth_runtime::text::escape_json(text),
        Err(_) => return Response::from_parts(parts, axum::body::Body::from(bytes)),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(text))
}

/// Why a control request is refused: the status and the message.
type Refusal = (StatusCode, String);

fn check(app: &App, request: &Request) -> Result<(), Refusal> {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(host_part)
        .or_else(|| request.uri().host().map(host_part));
    match host {
        None => {
            return Err((
                StatusCode::MISDIRECTED_REQUEST,
                "the control API needs a Host header".into(),
            ));
        }
        Some(h) if !allowed_host(app, &h) => {
            return Err((
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "the control API answers for localhost, a loopback address, the address it listens on{} only, not for `{h}` (MockConfig::public_url or --public-url names the host it is reached under)",
                    app.public_host
                        .as_deref()
                        .map(|p| format!(" or {p}"))
                        .unwrap_or_default()
                ),
            ));
        }
        Some(_) => {}
    }
    // A browser's request carries its page's Origin: the control API answers only the
    // mock's own pages, the same host *and port* as the request was sent to (a page on
    // another localhost port, a dev server, is another site to its owner), for every
    // Origin header sent.
    let target = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(authority);
    for origin in headers.get_all(header::ORIGIN) {
        let same = origin
            .to_str()
            .ok()
            .and_then(|o| url::Url::parse(o).ok())
            .is_some_and(|u| {
                let h = u.host_str().map(host_part).unwrap_or_default();
                // A Host without a port means the scheme's default, which `Url::port`
                // leaves out of an Origin too.
                let same_port = |tp: Option<u16>| match tp {
                    Some(p) => u.port_or_known_default() == Some(p),
                    None => u.port().is_none(),
                };
                allowed_host(app, &h)
                    && target
                        .as_ref()
                        .is_some_and(|(th, tp)| *th == h && same_port(*tp))
            });
        if !same {
            return Err((
                StatusCode::FORBIDDEN,
                "the control API refuses requests from another site's page".into(),
            ));
        }
    }
    // `same-site` too: another port of localhost is the same site, not the same origin.
    if headers.get_all("sec-fetch-site").iter().any(|v| {
        v.as_bytes().eq_ignore_ascii_case(b"cross-site")
            || v.as_bytes().eq_ignore_ascii_case(b"same-site")
    }) {
        return Err((
            StatusCode::FORBIDDEN,
            "the control API refuses requests from another site's page".into(),
        ));
    }
    if let Some(token) = &app.control_token
        && !has_token(request, token)
    {
        return Err((
            StatusCode::FORBIDDEN,
            format!(
                "this mock's control API needs its control token: send `{CONTROL_TOKEN_HEADER}: <token>`"
            ),
        ));
    }
    if matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && !json_or_bodiless(headers)
    {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "control requests send Content-Type: application/json (or no body at all)".into(),
        ));
    }
    Ok(())
}

/// A `Host` header's host (as [`host_part`] reads it) and its port, if it names one.
fn authority(host: &str) -> (String, Option<u16>) {
    let trimmed = host.trim();
    let port = match trimmed.strip_prefix('[') {
        Some(v6) => v6.split_once("]:").map(|(_, p)| p),
        None => trimmed.rsplit_once(':').map(|(_, p)| p),
    }
    .and_then(|p| p.parse().ok());
    (host_part(trimmed), port)
}

/// The host of a `Host` header or URL host, lowercase, without port or IPv6 brackets.
fn host_part(host: &str) -> String {
    let host = host.trim();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// A name the owner reaches the mock under, never one a rebinding page controls.
fn allowed_host(app: &App, host: &str) -> bool {
    if host == "localhost" || app.public_host.as_deref() == Some(host) {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == app.bound.ip() || app.bound.ip().is_unspecified(),
        Err(_) => false,
    }
}

fn has_token(request: &Request, token: &str) -> bool {
    let given = request
        .headers()
        .get(CONTROL_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            (request.method() == Method::GET)
                .then(|| request.uri().query())
                .flatten()
                .and_then(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "control_token")
                        .map(|(_, v)| v.into_owned())
                })
        });
    given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes()))
}

/// `Content-Type: application/json` (any parameters), or no body and no content type.
fn json_or_bodiless(headers: &HeaderMap) -> bool {
    match headers.get(header::CONTENT_TYPE) {
        Some(_) => media_type::is(headers, "application/json"),
        None => {
            headers.get(header::TRANSFER_ENCODING).is_none()
                && headers
                    .get(header::CONTENT_LENGTH)
                    .is_none_or(|v| v.as_bytes() == b"0")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(host_part("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host_part("[::1]:8080"), "::1");
        assert_eq!(host_part("LocalHost."), "localhost");
        assert_eq!(host_part("evil.example:80"), "evil.example");
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert!(json_or_bodiless(&h));
        h.insert(header::CONTENT_LENGTH, "0".parse().unwrap());
        assert!(json_or_bodiless(&h));
        h.insert(header::CONTENT_LENGTH, "2".parse().unwrap());
        assert!(!json_or_bodiless(&h));
        h.insert(
            header::CONTENT_TYPE,
            "Application/JSON; charset=utf-8".parse().unwrap(),
        );
        assert!(json_or_bodiless(&h));
        for refused in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            h.insert(header::CONTENT_TYPE, refused.parse().unwrap());
            assert!(!json_or_bodiless(&h), "{refused}");
        }
    }
}
