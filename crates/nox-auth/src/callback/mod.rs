//! The redirect callback: what NOX appends to your `redirect_url` when the user has
//! linked a device, and how to check it.
//!
//! After a successful authentication NOX redirects the user to
//! `<redirect_url>?data=<base64url JSON, no padding>` with the fields of
//! [`CallbackPayload`]. [`decode`] reads it from whatever your handler has: the full
//! redirect URL (https, an app deep link such as `myapp://nox/callback?data=…`, or a
//! path such as `/callback?data=…`), a query string, or the raw `data` value.
//!
//! ```
//! use nox_auth::callback;
//!
//! let payload = callback::decode(
//!     "https://example.com/cb?data=eyJub3hfdXNlcl9pZCI6Im5veC0xIiwic3VwcGxpZXJfdXNlcl9pZCI6InVzZXItNDIiLCJicmFuZCI6ImRhaWtpbiIsImRldmljZV9pZHMiOlsiZGV2LTEiXSwiY29ubmVjdGVkX2F0IjoxNzAzMTIzNTAwfQ",
//! )?;
//! assert_eq!(payload.supplier_user_id, "user-42");
//! assert_eq!(payload.known_brand(), Some(nox_auth::Brand::Daikin));
//! # Ok::<(), nox_auth::callback::CallbackError>(())
//! ```
//!
//! # The payload is not signed: verify it
//!
//! Anyone can send a browser to your callback URL with made-up `data`. Decoding proves
//! nothing about who sent it. Before you record a device as linked, check the payload
//! against the link session **you** created for **the user who is logged in** with
//! [`CallbackPayload::verify_supplier`]: same user id, connected within the session's lifetime,
//! the pre-selected brand (if any), a brand valid for the asset type.
//!
//! What verification proves, and what it does not: it proves the payload fits the link
//! session you started (the user, its lifetime, its brand). It does not prove NOX sent it:
//! `nox_user_id` and `device_ids` are the payload's own claims. Someone who knows a user's
//! id can build a payload naming that user and *their own* NOX user and devices, and send
//! the user's browser to your callback while the user's link is pending; verification
//! cannot tell it from NOX's.
//!
//! What remains your job:
//! - bind the callback to the browser that started the link: a random `state` value in
//!   the `redirect_url`'s query, kept with the pending link and required back (as OAuth
//!   does). `nox-auth-axum` does this by default;
//! - bind the callback to the logged-in user: look up the [`SupplierLinkSession`](crate::SupplierLinkSession)
//!   you stored in *that user's* server-side session, never one named by the request;
//! - accept each link session once (remember its `link_token` as used);
//! - treat `device_ids` as untrusted until NOX's device API (Package API
//!   `GET /v1/devices`) shows those devices for that NOX user.
//!
//! # Limits
//!
//! The whole input may be at most [`MAX_INPUT_LEN`] bytes and the `data` value at most
//! [`MAX_DATA_LEN`] bytes; both are checked before anything is decoded. 32 KiB of
//! base64 holds 24 KiB of JSON: several hundred device ids.
//!
//! # v1
//!
//! The deprecated v1 docs list `nox_user_id`, `supplier_user_id`, `manufacturer`,
//! `connection_status` and `connected_at` without saying how they are carried; we
//! accept them as plain query parameters: [`decode_v1`].

mod decode;
mod error;
mod payload;
mod v1;
mod verify;

pub use decode::{MAX_DATA_LEN, MAX_INPUT_LEN, decode, decode_data, decode_query};
pub use error::CallbackError;
pub use payload::CallbackPayload;
pub use v1::{V1Callback, decode_v1};
pub use verify::{DEFAULT_CLOCK_SKEW, VerifiedConnection, VerifyError, VerifyOptions};
