//! The link flow in a real axum backend on 127.0.0.1, with tower-sessions on a SQLite file
//! and nox-mock as NOX: verified once, refused on replay, for another logged-in user and
//! after expiry, and still verified after a restart of the backend between start and
//! callback.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use nox_auth::callback::VerifiedConnection;
use nox_auth::{AssetType, Client, SupplierLinkRequest};
use nox_auth_axum::{
    LinkError, finish_manufacturer_link, finish_supplier_link, start_manufacturer_link,
    start_supplier_link,
};
use reqwest::StatusCode;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;
use tower_sessions_sqlx_store::sqlx::SqlitePool;

const USER_KEY: &str = "user";

#[derive(Clone)]
struct App {
    nox: Client,
    callback_url: Arc<String>,
}

/// The fake login: `GET /login?user=…` names the user of this browser's session.
async fn login(
    session: Session,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    session.insert(USER_KEY, q["user"].clone()).await.unwrap();
    "logged in".into_response()
}

async fn user(session: &Session) -> Option<String> {
    session.get::<String>(USER_KEY).await.ok().flatten()
}

async fn link(State(app): State<App>, session: Session) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    let req = SupplierLinkRequest::new(user, AssetType::Hp, app.callback_url.as_str());
    start_supplier_link(&app.nox, &session, req)
        .await
        .into_response()
}

async fn link_manufacturer(State(app): State<App>, session: Session) -> Response {
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

/// What both callback handlers answer: the linked devices, or the error's response.
fn linked_or_refused(result: Result<VerifiedConnection, LinkError>) -> Response {
    match result {
        Ok(linked) => format!(
            "linked {} for {}",
            linked.device_ids.join(","),
            linked.user_id
        )
        .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn manufacturer_callback(session: Session, uri: Uri) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    linked_or_refused(finish_manufacturer_link(&session, &user, &uri.to_string()).await)
}

async fn callback(session: Session, uri: Uri) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    linked_or_refused(finish_supplier_link(&session, &user, &uri.to_string()).await)
}

/// The backend on a SQLite file: its base URL, and a handle that stops it.
async fn backend(
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
fn browser_with_jar() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (client, jar)
}

fn browser() -> reqwest::Client {
    browser_with_jar().0
}

/// Logs in, starts linking, and completes the session in the mock as the user would in
/// the UI: the callback URL NOX sends the browser to.
async fn start_and_complete(
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

fn temp_db(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nox-axum-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("sessions.db")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verified_once_then_refused_on_replay_and_for_another_user() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("once");
    let (base, _task) = backend(&db, &nox, None).await;
    let alice = browser();
    let callback = start_and_complete(&alice, &base, &nox, "alice").await;
    let resp = alice.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "linked hp-1 for alice");
    // The same callback URL again: single use.
    let resp = alice.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    assert!(resp.text().await.unwrap().contains("already used"));

    // Started for alice, but bob is logged in in this browser when the callback comes.
    let callback = start_and_complete(&alice, &base, &nox, "alice").await;
    alice
        .get(format!("{base}/login?user=bob"))
        .send()
        .await
        .unwrap();
    let resp = alice.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        resp.text().await.unwrap(),
        "This link belongs to another account."
    );

    // A callback in a browser that never started linking: nothing pending.
    let mallory = browser();
    mallory
        .get(format!("{base}/login?user=alice"))
        .send()
        .await
        .unwrap();
    let resp = mallory.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_after_the_session_expired_is_refused() {
    // NOX's clock stands in 2023: the link session expired long before now.
    let nox = nox_mock::MockServer::start_with(
        nox_mock::MockConfig::default()
            .clock(Arc::new(nox_mock::ManualClock::at_unix(1_703_123_456))),
    )
    .await
    .unwrap();
    let db = temp_db("expired");
    let (base, _task) = backend(&db, &nox, None).await;
    let b = browser();
    let callback = start_and_complete(&b, &base, &nox, "carol").await;
    let resp = b.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    assert!(resp.text().await.unwrap().contains("expired"));
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backend_restarts_between_start_and_callback() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("restart");
    // The callback URL names a fixed public base, as behind a proxy: it survives the
    // restart even though the port does not.
    let public = "http://backend.example";
    let (base, task) = backend(&db, &nox, Some(public)).await;
    let (b, jar) = browser_with_jar();
    let callback = start_and_complete(&b, &base, &nox, "dave").await;
    task.abort();
    let _ = task.await;

    // A new process would open the same file; a new server on the same file does that here.
    let (base2, _task2) = backend(&db, &nox, Some(public)).await;
    let path = callback.strip_prefix(public).unwrap();
    // The browser's session cookie, set by the first server, goes to the second one (both
    // stand for the one public host).
    let cookie = reqwest::cookie::CookieStore::cookies(&*jar, &base.parse().unwrap());
    let resp = reqwest::Client::new()
        .get(format!("{base2}{path}"))
        .header("cookie", cookie.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "linked hp-1 for dave");
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manufacturer_flow_is_single_use_too() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let db = temp_db("manufacturer");
    let (base, _task) = backend(&db, &nox, None).await;
    let b = browser();
    b.get(format!("{base}/login?user=erin"))
        .send()
        .await
        .unwrap();
    let resp = b
        .get(format!("{base}/link-manufacturer"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    let token = nox_mock::link_token(&to).unwrap();
    let callback = nox
        .complete_manufacturer(&token, "Acme", vec!["inv-9".into()])
        .unwrap();
    assert!(
        callback.starts_with(&format!("{base}/nox/manufacturer-callback?data=")),
        "{callback}"
    );
    let resp = b.get(&callback).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "linked inv-9 for erin");
    assert_eq!(
        b.get(&callback).send().await.unwrap().status(),
        StatusCode::GONE
    );
    // A supplier callback does not consume a manufacturer link, nor the reverse.
    let supplier_cb = callback.replace("/nox/manufacturer-callback", "/nox/callback");
    assert_eq!(
        b.get(&supplier_cb).send().await.unwrap().status(),
        StatusCode::GONE
    );
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[tokio::test]
async fn a_callback_without_a_known_session_says_so() {
    let store = Arc::new(tower_sessions::MemoryStore::default());
    let callback = "/nox/callback?data=e30";
    // No session cookie at all (what a SameSite=Strict cookie gives after NOX's redirect).
    let no_cookie = Session::new(None, store.clone(), None);
    let err = finish_supplier_link(&no_cookie, "alice", callback)
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::NoSession), "{err:?}");
    assert_eq!(err.status(), StatusCode::GONE);
    assert!(err.to_string().contains("SameSite=Strict"), "{err}");
    // A cookie naming a session the store does not know (expired, or made up).
    let unknown = Session::new(Some(tower_sessions::session::Id::default()), store, None);
    let err = finish_manufacturer_link(&unknown, "alice", callback)
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::NoSession), "{err:?}");
    // The page text names neither the user nor the mechanism.
    assert!(!err.public_message().contains("alice"));
    assert!(!err.public_message().contains("SameSite"));
}

/// A `MakeWriter` that collects what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn the_response_hides_the_details_and_the_log_keeps_them() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let store = Arc::new(tower_sessions::MemoryStore::default());
    let session = Session::new(None, store, None);
    let err = finish_supplier_link(&session, "alice", "/nox/callback?data=e30")
        .await
        .unwrap_err();
    let response = err.into_response();
    assert_eq!(response.status(), StatusCode::GONE);
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert!(!body.contains("SameSite"), "{body}");

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("WARN"), "{log}");
    assert!(log.contains("NOX link refused"), "{log}");
    assert!(log.contains("status=410"), "{log}");
    assert!(log.contains("is it SameSite=Strict?"), "{log}");
}
