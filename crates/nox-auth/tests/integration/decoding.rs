//! Callback decoding and encoding: a table of good and bad inputs, the snapshot of the
//! error messages, the size limits, `redirect_url`, the canonical encoding and the v1
//! redirect parameters.

use crate::common;

use base64::Engine as _;
use common::{B64, at, payload, payload_json, raw};
use nox_auth::Brand;
#[cfg(feature = "schemars")]
use nox_auth::callback::CallbackPayload;
use nox_auth::callback::{self, CallbackError, MAX_DATA_LEN, MAX_INPUT_LEN};
use serde_json::{Value, json};

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
