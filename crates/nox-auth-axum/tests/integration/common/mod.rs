//! The backend the flow tests run: a fake login, the link and callback handlers around
//! nox-auth-axum, tower-sessions on a SQLite file, nox-mock as NOX; and a browser.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use nox_auth::ConfirmedConnection;
use nox_auth::{AssetType, Client, SupplierLinkRequest};
use nox_auth_axum::{
    LinkError, finish_manufacturer_link, finish_supplier_link, start_manufacturer_link,
    start_supplier_link,
};
use reqwest::StatusCode;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;
use tower_sessions_sqlx_store::sqlx::SqlitePool;

pub const USER_KEY: &str = "user";

#[derive(Clone)]
pub struct App {
    pub nox: Client,
    pub callback_url: Arc<String>,
}

/// The fake login: `GET /login?user=…` names the user of this browser's session.
pub async fn login(
    session: Session,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    session.insert(USER_KEY, q["user"].clone()).await.unwrap();
    "logged in".into_response()
}

pub async fn user(session: &Session) -> Option<String> {
    session.get::<String>(USER_KEY).await.ok().flatten()
}

pub async fn link(State(app): State<App>, session: Session) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    let req = SupplierLinkRequest::new(user, AssetType::Hp, app.callback_url.as_str());
    start_supplier_link(&app.nox, &session, req)
        .await
        .into_response()
}

/// `/link` that never reuses a pending link: each start asks NOX.
pub async fn link_fresh(State(app): State<App>, session: Session) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    let req = SupplierLinkRequest::new(user, AssetType::Hp, app.callback_url.as_str());
    let fresh = nox_auth_axum::FlowOptions::default().reuse_pending(None);
    nox_auth_axum::start_supplier_link_with(&app.nox, &session, req, &fresh)
        .await
        .into_response()
}

pub async fn link_manufacturer(State(app): State<App>, session: Session) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    let callback = app
        .callback_url
        .replace("/nox/callback", "/nox/manufacturer-callback");
    let req = nox_auth::ManufacturerLinkRequest::new(user, callback);
    start_manufacturer_link(&app.nox, &session, req)
        .await
        .into_response()
}

/// What both callback handlers answer: the linked devices (confirmed at NOX), or the
/// error's response.
pub fn linked_or_refused(result: Result<ConfirmedConnection, LinkError>) -> Response {
    match result {
        Ok(linked) => format!(
            "linked {} for {}",
            linked.connection.device_ids.join(","),
            linked.connection.user_id
        )
        .into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn manufacturer_callback(State(app): State<App>, session: Session, uri: Uri) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    linked_or_refused(finish_manufacturer_link(&app.nox, &session, &user, &uri.to_string()).await)
}

pub async fn callback(State(app): State<App>, session: Session, uri: Uri) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    linked_or_refused(finish_supplier_link(&app.nox, &session, &user, &uri.to_string()).await)
}

/// The backend on a SQLite file: its base URL, and a handle that stops it.
pub async fn backend(
    db: &Path,
    nox: &nox_mock::MockServer,
    callback_base: Option<&str>,
) -> (String, tokio::task::JoinHandle<()>) {
    let pool = SqlitePool::connect(&format!("sqlite://{}?mode=rwc", db.display()))
        .await
        .unwrap();
    let store = SqliteStore::new(pool);
    store.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = App {
        nox: nox.client().unwrap(),
        callback_url: Arc::new(format!("{}/nox/callback", callback_base.unwrap_or(&base))),
    };
    let router = Router::new()
        .route("/login", get(login))
        .route("/link", get(link))
        .route("/link-fresh", get(link_fresh))
        .route("/nox/callback", get(callback))
        .route("/link-manufacturer", get(link_manufacturer))
        .route("/nox/manufacturer-callback", get(manufacturer_callback))
        .layer(
            SessionManagerLayer::new(store)
                .with_secure(false)
                .with_expiry(Expiry::OnInactivity(
                    tower_sessions::cookie::time::Duration::minutes(30),
                )),
        )
        .with_state(app);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, task)
}

/// A browser: its cookies kept in `jar`, redirects not followed (the test follows them).
pub fn browser_with_jar() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, jar)
}

pub fn browser() -> reqwest::Client {
    browser_with_jar().0
}

/// Logs in, starts linking, and completes the session in the mock as the user would in
/// the UI: the callback URL NOX sends the browser to.
pub async fn start_and_complete(
    browser: &reqwest::Client,
    base: &str,
    nox: &nox_mock::MockServer,
    user: &str,
) -> String {
    browser
        .get(format!("{base}/login?user={user}"))
        .send()
        .await
        .unwrap();
    let resp = browser.get(format!("{base}/link")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with(&format!("{}/ui?token=", nox.base_url())),
        "{to}"
    );
    let token = nox_mock::link_token(&to).unwrap();
    nox.complete(&token, nox_auth::Brand::Daikin, vec!["hp-1".into()])
        .unwrap()
}

/// As [`start_and_complete`], for the manufacturer flow: the maker `Acme`, one device.
pub async fn start_manufacturer_and_complete(
    browser: &reqwest::Client,
    base: &str,
    nox: &nox_mock::MockServer,
    user: &str,
    device: &str,
) -> String {
    browser
        .get(format!("{base}/login?user={user}"))
        .send()
        .await
        .unwrap();
    let resp = browser
        .get(format!("{base}/link-manufacturer"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    let token = nox_mock::link_token(&to).unwrap();
    nox.complete_manufacturer(&token, "Acme", vec![device.into()])
        .unwrap()
}

pub fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nox-axum-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("sessions.db")
}

/// A callback whose payload decodes and names `alice`.
pub fn alice_callback() -> String {
    let payload = nox_auth::callback::CallbackPayload::new(
        "nox-1",
        "alice",
        "daikin",
        vec!["dev-1".into()],
        std::time::SystemTime::now(),
    );
    format!("/nox/callback?data={}", payload.encode())
}
