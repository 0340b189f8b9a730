//! The crate documentation is the README (one text for crates.io and docs.rs).
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// A flat root: every public item is re-exported here; only `callback` and `time` are
// modules of their own (their names read best qualified: `callback::decode`,
// `time::unix_seconds`).
mod base_url;
mod brand;
mod builder;
pub mod callback;
mod client;
mod confirm;
mod confirm_error;
mod devices;
mod error;
mod health;
mod manufacturer;
mod open;
mod parse;
mod send;
mod session;
mod supplier;
mod supplier_oauth;
pub mod time;
mod trust;
mod validate;

pub use base_url::{DEFAULT_PACKAGE_BASE_URL, SANDBOX_PACKAGE_BASE_URL};
pub use brand::{AssetType, Brand, Language};
pub use builder::ClientBuilder;
pub use client::{
    Client, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_TIMEOUT,
    ENV_API_KEY, ENV_BASE_URL, ENV_PACKAGE_API_KEY, ENV_PACKAGE_BASE_URL, MAX_PAGE_BYTES,
};
pub use confirm::{
    BindTo, ConfirmOptions, ConfirmedConnection, DEFAULT_CONFIRM_WAIT, MAX_CONFIRM_DEVICES,
    MAX_CONFIRM_WAIT, MIN_CONFIRM_TIME, NOX_LAG,
};
pub use confirm_error::ConfirmError;
pub use devices::{
    DEFAULT_PAGE_SIZE, DeviceQuery, DeviceStream, HeatPump, MAX_EMPTY_PAGES, MAX_PAGE_SIZE,
    MAX_TOKEN_LEN, ManufacturerDevice, PvInverter,
};
pub use error::{BODY_EXCERPT_LIMIT, ConfigError, Error, TransportKind, ValidationError};
pub use health::{DeviceHealth, Health, Listing, MAX_SCANNED_DEVICES, MAX_SCANNED_PAGES};
pub use manufacturer::ManufacturerLinkRequest;
pub use nox_auth_runtime::{MIN_ATTEMPT, Operation, RetryPolicy, UnknownOperation};
pub use open::{Open, OpenValue};
#[allow(deprecated)]
pub use session::LinkSession;
pub use session::{DeviceConnection, ManufacturerLinkSession, SupplierLinkSession};
pub use supplier::SupplierLinkRequest;
#[cfg(feature = "v1")]
pub use supplier::V1LinkRequest;
pub use supplier_oauth::{
    LoginShared, MAX_SHARE_ANSWER_BYTES, MAX_STATE_LEN, MAX_SUPPLIER_USER_ID_LEN,
};
pub use trust::NOX_LINK_HOSTS;
pub use validate::{REFUSED_REDIRECT_SCHEMES, validate_redirect_url};

/// The request runtime (API key, retries, tracing) the generated clients run through.
pub use nox_auth_runtime;
/// The generated v1 clients (deprecated by NOX), for full access (feature `v1`).
#[cfg(feature = "v1")]
pub use nox_auth_v1 as v1;
/// The generated v2 clients, for full access.
pub use nox_auth_v2 as v2;
/// The generated Package API client (device endpoints), for full access.
pub use nox_package_v1 as package;
