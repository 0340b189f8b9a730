//! Reading command-line values.

use std::str::FromStr;

/// The one way the command line reads NOX's values (asset type, brand, language): the
/// SDK's own `FromStr`, so the messages (and the "did you mean" hints) are the SDK's.
pub(crate) fn parse_arg<T>(s: &str) -> Result<T, String>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| e.to_string())
}
