//! Property tests of callbacks: encoding round-trips, arbitrary input never panics, and
//! verification at extreme times and skews gives a result or an error.

use crate::common;

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use common::{B64, at, payload, payload_json, raw, session, verify};
use nox_auth::callback::{self, CallbackError, CallbackPayload, VerifyError, VerifyOptions};
use nox_auth::{AssetType, Brand, SupplierLinkSession};
use proptest::prelude::*;
use serde_json::{Value, json};

// ------------------------------------------------------------------ properties

fn arb_payload() -> impl Strategy<Value = CallbackPayload> {
    (
        "\\PC{1,40}",
        "\\PC{1,40}",
        prop_oneof![Just("daikin".to_owned()), "[a-z-]{1,20}"],
        prop::collection::vec("\\PC{0,40}", 0..30),
        0u64..4_000_000_000,
    )
        .prop_filter("text fields are not blank", |(a, b, c, _, _)| {
            !a.trim().is_empty() && !b.trim().is_empty() && !c.trim().is_empty()
        })
        .prop_map(|(nox_user_id, supplier_user_id, brand, device_ids, t)| {
            CallbackPayload::new(nox_user_id, supplier_user_id, brand, device_ids, at(t))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_then_decode_gives_the_same_payload(p in arb_payload()) {
        let data = p.encode();
        prop_assert_eq!(callback::decode_data(&data), Ok(p.clone()));
        prop_assert_eq!(callback::decode(&data), Ok(p.clone()));
        let url = p.redirect_url("myapp://nox/callback?state=s").unwrap();
        prop_assert_eq!(callback::decode(&url), Ok(p));
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,600}") {
        let _ = callback::decode(&s);
        let _ = callback::decode_query(&s);
        let _ = callback::decode_data(&s);
        let _ = callback::decode_v1(&s);
        let _ = callback::decode(&format!("https://x.example/cb?data={s}"));
    }

    #[test]
    fn arbitrary_bytes_behind_valid_base64_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let data = B64.encode(&bytes);
        match callback::decode_data(&data) {
            Ok(_) | Err(_) => {}
        }
    }

    #[test]
    fn arbitrary_json_values_never_panic(v in arb_json()) {
        let _ = callback::decode_data(&raw(&v));
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("nox_user_id".to_owned()),
                    Just("supplier_user_id".to_owned()),
                    Just("brand".to_owned()),
                    Just("device_ids".to_owned()),
                    Just("connected_at".to_owned()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let e = callback::decode_data(&B64.encode(&deep)).unwrap_err();
    assert!(matches!(e, CallbackError::InvalidJson { .. }), "{e:?}");
}

// ------------------------------------------------------------------ extreme values

/// Seconds at the edges: 0, 1, `i64::MAX`, `u64::MAX`, and what lies between.
fn edge_secs() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(i64::MAX as u64),
        Just(u64::MAX),
        any::<u64>(),
        0u64..4_000_000_000,
    ]
}

fn edge_skew() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_secs(1)),
        Just(Duration::from_secs(i64::MAX as u64)),
        Just(Duration::from_secs(u64::MAX)),
        Just(Duration::MAX),
        any::<u64>().prop_map(Duration::from_secs),
    ]
}

/// A time the way the SDK gets one: Unix seconds from JSON (NOX's answer or a stored
/// session); `None` where the value cannot be a `SystemTime` or an `i64`.
fn session_from_json(
    created: u64,
    expires: u64,
    completed: Option<u64>,
) -> Option<SupplierLinkSession> {
    serde_json::from_value(json!({
        "link_url": "https://auth.nox.energy/ui?token=t", "link_token": "t", "user_id": "user-42",
        "asset_type": "hp", "brand": null, "language": "nl", "redirect_url": "https://example.com/cb",
        "supplier": "Acme", "created_at": created, "expires_at": expires, "completed_at": completed,
    }))
    .ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Verification at any combination of extreme times and skews gives a result or an
    /// error, never a panic; whatever passes obeys the rules.
    #[test]
    fn extreme_times_and_skews_never_panic(
        created in edge_secs(),
        expires in edge_secs(),
        completed in prop::option::of(edge_secs()),
        connected in edge_secs(),
        now in edge_secs(),
        skew in edge_skew(),
    ) {
        let Some(session) = session_from_json(created, expires, completed) else {
            return Ok(());
        };
        // The session's own helpers at the extremes.
        let now_t = UNIX_EPOCH.checked_add(Duration::from_secs(now)).unwrap_or(session.times.expires_at);
        let _ = (session.times.is_expired(now_t), session.times.remaining(now_t), session.times.lifetime());
        // The payload the way a callback delivers it: decoded from `?data=`.
        let mut raw_payload = payload_json();
        raw_payload["connected_at"] = json!(connected);
        let Ok(p) = callback::decode_data(&raw(&raw_payload)) else {
            return Ok(());
        };
        let options = VerifyOptions::default().clock_skew(skew);
        if let Ok(v) = p.verify_supplier_with(&session, now_t, &options) {
            prop_assert_eq!(v.user_id, "user-42");
            // Passed, so the session had not expired beyond the skew.
            if let Some(latest) = session.times.expires_at.checked_add(skew) {
                prop_assert!(now_t <= latest);
            }
        }
        // The error texts too (they format the seconds).
        if let Err(e) = p.verify_supplier_with(&session, now_t, &options) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn the_named_extremes_each_give_a_result() {
    // `expires_at = i64::MAX`: the facade accepts it from the server; verifying panicked.
    let s =
        session_from_json(1_703_123_456, i64::MAX as u64, None).expect("i64::MAX is a valid time");
    assert!(verify(&payload(), &s).is_ok());
    // `clock_skew = Duration::MAX`.
    let huge = VerifyOptions::default().clock_skew(Duration::MAX);
    let s = session(Some(Brand::SaunierDuval), AssetType::Hp);
    assert!(
        payload()
            .verify_supplier_with(&s, at(1_703_123_600), &huge)
            .is_ok()
    );
    // `now` at the end of what the clock can hold.
    let end = UNIX_EPOCH + Duration::from_secs(i64::MAX as u64);
    assert!(matches!(
        payload().verify_supplier_with(&s, end, &VerifyOptions::default()),
        Err(VerifyError::SessionExpired { .. })
    ));
    // Seconds past what a session can hold are refused when read, not later.
    assert!(session_from_json(u64::MAX, u64::MAX, None).is_none());
}
