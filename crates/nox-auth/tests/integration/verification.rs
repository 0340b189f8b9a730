//! Callback verification against the stored session: each rule fails with its error (and
//! the snapshot of the messages), values NOX added, and manufacturer sessions.

use crate::common;

use common::{at, payload, session, verify};
use nox_auth::callback::{VerifyError, VerifyOptions};
use nox_auth::{AssetType, Brand, Open, SupplierLinkSession};
use serde_json::json;

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
