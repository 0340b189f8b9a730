//! The mock's Authenticator UI over real HTTP on 127.0.0.1: the brands of the asset type in
//! the chosen language, the form's redirect with `data` (once only), and escaped HTML.

use crate::common;

use common::{create_session, http, supplier_body};
use nox_auth::callback;
use nox_mock::MockServer;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn ui_shows_the_brands_of_the_asset_type_in_the_chosen_language() {
    let mock = MockServer::start().await.unwrap();
    let pv = create_session(
        &mock,
        json!({"user_id": "u", "asset_type": "pv", "redirect_url": "https://e.com/cb"}),
    )
    .await;
    let page = http()
        .get(pv["link_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("value=\"sma\"") && !html.contains("value=\"daikin\""),
        "pv brands only"
    );
    assert!(
        html.contains("Kies het merk van je omvormer"),
        "Dutch by default"
    );
    for (lang, text) in [
        ("en", "Choose the brand of your inverter"),
        ("fr", "Choisissez la marque de votre onduleur"),
        ("es", "Elige la marca de tu inversor"),
    ] {
        let url = format!(
            "{}/ui?token={}&language={lang}",
            mock.base_url(),
            pv["link_token"].as_str().unwrap()
        );
        assert!(
            http()
                .get(url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
                .contains(text),
            "{lang}"
        );
    }
    let pre = create_session(&mock, json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "brand": "nibe"})).await;
    let html = http()
        .get(pre["link_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("value=\"nibe\" id=\"brand-nibe\" required checked"),
        "{html}"
    );
    assert_eq!(
        html.matches("type=\"radio\"").count(),
        1,
        "pre-selected brand only"
    );
}

#[tokio::test]
async fn ui_form_redirects_with_data_and_refuses_reuse() {
    let mock = MockServer::start().await.unwrap();
    let s = create_session(
        &mock,
        json!({"user_id": "u9", "asset_type": "hp", "redirect_url": "myapp://nox/callback?keep=1"}),
    )
    .await;
    let token = s["link_token"].as_str().unwrap();
    let submit = || {
        http()
            .post(format!("{}/ui/connect", mock.base_url()))
            .form(&[
                ("token", token),
                ("brand", "daikin"),
                ("device_id", "dev-77"),
                ("language", "en"),
            ])
            .send()
    };
    let resp = submit().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("myapp://nox/callback?keep=1&data="),
        "{location}"
    );
    let payload = callback::decode(&location).unwrap();
    assert_eq!(
        (payload.supplier_user_id.as_str(), payload.brand.as_str()),
        ("u9", "daikin")
    );
    assert_eq!(payload.device_ids, vec!["dev-77"]);

    let again = submit().await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.headers().get("location").is_none());
    assert!(again.text().await.unwrap().contains("already been used"));
    let unknown = http()
        .get(format!("{}/ui?token=forged", mock.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("Deze koppellink is onbekend")
    );
    let bad_brand = create_session(&mock, supplier_body()).await;
    let resp = http()
        .post(format!("{}/ui/connect", mock.base_url()))
        .form(&[
            ("token", bad_brand["link_token"].as_str().unwrap()),
            ("brand", "sma"),
            ("device_id", "d"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
    let html = resp.text().await.unwrap();
    assert!(html.contains("not available for asset type"), "{html}");
}

#[tokio::test]
async fn html_is_escaped() {
    let mock = MockServer::start().await.unwrap();
    let resp = http()
        .post(format!("{}/ui/connect", mock.base_url()))
        .form(&[("token", "<script>"), ("brand", "x")])
        .send()
        .await
        .unwrap();
    assert!(!resp.text().await.unwrap().contains("<script>"));
}
