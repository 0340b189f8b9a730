//! The log of answered requests: what a test reads back with [`crate::MockServer::requests`].

use serde::Serialize;

/// The longest path the request log keeps, in characters (longer ones are cut, and
/// control characters escaped).
pub(crate) const MAX_LOGGED_PATH: usize = 256;

/// One request the mock answered. Never holds the API key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The status answered.
    pub status: u16,
    /// The JSON body answered, if any (kept for conformance checks); `None` for a body
    /// over [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) (a long page of devices).
    pub response: Option<serde_json::Value>,
}
