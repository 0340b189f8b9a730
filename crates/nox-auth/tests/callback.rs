//! Callback decoding, encoding and verification: a table of good and bad inputs,
//! snapshots of the error messages, and property tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use nox_auth::callback::{
    self, CallbackError, CallbackPayload, MAX_DATA_LEN, MAX_INPUT_LEN, VerifyError, VerifyOptions,
};
use nox_auth::{AssetType, Brand, Language, Open, SupplierLinkSession};
use proptest::prelude::*;
use serde_json::{Value, json};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn payload() -> CallbackPayload {
    CallbackPayload::new(
        "nox-123",
        "user-42",
        "saunier-duval",
        vec!["dev-1".into(), "dev-2".into(), "dev-3".into()],
        at(1_703_123_500),
    )
}

fn raw(v: &Value) -> String {
    B64.encode(v.to_string())
}

fn payload_json() -> Value {
    json!({
        "nox_user_id": "nox-123",
        "supplier_user_id": "user-42",
        "brand": "saunier-duval",
        "device_ids": ["dev-1", "dev-2", "dev-3"],
        "connected_at": 1703123500
    })
}

#[test]
fn good_inputs() {
    let data = payload().encode();
    let padded = {
        let mut d = data.clone();
        while !d.len().is_multiple_of(4) {
            d.push('=');
        }
        d
    };
    assert_ne!(
        padded, data,
        "this payload needs padding, so the padded cases test something"
    );
    let pct_padded = padded.replace('=', "%3D");
    let cases = [
        format!("https://example.com/nox/callback?data={data}"),
        format!("https://example.com/nox/callback?state=xyz&data={data}&lang=nl#section"),
        format!("myapp://nox/callback?data={data}"),
        format!("/callback?data={data}"),
        format!("?data={data}"),
        format!("data={data}"),
        format!("state=1&data={data}"),
        data.clone(),
        padded.clone(),
        format!("https://example.com/cb?data={pct_padded}"),
        format!("data={pct_padded}"),
        format!("  https://example.com/cb?data={data}\n"),
    ];
    for input in &cases {
        assert_eq!(callback::decode(input).as_ref(), Ok(&payload()), "{input}");
    }
    assert_eq!(
        callback::decode_query(&format!("?a=1&data={data}")),
        Ok(payload())
    );
    assert_eq!(callback::decode_data(&padded), Ok(payload()));
}

#[test]
fn unknown_fields_are_ignored_and_unknown_brands_kept() {
    let mut v = payload_json();
    v["brand"] = json!("new-brand-2027");
    v["extra"] = json!({"deep": [1, 2, {"x": null}]});
    let p = callback::decode_data(&raw(&v)).unwrap();
    assert_eq!(p.brand, "new-brand-2027");
    assert_eq!(p.known_brand(), None);
    let p = callback::decode_data(&raw(&payload_json())).unwrap();
    assert_eq!(p.known_brand(), Some(Brand::SaunierDuval));
    let mut v = payload_json();
    v["brand"] = json!("saunier duval");
    assert_eq!(
        callback::decode_data(&raw(&v)).unwrap().known_brand(),
        Some(Brand::SaunierDuval)
    );
}

#[test]
fn two_hundred_uuid_device_ids_pass_the_size_limit() {
    let mut p = payload();
    p.device_ids = (0..200)
        .map(|i| format!("7c9e6679-7425-40de-944b-e07fc1f9{i:04}"))
        .collect();
    let url = p.redirect_url("https://example.com/cb").unwrap();
    assert!(url.len() > 10_000, "{}", url.len());
    assert_eq!(callback::decode(&url), Ok(p));
}

/// (label, input, expected error)
fn bad_inputs() -> Vec<(&'static str, String, CallbackError)> {
    let obj = |f: &dyn Fn(&mut Value)| {
        let mut v = payload_json();
        f(&mut v);
        raw(&v)
    };
    let data = payload().encode();
    vec![
        (
            "no data parameter",
            "https://example.com/cb?state=1".into(),
            CallbackError::MissingData,
        ),
        (
            "no query at all",
            "https://example.com/cb".into(),
            CallbackError::MissingData,
        ),
        (
            "data only in the fragment",
            format!("https://example.com/cb#data={data}"),
            CallbackError::MissingData,
        ),
        (
            "empty data",
            "https://example.com/cb?data=".into(),
            CallbackError::EmptyData,
        ),
        ("empty query data", "data=".into(), CallbackError::EmptyData),
        ("empty input", "   ".into(), CallbackError::EmptyData),
        (
            "data twice",
            format!("?data={data}&data={data}"),
            CallbackError::DuplicateData,
        ),
        (
            "too large",
            format!(
                "https://example.com/cb?data={}",
                "A".repeat(MAX_DATA_LEN + 1)
            ),
            CallbackError::TooLarge {
                what: "`data` value",
                len: MAX_DATA_LEN + 1,
                limit: MAX_DATA_LEN,
            },
        ),
        (
            "invalid base64 character",
            format!("{}!{}", &data[..10], &data[11..]),
            CallbackError::InvalidBase64 {
                position: 10,
                detail: "`!` at offset 10 is not a base64url character".into(),
            },
        ),
        (
            "standard base64 alphabet",
            "ab+d".into(),
            CallbackError::InvalidBase64 {
                position: 2,
                detail:
                    "`+` at offset 2 belongs to standard base64; NOX uses base64url (`-` and `_`)"
                        .into(),
            },
        ),
        (
            "truncated base64",
            "eyJhIjox0".into(),
            CallbackError::InvalidBase64 {
                position: 9,
                detail: "9 base64 characters cannot be a whole encoding (truncated?)".into(),
            },
        ),
        (
            "not utf-8",
            B64.encode([b'{', b'"', 0xff, 0xfe]),
            CallbackError::NotUtf8 { position: 2 },
        ),
        (
            "not json",
            B64.encode("hello"),
            CallbackError::InvalidJson {
                line: 1,
                column: 1,
                message: "expected value".into(),
            },
        ),
        (
            "truncated json",
            B64.encode("{\"nox_user_id\": \"n\",\n \"brand\""),
            CallbackError::InvalidJson {
                line: 2,
                column: 8,
                message: "EOF while parsing an object".into(),
            },
        ),
        (
            "json array",
            raw(&json!([1, 2])),
            CallbackError::NotAnObject { found: "an array" },
        ),
        (
            "json string",
            raw(&json!("x")),
            CallbackError::NotAnObject { found: "a string" },
        ),
        (
            "missing nox_user_id",
            obj(&|v| {
                v.as_object_mut().unwrap().remove("nox_user_id");
            }),
            CallbackError::MissingField {
                field: "nox_user_id",
            },
        ),
        (
            "missing supplier_user_id",
            obj(&|v| {
                v.as_object_mut().unwrap().remove("supplier_user_id");
            }),
            CallbackError::MissingField {
                field: "supplier_user_id",
            },
        ),
        (
            "missing brand",
            obj(&|v| {
                v.as_object_mut().unwrap().remove("brand");
            }),
            CallbackError::MissingField { field: "brand" },
        ),
        (
            "missing device_ids",
            obj(&|v| {
                v.as_object_mut().unwrap().remove("device_ids");
            }),
            CallbackError::MissingField {
                field: "device_ids",
            },
        ),
        (
            "missing connected_at",
            obj(&|v| {
                v.as_object_mut().unwrap().remove("connected_at");
            }),
            CallbackError::MissingField {
                field: "connected_at",
            },
        ),
        (
            "empty supplier_user_id",
            obj(&|v| v["supplier_user_id"] = json!("")),
            CallbackError::EmptyField {
                field: "supplier_user_id",
            },
        ),
        (
            "nox_user_id a number",
            obj(&|v| v["nox_user_id"] = json!(12)),
            CallbackError::WrongType {
                field: "nox_user_id".into(),
                expected: "a string",
                found: "a number",
            },
        ),
        (
            "device_ids a string",
            obj(&|v| v["device_ids"] = json!("dev-1")),
            CallbackError::WrongType {
                field: "device_ids".into(),
                expected: "an array of strings",
                found: "a string",
            },
        ),
        (
            "device id a number",
            obj(&|v| v["device_ids"] = json!(["a", "b", 3])),
            CallbackError::WrongType {
                field: "device_ids[2]".into(),
                expected: "a string",
                found: "a number",
            },
        ),
        (
            "connected_at a string",
            obj(&|v| v["connected_at"] = json!("1703123500")),
            CallbackError::WrongType {
                field: "connected_at".into(),
                expected: "a Unix timestamp in seconds",
                found: "a string",
            },
        ),
        (
            "connected_at negative",
            obj(&|v| v["connected_at"] = json!(-1)),
            CallbackError::WrongType {
                field: "connected_at".into(),
                expected: "a non-negative whole number of seconds",
                found: "a negative number",
            },
        ),
        (
            "connected_at fractional",
            obj(&|v| v["connected_at"] = json!(1.5)),
            CallbackError::WrongType {
                field: "connected_at".into(),
                expected: "a non-negative whole number of seconds",
                found: "a fraction",
            },
        ),
    ]
}

#[test]
fn bad_inputs_yield_their_error() {
    let mut messages = String::new();
    for (label, input, expected) in bad_inputs() {
        let got = callback::decode(&input);
        assert_eq!(got.as_ref().err(), Some(&expected), "{label}: {input:.80}");
        let message = expected.to_string();
        assert!(message.len() < 300, "{label}: message too long");
        messages.push_str(&format!("{label}: {message}\n"));
    }
    insta::assert_snapshot!("callback_error_messages", messages);
}

#[test]
fn oversize_input_is_refused_before_decoding_at_every_entry_point() {
    let huge = format!("https://example.com/cb?data={}", "A".repeat(MAX_INPUT_LEN));
    for result in [
        callback::decode(&huge).map(|_| ()),
        callback::decode_query(&huge).map(|_| ()),
        callback::decode_data(&huge).map(|_| ()),
        callback::decode_v1(&huge).map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(CallbackError::TooLarge { .. })),
            "{result:?}"
        );
    }
}

#[test]
fn errors_never_echo_a_large_payload() {
    let secretish = "X".repeat(5000);
    let mut v = payload_json();
    v["nox_user_id"] = json!(7);
    v["padding"] = json!(secretish);
    let e = callback::decode_data(&raw(&v)).unwrap_err();
    assert!(!e.to_string().contains("XXXXXXXXXX"), "{e}");
    let e = callback::decode_data(&format!("{}~", "A".repeat(20_000))).unwrap_err();
    assert!(e.to_string().len() < 200, "{e}");
}

#[test]
fn redirect_url_keeps_the_existing_query_and_replaces_data() {
    let p = payload();
    let url = p
        .redirect_url("https://example.com/cb?state=a%20b&data=old&x=1")
        .unwrap();
    assert!(
        url.starts_with("https://example.com/cb?state=a+b&x=1&data="),
        "{url}"
    );
    assert_eq!(url.matches("data=").count(), 1);
    assert_eq!(callback::decode(&url), Ok(p.clone()));
    assert!(matches!(
        p.redirect_url("/relative"),
        Err(CallbackError::InvalidRedirectUrl { .. })
    ));
    assert!(matches!(
        p.redirect_url("mailto:a@b.c"),
        Err(CallbackError::InvalidRedirectUrl { .. })
    ));
}

#[test]
fn encoding_is_canonical() {
    let data = payload().encode();
    assert!(!data.contains(['=', '+', '/']));
    let json: Value = serde_json::from_slice(&B64.decode(&data).unwrap()).unwrap();
    assert_eq!(json, payload_json());
    let text = String::from_utf8(B64.decode(&data).unwrap()).unwrap();
    assert!(text.starts_with("{\"nox_user_id\":"), "{text}");
}

#[cfg(feature = "schemars")]
#[test]
fn payload_publishes_a_json_schema() {
    let schema = serde_json::to_value(schemars::schema_for!(CallbackPayload)).unwrap();
    let required = schema["required"].as_array().unwrap();
    assert_eq!(required.len(), 5, "{schema}");
    assert_eq!(serde_json::to_value(payload()).unwrap(), payload_json());
}

#[test]
fn v1_redirect_parameters() {
    let v1 = callback::decode_v1(
        "/cb?nox_user_id=unique_nox_id&supplier_user_id=supplier_user_id_123&manufacturer=manufacturer_brand_123&connection_status=connected&connected_at=1640995200",
    )
    .unwrap();
    assert_eq!(v1.nox_user_id, "unique_nox_id");
    assert_eq!(v1.manufacturer, "manufacturer_brand_123");
    assert_eq!(v1.connected_at, at(1_640_995_200));
    assert_eq!(
        callback::decode_v1("nox_user_id=a&supplier_user_id=b&manufacturer=c&connected_at=1")
            .unwrap_err(),
        CallbackError::MissingField {
            field: "connection_status"
        }
    );
    assert!(matches!(
        callback::decode_v1(
            "nox_user_id=a&supplier_user_id=b&manufacturer=c&connection_status=x&connected_at=yesterday"
        ),
        Err(CallbackError::WrongType { .. })
    ));
}

// ------------------------------------------------------------------ verification

/// A session as a backend stores it (JSON), with the brand and asset type given; a
/// `SupplierLinkSession` is `#[non_exhaustive]`, so outside the crate it comes from NOX or from JSON.
fn session(brand: Option<Brand>, asset_type: AssetType) -> SupplierLinkSession {
    let mut s: SupplierLinkSession = serde_json::from_value(json!({
        "link_url": "https://auth.nox.energy/ui?token=tok", "link_token": "tok", "user_id": "user-42",
        "asset_type": "hp", "brand": null, "language": "nl", "redirect_url": "https://example.com/cb",
        "supplier": "Acme", "created_at": 1_703_123_456, "expires_at": 1_703_124_056, "completed_at": null
    }))
    .unwrap();
    s.asset_type = asset_type.into();
    s.brand = brand.map(Into::into);
    assert_eq!(s.language, Language::Nl);
    s
}

fn verify(
    p: &CallbackPayload,
    s: &SupplierLinkSession,
) -> Result<callback::VerifiedConnection, VerifyError> {
    p.verify_supplier_with(s, at(1_703_123_600), &VerifyOptions::default())
}

#[test]
fn verification_passes_for_the_matching_session() {
    let v = verify(
        &payload(),
        &session(Some(Brand::SaunierDuval), AssetType::Hp),
    )
    .unwrap();
    assert_eq!(v.user_id, "user-42");
    assert_eq!(v.link_token, "tok");
    assert_eq!(v.known_brand, Some(Brand::SaunierDuval));
    assert_eq!(v.device_ids.len(), 3);
    // No pre-selected brand: any brand valid for the asset type passes.
    assert!(verify(&payload(), &session(None, AssetType::Hp)).is_ok());
}

#[test]
fn each_rule_fails_with_its_error() {
    let s = session(Some(Brand::SaunierDuval), AssetType::Hp);
    let mut messages = String::new();

    let mut p = payload();
    p.supplier_user_id = "user-43".into();
    let e = verify(&p, &s).unwrap_err();
    assert_eq!(
        e,
        VerifyError::UserMismatch {
            expected: "user-42".into(),
            found: "user-43".into()
        }
    );
    messages.push_str(&format!("{e}\n"));

    let mut p = payload();
    p.connected_at = at(1_703_124_056 + 61);
    let e = verify(&p, &s).unwrap_err();
    assert!(
        matches!(e, VerifyError::OutsideSessionLifetime { .. }),
        "{e:?}"
    );
    messages.push_str(&format!("{e}\n"));
    p.connected_at = at(1_703_124_056 + 60);
    assert!(
        p.verify_supplier_with(&s, at(1_703_124_056 + 60), &VerifyOptions::default())
            .is_ok(),
        "within skew"
    );
    p.connected_at = at(1_703_123_456 - 61);
    assert!(matches!(
        verify(&p, &s),
        Err(VerifyError::OutsideSessionLifetime { .. })
    ));

    let mut p = payload();
    p.connected_at = at(1_703_123_900);
    let e = p
        .verify_supplier_with(&s, at(1_703_123_700), &VerifyOptions::default())
        .unwrap_err();
    assert!(matches!(e, VerifyError::InTheFuture { .. }), "{e:?}");
    messages.push_str(&format!("{e}\n"));

    let mut p = payload();
    p.brand = "vaillant".into();
    let e = verify(&p, &s).unwrap_err();
    assert_eq!(
        e,
        VerifyError::BrandMismatch {
            expected: "saunier-duval".into(),
            found: "vaillant".into()
        }
    );
    messages.push_str(&format!("{e}\n"));

    let mut p = payload();
    p.brand = "sma".into();
    let e = verify(&p, &session(None, AssetType::Hp)).unwrap_err();
    assert_eq!(
        e,
        VerifyError::BrandNotForAssetType {
            brand: Brand::Sma,
            asset_type: AssetType::Hp
        }
    );
    messages.push_str(&format!("{e}\n"));

    let mut p = payload();
    p.brand = "brand-new".into();
    assert!(
        verify(&p, &session(None, AssetType::Pv)).is_ok(),
        "unknown brands pass by default"
    );
    let strict = VerifyOptions::default().reject_unknown_brands(true);
    let e = p
        .verify_supplier_with(&session(None, AssetType::Pv), at(1_703_123_600), &strict)
        .unwrap_err();
    assert_eq!(
        e,
        VerifyError::UnknownBrand {
            brand: "brand-new".into()
        }
    );
    messages.push_str(&format!("{e}\n"));

    // A callback that arrives after the session expired (plus skew) is refused, even
    // when everything in it is consistent: a day-old callback URL must not verify.
    let p = payload();
    let e = p
        .verify_supplier_with(&s, at(1_703_124_056 + 61), &VerifyOptions::default())
        .unwrap_err();
    assert_eq!(
        e,
        VerifyError::SessionExpired {
            expires_at: 1_703_124_056,
            now: 1_703_124_056 + 61,
            skew: 60
        }
    );
    messages.push_str(&format!("{e}\n"));
    let a_day_later = at(1_703_124_056 + 86_400);
    assert!(matches!(
        p.verify_supplier_with(&s, a_day_later, &VerifyOptions::default()),
        Err(VerifyError::SessionExpired { .. })
    ));

    insta::assert_snapshot!("verify_error_messages", messages);
}

#[test]
fn sessions_with_values_nox_added_still_verify() {
    // A session NOX answered with an asset type and a brand this SDK does not know.
    let mut s = session(None, AssetType::Hp);
    s.asset_type = Open::parse("battery");
    let mut p = payload();
    p.brand = "daikin".into();
    let v = verify(&p, &s).expect("a known brand cannot be checked against an unknown asset type");
    assert_eq!(v.asset_type.as_str(), "battery");
    // A pre-selected brand NOX added: the payload must name the same one.
    s.brand = Some(Open::parse("wolf"));
    p.brand = "Wolf".into();
    assert!(verify(&p, &s).is_ok());
    p.brand = "daikin".into();
    assert_eq!(
        verify(&p, &s).unwrap_err(),
        VerifyError::BrandMismatch {
            expected: "wolf".into(),
            found: "daikin".into()
        }
    );
}

#[test]
fn stored_session_json_round_trips() {
    let s = session(Some(Brand::Daikin), AssetType::Hp);
    let text = serde_json::to_string(&s).unwrap();
    assert!(text.contains("\"created_at\":1703123456"), "{text}");
    assert_eq!(
        serde_json::from_str::<SupplierLinkSession>(&text).unwrap(),
        s
    );
}

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

#[test]
fn manufacturer_sessions_verify_user_and_times() {
    let man: nox_auth::ManufacturerLinkSession = serde_json::from_value(json!({
        "link_url": "https://auth.nox.energy/ui?token=m", "link_token": "m", "user_id": "user-42",
        "language": "nl", "redirect_url": "myapp://cb", "manufacturer": "Acme", "brand": "Acme",
        "created_at": 1703123456, "expires_at": 1703124056, "completed_at": null
    }))
    .unwrap();
    let opts = VerifyOptions::default();
    let p = payload();
    let v = p
        .verify_manufacturer_with(&man, at(1_703_123_600), &opts)
        .unwrap();
    assert_eq!(
        (v.user_id.as_str(), v.link_token.as_str()),
        ("user-42", "m")
    );
    let mut other = payload();
    other.supplier_user_id = "user-43".into();
    assert!(matches!(
        other.verify_manufacturer_with(&man, at(1_703_123_600), &opts),
        Err(VerifyError::UserMismatch { .. })
    ));
    assert!(matches!(
        p.verify_manufacturer_with(&man, at(1_703_124_056 + 61), &opts),
        Err(VerifyError::SessionExpired { .. })
    ));
}
