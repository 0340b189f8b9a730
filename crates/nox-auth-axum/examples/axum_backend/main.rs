//! A tiny supplier site that links its users' heat pumps to NOX: a fake login (a cookie
//! naming the user), a "Link your heat pump" page, the two handlers of the link flow (the
//! link confirmed at NOX's Package API), and pages listing the user's devices as NOX lists
//! them, with their health and "Link again" where NOX needs it. When the user starts at
//! NOX instead (NOX's app sends them here to log in), `/nox/authorize` is the login page
//! for NOX: log in, accept the terms, back to NOX (`nox_pages.rs`).
//!
//! ```sh
//! cargo run -p nox-auth-axum --example axum_backend    # then open http://127.0.0.1:3000
//! ```
//!
//! By default it starts an embedded nox-mock as NOX (its Authenticator UI lets you choose a
//! brand; its "NOX app" page, printed at start, sends you to this site's login page for
//! NOX) and keeps the sessions in a SQLite file, so they survive a restart. Environment:
//!
//! - `NOX_API_KEY` (and `NOX_BASE_URL`): use that NOX instead of the embedded mock;
//! - `NOX_RETURN_URL`: with a real NOX, NOX's return URL for the login page for NOX (the
//!   embedded mock's is set by itself; without one, `/nox/authorize` answers 404);
//! - `DATABASE_URL`: the session store, `sqlite://FILE?mode=rwc` (default: `axum_backend.db`
//!   in the temporary directory) or `postgres://…`, shared by several instances;
//! - `LISTEN`: the address to bind (default `127.0.0.1:3000`; port 0 picks a free one);
//! - `PUBLIC_URL`: the site's URL as browsers see it, used for the callback URL (default
//!   `http://` + the bound address).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use nox_auth::Listing;
use nox_auth::{AssetType, Client, Language, SupplierLinkRequest};
use nox_auth_axum::nox_login::NoxLoginConfig;
use nox_auth_axum::{finish_supplier_link, start_supplier_link};
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer, SessionStore};
use tower_sessions_sqlx_store::sqlx::{PgPool, SqlitePool};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The fake login's cookie: it names the user (a real site has its own login).
const USER_COOKIE: &str = "demo_user";

mod devices;
pub mod nox_pages;

/// The site's state.
#[derive(Clone)]
struct Site {
    nox: Client,
    callback_url: Arc<str>,
    /// The login page for NOX, when NOX's return URL is known.
    nox_login: Option<NoxLoginConfig>,
}

/// How often the session table is swept of expired sessions. Without a sweep every
/// visitor, bot or not, leaves a row forever (tower-sessions deletes nothing by itself).
pub const SESSION_CLEANUP: Duration = Duration::from_secs(60);

/// The site on `listener`, talking to `nox`, with the sessions in `database_url`
/// (`sqlite://…` or `postgres://…`); `public_url` is the site's URL as browsers see it.
/// Runs until the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    nox: Client,
    public_url: &str,
    database_url: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    serve_with_cleanup(listener, nox, public_url, database_url, SESSION_CLEANUP).await
}

/// [`serve`], sweeping expired sessions every `cleanup`.
pub async fn serve_with_cleanup(
    listener: tokio::net::TcpListener,
    nox: Client,
    public_url: &str,
    database_url: &str,
    cleanup: Duration,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    serve_site(listener, nox, public_url, database_url, cleanup, None).await
}

/// [`serve_with_cleanup`], with the login page for NOX at `/nox/authorize` when
/// `nox_return_url` (NOX's return URL, e.g. `MockServer::nox_return_url`) is given.
pub async fn serve_site(
    listener: tokio::net::TcpListener,
    nox: Client,
    public_url: &str,
    database_url: &str,
    cleanup: Duration,
    nox_return_url: Option<&str>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let nox_login = nox_return_url
        .map(|url| NoxLoginConfig::new(public_url, url, nox_pages::TERMS_VERSION))
        .transpose()?;
    let site = Site {
        nox,
        callback_url: format!("{}/nox/callback", public_url.trim_end_matches('/')).into(),
        nox_login,
    };
    let secure = public_url.starts_with("https://");
    let app = if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
        let store = PostgresStore::new(PgPool::connect(database_url).await?);
        store.migrate().await?;
        sweep_expired(store.clone(), cleanup);
        router(site, store, secure)
    } else {
        let store = SqliteStore::new(SqlitePool::connect(database_url).await?);
        store.migrate().await?;
        sweep_expired(store.clone(), cleanup);
        router(site, store, secure)
    };
    axum::serve(listener, app).await?;
    Ok(())
}

/// Deletes expired sessions from `store` every `period`, in the background (the store's
/// own task; a failed sweep is logged and the next one runs).
fn sweep_expired<S: ExpiredDeletion + Clone + 'static>(store: S, period: Duration) {
    tokio::spawn(async move {
        loop {
            match store.clone().continuously_delete_expired(period).await {
                Ok(()) => return,
                Err(e) => {
                    eprintln!("axum_backend: deleting expired sessions failed: {e}");
                    tokio::time::sleep(period).await;
                }
            }
        }
    });
}

fn router<S: SessionStore + Clone>(site: Site, store: S, secure: bool) -> Router {
    // SameSite=Lax, not tower-sessions' default Strict: the browser comes back from NOX,
    // another site, and a Strict cookie would not be sent with that navigation.
    let sessions = SessionManagerLayer::new(store)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::minutes(30),
        ));
    Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/link", post(link))
        .route("/nox/callback", get(callback))
        .route("/nox/authorize", get(nox_pages::authorize))
        .route("/nox/consent", post(nox_pages::consent))
        .layer(sessions)
        .with_state(site)
}

/// The user the fake login cookie names, if it is a sane name.
fn logged_in(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(USER_COOKIE)?.strip_prefix('='))
        .find(|u| valid_user(u))
        .map(str::to_owned)
}

fn valid_user(user: &str) -> bool {
    (1..=64).contains(&user.len())
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Escapes text for HTML: user names and device ids come from outside.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{title} · Example Energy</title>\
         <body><h1>{title}</h1>{body}</body></html>",
        title = esc(title)
    );
    // No page of this site may be framed by another (a framed form can be clicked
    // through).
    let no_frames = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    ];
    (status, no_frames, Html(html)).into_response()
}

async fn home(State(site): State<Site>, headers: HeaderMap) -> Response {
    let Some(user) = logged_in(&headers) else {
        return page(StatusCode::OK, "Log in", &login_form("/"));
    };
    // NOX is the record: the user's heat pumps as the Package API lists them.
    let devices = match site.nox.link_health(&user, Listing::HeatPumps).await {
        Ok(devices) => devices::device_list(&devices),
        Err(e) => {
            eprintln!("axum_backend: listing devices failed: {e}");
            "<p id=\"devices\">NOX is not reachable right now; your devices show when it is.</p>"
                .into()
        }
    };
    page(
        StatusCode::OK,
        "Link your heat pump",
        &format!(
            "<p id=\"who\">Logged in as {}</p>\
             <form method=\"post\" action=\"/link\" onsubmit=\"this.querySelector('button').disabled=true\"><button id=\"link\">Link your heat pump</button></form>\
             <h2>Your linked devices</h2>{}\
             <form method=\"post\" action=\"/logout\"><button id=\"logout\">Log out</button></form>",
            esc(&user),
            devices
        ),
    )
}

/// The fake login's form; after it the browser goes to `next` (a path of this site).
fn login_form(next: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/login\"><label>User name \
         <input id=\"user\" name=\"user\" pattern=\"[A-Za-z0-9._\\-]{{1,64}}\" required></label> \
         <input type=\"hidden\" name=\"next\" value=\"{}\"> \
         <button id=\"login\">Log in</button></form>",
        esc(next)
    )
}

#[derive(serde::Deserialize)]
struct Login {
    user: String,
    #[serde(default)]
    next: String,
}

/// `next` if it is a path of this site (`/…`, not `//host` or `/\host`, which browsers
/// read as another site), else `/`: the login must not become an open redirect.
fn local_path(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control);
    if local { next } else { "/" }
}

async fn login(State(site): State<Site>, headers: HeaderMap, Form(form): Form<Login>) -> Response {
    // A cross-site login would log the victim in as the attacker, whose account their
    // device would then be linked to.
    if !same_site_post(&headers, &site.callback_url) {
        return page(
            StatusCode::FORBIDDEN,
            "Log in",
            "<p id=\"reason\">Log in from this site's own page.</p>",
        );
    }
    if !valid_user(&form.user) {
        return page(
            StatusCode::BAD_REQUEST,
            "Log in",
            "<p id=\"reason\">A user name is 1 to 64 letters, digits, '.', '-' or '_'.</p>",
        );
    }
    let cookie = format!(
        "{USER_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax",
        form.user
    );
    let to = local_path(&form.next);
    ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response()
}

async fn logout(State(site): State<Site>, headers: HeaderMap) -> Response {
    if !same_site_post(&headers, &site.callback_url) {
        return page(
            StatusCode::FORBIDDEN,
            "Log out",
            "<p id=\"reason\">Log out from this site's own page.</p>",
        );
    }
    let cookie = format!("{USER_COOKIE}=; Path=/; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

/// Whether a POST comes from this site's own pages, by the server and not only by the
/// browser's SameSite rule: `Sec-Fetch-Site: same-origin` (every current browser sends it),
/// else an `Origin` that is this site's (`site_url`'s scheme, host and port). A request with
/// neither comes from no browser (curl, a test), which carries no ambient cookie to abuse.
/// It guards every state-changing POST here, `/login` included (a cross-site login would
/// have the victim link their device to the attacker's account); a real site puts it on
/// each of its own too.
fn same_site_post(headers: &HeaderMap, site_url: &str) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(fetch_site) = text("sec-fetch-site") {
        return fetch_site == "same-origin";
    }
    match text("origin") {
        // The origin as browsers send it: lowercase host, no default port.
        Some(origin) => reqwest::Url::parse(site_url)
            .is_ok_and(|url| url.origin().ascii_serialization() == origin),
        None => true,
    }
}

/// Starts linking: a link session for the logged-in user, kept in their server-side
/// session, and a redirect to NOX.
async fn link(
    State(site): State<Site>,
    headers: HeaderMap,
    session: tower_sessions::Session,
) -> Response {
    if !same_site_post(&headers, &site.callback_url) {
        return page(
            StatusCode::FORBIDDEN,
            "Linking failed",
            "<p id=\"reason\">Start linking from this site's own page.</p>",
        );
    }
    let Some(user) = logged_in(&headers) else {
        return Redirect::to("/").into_response();
    };
    let request =
        SupplierLinkRequest::new(user, AssetType::Hp, &*site.callback_url).language(Language::En);
    match start_supplier_link(&site.nox, &session, request).await {
        Ok(redirect) => redirect.into_response(),
        Err(e) => {
            eprintln!("axum_backend: starting a link failed: {e}");
            page(
                e.status(),
                "Linking failed",
                &format!("<p id=\"reason\">{}</p>", esc(e.public_message())),
            )
        }
    }
}

/// Where NOX sends the browser back: single use, for the logged-in user only.
async fn callback(
    State(site): State<Site>,
    headers: HeaderMap,
    session: tower_sessions::Session,
    uri: Uri,
) -> Response {
    let Some(user) = logged_in(&headers) else {
        return page(
            StatusCode::UNAUTHORIZED,
            "Linking failed",
            "<p id=\"reason\">Log in first, then start linking again.</p>",
        );
    };
    match finish_supplier_link(&site.nox, &session, &user, &uri.to_string()).await {
        // Confirmed: NOX lists every device of the callback for this user. (Record it by
        // `link_token` in your database: two racing requests may both finish one link.)
        Ok(confirmed) => page(
            StatusCode::OK,
            "Heat pump linked",
            &format!(
                "<p id=\"result\">Your device is linked to NOX.</p>{}<p><a href=\"/\">Back</a></p>",
                devices::device_list(&confirmed.devices)
            ),
        ),
        Err(e) => {
            // The details (ids, what failed) go to the log; the page says what to do.
            eprintln!("axum_backend: a callback was refused: {e}");
            page(
                e.status(),
                "Linking failed",
                &format!(
                    "<p id=\"reason\">{}</p><p><a href=\"/\">Back</a></p>",
                    esc(e.public_message())
                ),
            )
        }
    }
}

// tests/tests/integration/main.rs includes this file for `serve`; there `main` goes unused.
#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let listen = env("LISTEN").unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let bound = listener.local_addr()?; // the real port when LISTEN asks for port 0
    let public_url = env("PUBLIC_URL").unwrap_or_else(|| format!("http://{bound}"));
    let database_url = env("DATABASE_URL").unwrap_or_else(|| {
        let file = std::env::temp_dir().join("axum_backend.db");
        format!("sqlite://{}?mode=rwc", file.display())
    });

    // The embedded mock unless a real NOX is configured; kept alive for the whole run.
    let mut _mock = None;
    let mut nox_return_url = env("NOX_RETURN_URL");
    let nox = if env("NOX_API_KEY").is_some() {
        let client = Client::from_env()?;
        println!("NOX: {}", client.base_url());
        client
    } else {
        let mock = nox_mock::MockServer::start().await?;
        let client = mock.client()?;
        println!("NOX: the embedded nox-mock at {}", mock.base_url());
        // NOX's app sends users to this site's login page for NOX, and takes them back.
        let login_page = format!("{}/nox/authorize", public_url.trim_end_matches('/'));
        mock.set_supplier_login_url(&login_page)?;
        nox_return_url = Some(mock.nox_return_url());
        println!("NOX app (start at NOX): {}", mock.nox_app_url());
        _mock = Some(mock);
        client
    };
    // The URL itself is not printed: it may hold a password.
    let store = if database_url.starts_with("postgres") {
        "PostgreSQL (DATABASE_URL)"
    } else {
        "SQLite"
    };
    println!("sessions: {store}");
    println!("open {public_url}");
    let (cleanup, back) = (SESSION_CLEANUP, nox_return_url.as_deref());
    serve_site(listener, nox, &public_url, &database_url, cleanup, back).await
}
