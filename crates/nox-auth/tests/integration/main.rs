//! nox-auth's integration tests, one binary: each module is a concern of the facade
//! (decoding, verification, confirm, listing, transport, ...), most of them against the mock
//! or a small test server on 127.0.0.1. One binary links once, and its tests run side by side.

mod common;

mod confirm;
mod confirm_bounds;
mod deadline;
mod decoding;
mod devices;
mod key_echo;
mod listing_answers;
mod payloads;
mod post_login_redirect;
mod properties;
mod statuses;
mod transport;
mod verification;
