//! Field checks shared by the request types.

use crate::error::{ValidationError, excerpt};

/// Refuses an empty (or all-whitespace) value.
pub(crate) fn non_empty(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(ValidationError::Empty { field })
    } else {
        Ok(())
    }
}

/// Refuses anything but an absolute URL. App schemes (`myapp://cb`) are allowed, since
/// mobile apps receive the callback as a deep link.
pub(crate) fn redirect_url(field: &'static str, value: &str) -> Result<(), ValidationError> {
    non_empty(field, value)?;
    let invalid = |reason: String| ValidationError::InvalidUrl {
        field,
        input: excerpt(value, 200),
        reason,
    };
    let url = url::Url::parse(value).map_err(|e| invalid(e.to_string()))?;
    if url.cannot_be_a_base() && url.scheme() != "urn" {
        return Err(invalid("no `//` authority or path".into()));
    }
    if matches!(url.scheme(), "http" | "https") && url.host().is_none() {
        return Err(invalid("no host".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls() {
        for ok in [
            "https://a.example/cb?x=1",
            "myapp://nox/callback",
            "http://127.0.0.1:3000/cb",
        ] {
            assert!(redirect_url("redirect_url", ok).is_ok(), "{ok}");
        }
        for bad in ["", "  ", "/callback", "example.com/cb", "mailto:x@y.z"] {
            assert!(redirect_url("redirect_url", bad).is_err(), "{bad}");
        }
    }
}
