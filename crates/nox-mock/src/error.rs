//! [`Error`]: what a fallible call of the mock's Rust API can fail with.

use std::fmt;
use std::net::SocketAddr;

use crate::session::CompleteError;

/// Why a call of the mock's Rust API failed. One type for every fallible call
/// ([`crate::MockServer::start`], [`crate::MockServer::inject`],
/// [`crate::MockServer::complete`], [`crate::Fault::check`]…), so that `?` works in a
/// test returning `anyhow::Result` or `Box<dyn std::error::Error>`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The mock could not listen on its address.
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A fault the mock refuses (status outside 400–599, delay above
    /// [`crate::MAX_FAULT_DELAY`], `times` 0).
    InvalidFault {
        /// What is wrong with it.
        reason: String,
    },
    /// [`crate::MAX_FAULTS`] faults are armed already: one must be used up or cleared
    /// first.
    TooManyFaults {
        /// The most armed at once.
        max: usize,
    },
    /// A link session could not be completed.
    Complete(CompleteError),
    /// The `nox_auth::Client` for the mock could not be built.
    Client(Box<nox_auth::Error>),
    /// A setting of the `nox-mock` program is refused.
    Config(String),
    /// A device request the mock refuses: a bulk addition out of range, a visibility
    /// delay over [`crate::MAX_DEVICE_DELAY`], too many marked devices.
    InvalidDevices {
        /// What is wrong with it.
        reason: String,
    },
    /// No device on any listing has this id.
    UnknownDevice {
        /// The id asked for.
        device_id: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Listen { addr, source } => {
                write!(f, "the mock cannot listen on {addr}: {source}")
            }
            Error::InvalidFault { reason } => write!(f, "fault refused: {reason}"),
            Error::TooManyFaults { max } => write!(
                f,
                "fault refused: {max} faults are armed already (the most at once); clear them or let them fire"
            ),
            Error::Complete(e) => write!(f, "cannot complete the link session: {e}"),
            Error::Client(e) => write!(f, "cannot build a client for the mock: {e}"),
            Error::Config(why) => f.write_str(why),
            Error::InvalidDevices { reason } => write!(f, "device request refused: {reason}"),
            Error::UnknownDevice { device_id } => write!(f, "no device has the id `{device_id}`"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Listen { source, .. } => Some(source),
            Error::Complete(e) => Some(e),
            Error::Client(e) => Some(e.as_ref()),
            Error::InvalidFault { .. }
            | Error::TooManyFaults { .. }
            | Error::Config(_)
            | Error::InvalidDevices { .. }
            | Error::UnknownDevice { .. } => None,
        }
    }
}

impl From<CompleteError> for Error {
    fn from(e: CompleteError) -> Self {
        Error::Complete(e)
    }
}
