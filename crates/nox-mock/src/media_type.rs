//! The media type of a request or an answer, read one way everywhere: the `type/subtype`
//! before any parameters (`; charset=…`), trimmed, compared without regard to case.

use axum::http::{HeaderMap, header};

/// Whether `headers` say `Content-Type: <media>`, with any parameters.
pub(crate) fn is(headers: &HeaderMap, media: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(media))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_read_before_its_parameters_in_any_case() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            h
        };
        assert!(is(&with("application/json"), "application/json"));
        assert!(is(
            &with("Application/JSON; charset=utf-8"),
            "application/json"
        ));
        assert!(!is(&with("application/jsonx"), "application/json"));
        assert!(!is(&with("text/plain"), "application/json"));
        assert!(!is(&HeaderMap::new(), "application/json"));
    }
}
