//! # nox-auth
//!
//! A client for **NOX Energy's Authenticator API**: create a *link session* for your
//! user's heat pump (`hp`) or PV inverter (`pv`), send the user to NOX's Authenticator
//! UI, and read the callback when they come back.
//!
//! It is a thin layer over the clients generated from NOX's OpenAPI specs
//! ([`v2`], [`v1`]); requests still go through the generated code. It adds:
//!
//! - [`Client::builder`]: API key, base URL, timeouts, retries, user agent ([`client`]);
//! - typed operations with checks before anything is sent ([`supplier`], [`manufacturer`]);
//! - [`Brand`], [`AssetType`], [`Language`] and which brand goes with which asset type ([`brand`]);
//! - one [`Error`] to match on, which never contains the API key ([`error`]);
//! - [`LinkSession`] with `SystemTime` timestamps and expiry helpers ([`session`]);
//! - [`Open`]: values NOX sends (brand, language, asset type) that this SDK may not know
//!   yet are kept as text instead of failing the call;
//! - [`validate_redirect_url`]: the one rule for where a user may be sent back to;
//! - decoding, verifying and encoding the `?data=` redirect callback ([`callback`]).
//!
//! ## Example
//!
//! ```no_run
//! use nox_auth::{AssetType, Brand, Client, Error, Language, SupplierLinkRequest};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // NOX_API_KEY (required) and NOX_BASE_URL (optional) from the environment:
//! let client = Client::from_env()?;
//!
//! let request = SupplierLinkRequest::new("user-42", AssetType::Hp, "https://example.com/nox/callback")
//!     .brand(Brand::SaunierDuval)
//!     .language(Language::En);
//!
//! match client.create_supplier_link_session(request).await {
//!     Ok(session) => {
//!         // Store `session` (it is serde-serializable) with the user's login session,
//!         // then redirect the user:
//!         println!("redirect to {} within {:?}", session.link_url, session.lifetime());
//!
//!         // …later, in the handler of https://example.com/nox/callback?data=…,
//!         // with the session loaded from the logged-in user's server-side state:
//!         # let callback_url = String::new();
//!         let payload = nox_auth::callback::decode(&callback_url)?;
//!         let connection = payload.verify(&session)?;
//!         println!("user {} linked devices {:?}", connection.user_id, connection.device_ids);
//!     }
//!     Err(Error::Validation(e)) => eprintln!("not sent: {e}"),
//!     Err(Error::Api { message, .. }) => eprintln!("NOX refused: {message}"),
//!     Err(e) => eprintln!("{e}"),
//! }
//! # Ok(()) }
//! ```
//!
//! Retries (connection failures and 408/429/502/503/504, 2 by default, honouring
//! `Retry-After`) and a `tracing` span per request (`nox.request`, with the operation
//! id, attempt, status and duration) run inside the generated clients' `ClientHooks`,
//! in [`nox_auth_runtime`].
//!
//! ## Distrusting the server
//!
//! - Redirects are never followed: a 3xx is [`Error::Redirect`] naming the status and the
//!   target origin, so the API key only ever goes to the configured base URL.
//! - A value NOX adds later (a brand, a language, an asset type) keeps the session, as
//!   [`Open::Unknown`]; any 2xx with a valid session body is a success.
//! - An answer that contradicts the request (another user id, a known asset type other
//!   than the one sent, an expiry before the creation) or is not the documented shape is
//!   [`Error::InvalidResponse`], naming the field.
//! - Verification refuses a callback that arrives after its session expired, and all time
//!   arithmetic is checked (no panic at any timestamp or skew).
//!
//! ## Migrating from v1 to v2
//!
//! NOX deprecated v1; its operations are here with `#[deprecated]` and a pointer to
//! their replacement.
//!
//! | v1 | v2 | in this crate |
//! |---|---|---|
//! | `POST /users/{userId}/link` (`redirect_uri`, `language` default `en`, 13 brands) | `POST /v2/supplier/link-sessions` (`user_id`, `asset_type`, `redirect_url`, 56 brands, `language` default `nl`) | `create_link_session_v1` → [`Client::create_supplier_link_session`] |
//! | `POST /manufacturers/suppliers` | `POST /v2/manufacturer/link-sessions` | `connect_supplier_manufacturer_v1` → [`Client::create_manufacturer_link_session`] |
//! | `POST /manufacturers/nox` | `POST /v2/manufacturer/device-connections` | `connect_nox_manufacturer_v1` → [`Client::create_manufacturer_device_connection`] |
//! | envelope `{success, timestamp, data}` | flat object | [`LinkSession`] |
//! | `supplier_id` | `supplier` (a name) | [`LinkSession::supplier`] |
//! | brands with spaces (`saunier duval`) | slugs (`saunier-duval`) | [`Brand`] parses both |
//! | session lifetime "15 minutes" (old guide) | 10 minutes | [`LinkSession::remaining`] |

#![warn(missing_docs)]

pub mod brand;
pub mod callback;
pub mod client;
pub mod error;
pub mod manufacturer;
mod open;
mod send;
pub mod session;
pub mod supplier;
mod validate;

pub use brand::{AssetType, Brand, Language};
pub use client::{Client, ClientBuilder};
pub use error::{ConfigError, Error, TransportKind, ValidationError};
pub use manufacturer::ManufacturerLinkRequest;
pub use nox_auth_runtime::RetryPolicy;
pub use open::{Open, OpenValue};
pub use session::{DeviceConnection, LinkSession, ManufacturerLinkSession};
pub use supplier::{SupplierLinkRequest, V1LinkRequest};
pub use validate::{REFUSED_REDIRECT_SCHEMES, validate_redirect_url};

/// The request runtime (API key, retries, tracing) the generated clients run through.
pub use nox_auth_runtime;
/// The generated v1 clients (deprecated by NOX), for full access.
pub use nox_auth_v1 as v1;
/// The generated v2 clients, for full access.
pub use nox_auth_v2 as v2;
