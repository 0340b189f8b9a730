//! What the contract check calls: the options ([`CheckOptions`], [`LastingCall`],
//! [`LinkedDevice`]) and the plan of calls, each with the outcome the specs lead us to
//! expect.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use nox_auth::Operation;
use nox_auth::nox_auth_runtime::text;

/// Calls that create lasting records at NOX; each runs only when named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LastingCall {
    /// `POST /v2/manufacturer/device-connections`: creates (or finds) a NOX user.
    DeviceConnections,
    /// The v1 manufacturer calls (`/manufacturers/nox`, `/manufacturers/suppliers`).
    V1Manufacturer,
}

impl std::str::FromStr for LastingCall {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "device-connections" => Ok(LastingCall::DeviceConnections),
            "v1-manufacturer" => Ok(LastingCall::V1Manufacturer),
            other => Err(format!(
                "`{}` is not a call that creates records; use device-connections or v1-manufacturer",
                text::excerpt(other, 64)
            )),
        }
    }
}

/// A device you linked, to ask the Package API whose `user_id` it lists it for (the
/// open question whether that is your user id or NOX's): `GET /v1/devices?device_id=…`,
/// so a heat pump (the listing NOX documents a `device_id` and `user_id` filter for).
///
/// ```
/// let device = nox_contract::LinkedDevice::new("hp-123").user_id("user-42").nox_user_id("nox-9");
/// assert_eq!(device.user_id.as_deref(), Some("user-42"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LinkedDevice {
    /// NOX's id of the device (from the callback's `device_ids`).
    pub device_id: String,
    /// Your user id the link session was created with, to compare with.
    pub user_id: Option<String>,
    /// NOX's id of that user (the callback's `nox_user_id`), to compare with.
    pub nox_user_id: Option<String>,
}

impl LinkedDevice {
    /// The device `device_id`, with nothing to compare its `user_id` with.
    pub fn new(device_id: impl Into<String>) -> Self {
        LinkedDevice {
            device_id: device_id.into(),
            user_id: None,
            nox_user_id: None,
        }
    }

    /// Your user id the device was linked for.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// NOX's id of that user.
    pub fn nox_user_id(mut self, nox_user_id: impl Into<String>) -> Self {
        self.nox_user_id = Some(nox_user_id.into());
        self
    }
}

/// What to check, and where.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CheckOptions {
    /// The NOX base URL (v1 at its root, v2 under `/v2`).
    pub base_url: String,
    /// The API key. Sent only to `base_url` and the Package API's base URL; never shown.
    pub api_key: String,
    /// The Package API's base URL; default beside the Authenticator, as the SDK's
    /// `ClientBuilder::package_base_url` (`api.nox.energy` for production, the base URL
    /// itself for a mock).
    pub package_base_url: Option<String>,
    /// The Package API's own key, if it has one: then the Package API's calls send it,
    /// except the question whether the Authenticator key reads the Package API. Never shown.
    pub package_api_key: Option<String>,
    /// A device you linked: adds the question whose `user_id` the Package API lists it for.
    pub linked_device: Option<LinkedDevice>,
    /// Add the v1 supplier call.
    pub v1: bool,
    /// Calls that create lasting records, each named.
    pub lasting: Vec<LastingCall>,
    /// Time for each call.
    pub timeout: Duration,
}

impl CheckOptions {
    /// Options for `base_url` and `api_key`: v2 only, nothing lasting, the Package API
    /// beside the Authenticator with the same key, no device, 20 s per call.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<String>) -> Self {
        CheckOptions {
            base_url: base_url.into(),
            api_key: api_key.into(),
            package_base_url: None,
            package_api_key: None,
            linked_device: None,
            v1: false,
            lasting: Vec::new(),
            timeout: Duration::from_secs(20),
        }
    }
}

/// One planned call.
pub(crate) struct Call {
    pub(crate) name: &'static str,
    pub(crate) op: Operation,
    /// Another path than the operation's (a question whether it lives elsewhere).
    pub(crate) path: Option<&'static str>,
    /// The JSON body (a POST), or the query (a GET).
    pub(crate) body: Value,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) key: KeyHeader,
    /// The outcome the specs lead us to expect; another is a finding.
    pub(crate) expect: Expect,
}

#[derive(Clone, Copy)]
pub(crate) enum KeyHeader {
    /// The Authenticator key.
    Right,
    /// The Package API's key (the Authenticator key unless it has its own).
    Package,
    Wrong,
    /// `Authorization: ApiKey <key>` instead of `x-api-key` (an open question for v2).
    Authorization,
    /// No key at all (is the operation a browser endpoint?).
    Omit,
}

#[derive(Clone, Copy)]
pub(crate) enum Expect {
    /// A 2xx; anything else breaks the SDK's calls.
    Success,
    /// This documented error status; another outcome is reported, not breaking.
    Status(u16),
    /// An open question: whatever happens is the answer.
    Question,
    /// The question whose `user_id` the Package API lists a linked device for: a 200's
    /// page is the answer, another status a refusal.
    Owner,
}

pub(crate) fn plan(options: &CheckOptions, user: &str) -> Vec<Call> {
    let cb = "https://example.com/nox-contract-check/callback";
    let supplier = |extra: Value| {
        let mut body =
            json!({"user_id": user, "asset_type": "hp", "redirect_url": cb, "language": "en"});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            for (k, v) in e {
                if v.is_null() {
                    b.remove(&k);
                } else {
                    b.insert(k, v);
                }
            }
        }
        body
    };
    let mut calls = vec![
        Call {
            name: "v2 supplier link session",
            path: None,
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({})),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Success,
        },
        Call {
            name: "v2 manufacturer link session",
            path: None,
            op: Operation::CreateManufacturerLinkSession,
            body: json!({"user_id": user, "redirect_url": cb, "language": "en"}),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Success,
        },
        Call {
            name: "missing required field (redirect_url) → 400",
            path: None,
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({"redirect_url": null})),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Status(400),
        },
        Call {
            name: "wrong key → 401",
            path: None,
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({})),
            query: Vec::new(),
            key: KeyHeader::Wrong,
            expect: Expect::Status(401),
        },
        Call {
            name: "brand not valid for the asset type (hp + sma) → 400",
            path: None,
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({"brand": "sma"})),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Status(400),
        },
        Call {
            name: "question: does v2 accept `Authorization: ApiKey <key>`?",
            path: None,
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({})),
            query: Vec::new(),
            key: KeyHeader::Authorization,
            expect: Expect::Question,
        },
        Call {
            name: "question: does NOX accept a redirect_url with a query (the state nonce of nox-auth-axum)?",
            path: None,
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({"redirect_url": format!("{cb}?nox_state=contract-check")})),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Question,
        },
        Call {
            name: "question: is asset_type required?",
            path: None,
            op: Operation::CreateSupplierLinkSession,
            body: supplier(json!({"asset_type": null})),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Question,
        },
    ];
    // The Package API, read-only: what the SDK's listings send, and open questions.
    let page = |query: Vec<(&'static str, String)>| Call {
        name: "",
        op: Operation::GetDevices,
        path: None,
        body: Value::Null,
        query,
        key: KeyHeader::Package,
        expect: Expect::Question,
    };
    calls.push(Call {
        name: "question: does the Authenticator key read the Package API (GET /v1/devices, limit=1)?",
        key: KeyHeader::Right,
        ..page(vec![("limit", "1".into())])
    });
    calls.push(Call {
        name: "question: an unknown device_id: 404, 403, or an empty page?",
        ..page(vec![("device_id", user.to_owned()), ("limit", "1".into())])
    });
    if let Some(device) = &options.linked_device {
        calls.push(Call {
            name: "question: whose user_id does the Package API list your device for (yours or NOX's)?",
            expect: Expect::Owner,
            ..page(vec![
                ("device_id", device.device_id.clone()),
                ("limit", "1".into()),
            ])
        });
    }
    calls.push(Call {
        name: "Package API: limit=0 → 422",
        expect: Expect::Status(422),
        ..page(vec![("limit", "0".into())])
    });
    if options.v1 {
        calls.push(Call {
            name: "v1 supplier link session",
            path: None,
            op: Operation::CreateLinkSession,
            body: json!({"redirect_uri": cb, "language": "en"}),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Success,
        });
    }
    if options.lasting.contains(&LastingCall::DeviceConnections) {
        calls.push(Call {
            name: "v2 manufacturer device connection (creates a NOX user)",
            path: None,
            op: Operation::CreateManufacturerDeviceConnection,
            body: json!({"user_id": user}),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Success,
        });
    }
    if options.lasting.contains(&LastingCall::V1Manufacturer) {
        calls.push(Call {
            name: "v1 manufacturer connection to NOX (creates a NOX user)",
            path: None,
            op: Operation::ConnectNoxManufacturer,
            body: json!({"manufacturer_user_id": user, "device_ids": []}),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Success,
        });
        calls.push(Call {
            name: "v1 manufacturer supplier flow",
            path: None,
            op: Operation::ConnectSupplierManufacturer,
            body: json!({"manufacturer_user_id": user, "redirect_url": cb, "language": "en", "device_ids": []}),
            query: Vec::new(),
            key: KeyHeader::Right,
            expect: Expect::Success,
        });
    }
    calls
}
