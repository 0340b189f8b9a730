//! What the mock keeps of a link session and a NOX user, and why completing one can fail.

use std::fmt;

use nox_auth::{AssetType, Brand, Language};
use serde::Serialize;

/// Who created a link session, and for what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SessionKind {
    /// v2 `POST /v2/supplier/link-sessions`.
    Supplier {
        /// Heat pump or PV.
        asset_type: AssetType,
        /// The pre-selected brand.
        brand: Option<Brand>,
    },
    /// v2 `POST /v2/manufacturer/link-sessions`.
    Manufacturer,
    /// v1 `POST /users/{userId}/link`.
    V1Supplier {
        /// The pre-selected brand.
        brand: Option<Brand>,
    },
    /// v1 `POST /manufacturers/suppliers`.
    V1Manufacturer,
}

/// A link session as the mock holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Session {
    /// The unguessable token.
    pub token: String,
    /// Supplier or manufacturer, v1 or v2.
    #[serde(flatten)]
    pub kind: SessionKind,
    /// The caller's user id (supplier or manufacturer user id).
    pub user_id: String,
    /// The UI language.
    pub language: Language,
    /// Where the user is sent back to.
    pub redirect_url: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub expires_at: u64,
    /// Unix seconds, once completed.
    pub completed_at: Option<u64>,
    /// The device ids the completion connected.
    pub device_ids: Vec<String>,
    /// Where the completion sent the user (the redirect URL with the callback), once
    /// completed.
    pub callback_url: Option<String>,
}

impl Session {
    /// The asset type of a v2 supplier session (v1 supplier sessions are heat pumps).
    pub fn asset_type(&self) -> Option<AssetType> {
        match &self.kind {
            SessionKind::Supplier { asset_type, .. } => Some(*asset_type),
            SessionKind::V1Supplier { .. } => Some(AssetType::Hp),
            _ => None,
        }
    }

    /// `pending`, `completed` or `expired` at `now` (Unix seconds).
    pub fn state(&self, now: u64) -> &'static str {
        if self.completed_at.is_some() {
            "completed"
        } else if now >= self.expires_at {
            "expired"
        } else {
            "pending"
        }
    }

    /// The pre-selected brand, if any.
    pub fn brand(&self) -> Option<Brand> {
        match &self.kind {
            SessionKind::Supplier { brand, .. } | SessionKind::V1Supplier { brand } => *brand,
            _ => None,
        }
    }

    /// As the control API lists it: the stored fields, its state at `now` and its asset type.
    pub(crate) fn control_json(&self, now: u64) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v["state"] = serde_json::json!(self.state(now));
        v["asset_type"] = serde_json::json!(self.asset_type());
        v
    }
}

/// Why a link session could not be completed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompleteError {
    /// No session has this token.
    UnknownToken,
    /// The session expired before completion.
    Expired,
    /// The session was completed already.
    AlreadyCompleted,
    /// The brand is not valid for the session (asset type or pre-selection).
    InvalidBrand(String),
    /// No device id given.
    NoDevices,
    /// Too many device ids, or one too long or with control characters
    /// ([`MAX_DEVICE_IDS`](crate::MAX_DEVICE_IDS), [`MAX_DEVICE_ID_BYTES`](crate::MAX_DEVICE_ID_BYTES)).
    InvalidDeviceIds(String),
    /// The session's redirect URL cannot carry the callback.
    RedirectUrl(String),
}

impl fmt::Display for CompleteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompleteError::UnknownToken => f.write_str("unknown link token"),
            CompleteError::Expired => f.write_str("the link session has expired"),
            CompleteError::AlreadyCompleted => {
                f.write_str("the link session was already completed")
            }
            CompleteError::InvalidBrand(why) => write!(f, "invalid brand: {why}"),
            CompleteError::NoDevices => f.write_str("at least one device id is needed"),
            CompleteError::InvalidDeviceIds(why) => write!(f, "invalid device ids: {why}"),
            CompleteError::RedirectUrl(why) => {
                write!(f, "the redirect URL cannot carry the callback: {why}")
            }
        }
    }
}

impl std::error::Error for CompleteError {}

/// A NOX subscriber the mock knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NoxUser {
    /// NOX's id.
    pub nox_user_id: String,
    /// The devices linked now (a re-link replaces them).
    pub device_ids: Vec<String>,
}
