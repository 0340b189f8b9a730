//! The world of the `nox_login` tests: nox-mock as NOX, and a supplier's backend on
//! 127.0.0.1 whose login page for NOX is `nox_auth_axum::nox_login`, with a clock that can
//! be moved ahead.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use nox_auth_axum::nox_login::{self, ConsentForm, NoxLoginConfig};
use nox_mock::{ManualClock, MockConfig, MockServer};
use reqwest::StatusCode;
use tower_sessions::session::{Id, Record};
use tower_sessions::{MemoryStore, Session, SessionManagerLayer};

use crate::common::{login, user};

pub const TERMS: &str = "terms-7";

#[derive(Clone)]
struct Supplier {
    nox: nox_auth::Client,
    config: NoxLoginConfig,
    /// Seconds added to our clock (to test our window without waiting).
    ahead: Arc<AtomicU64>,
    /// The acceptances handed over with NOX's failure.
    failed_acceptances: Arc<std::sync::Mutex<Vec<nox_login::TermsAcceptance>>>,
}

impl Supplier {
    fn now(&self) -> SystemTime {
        SystemTime::now() + Duration::from_secs(self.ahead.load(Ordering::SeqCst))
    }
}

async fn authorize(State(s): State<Supplier>, session: Session, uri: Uri) -> Response {
    if let Err(e) = nox_login::check_nox_request(&s.config, uri.query()) {
        return e.into_response();
    }
    if user(&session).await.is_none() {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    }
    let received = nox_login::receive_nox_login_at(&s.config, &session, uri.query(), s.now());
    let login = match received.await {
        Ok(login) => login,
        Err(e) => return e.into_response(),
    };
    let mut page = Html(format!(
        "<p>terms {}</p><form method=\"post\" action=\"/nox/consent\">{}</form>",
        login.terms_version,
        login.hidden_fields()
    ))
    .into_response();
    nox_login::no_frames(page.headers_mut());
    page
}

async fn consent(
    State(s): State<Supplier>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    let Some(user) = user(&session).await else {
        return (StatusCode::UNAUTHORIZED, "log in first").into_response();
    };
    let answered = nox_login::answer_nox_login_at(
        &s.nox,
        &s.config,
        &session,
        &headers,
        &user,
        &form,
        s.now(),
    );
    match answered.await {
        Ok(answer) => answer.into_response(),
        Err(e) => {
            if let Some(accepted) = e.acceptance() {
                // What a real site would persist: kept for the test to see.
                s.failed_acceptances.lock().unwrap().push(accepted.clone());
            }
            e.into_response()
        }
    }
}

async fn terms(session: Session) -> String {
    match nox_login::accepted_terms(&session).await.unwrap() {
        Some(t) => format!("{} {} {}", t.supplier_user_id, t.terms_version, t.state),
        None => "none".into(),
    }
}

/// A memory store whose reads take a while, as a database's do: requests of one
/// session that overlap all read before any of them writes.
#[derive(Debug, Clone, Default)]
struct SlowStore(MemoryStore);

type Boxed<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type StoreResult<T> = tower_sessions::session_store::Result<T>;

impl tower_sessions::SessionStore for SlowStore {
    fn save<'a, 'b, 'c>(&'a self, record: &'b Record) -> Boxed<'c, StoreResult<()>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.0.save(record)
    }

    fn load<'a, 'b, 'c>(&'a self, id: &'b Id) -> Boxed<'c, StoreResult<Option<Record>>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        Box::pin(async move {
            let record = self.0.load(id).await;
            tokio::time::sleep(Duration::from_millis(40)).await;
            record
        })
    }

    fn delete<'a, 'b, 'c>(&'a self, id: &'b Id) -> Boxed<'c, StoreResult<()>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.0.delete(id)
    }
}

/// NOX (the mock, on its own clock) and the supplier's backend, whose login page the
/// mock's app sends users to.
pub struct World {
    pub nox: MockServer,
    pub clock: ManualClock,
    pub base: String,
    pub ahead: Arc<AtomicU64>,
    pub failed_acceptances: Arc<std::sync::Mutex<Vec<nox_login::TermsAcceptance>>>,
}

pub async fn world() -> World {
    world_calling(None).await
}

/// [`world`], the supplier's backend calling NOX at `nox_base` instead of the mock's
/// (a NOX that never answers, say).
pub async fn world_calling(nox_base: Option<&str>) -> World {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let clock = ManualClock::at_unix(now);
    let nox = MockServer::start_with(MockConfig::default().clock(Arc::new(clock.clone())))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let ahead = Arc::new(AtomicU64::new(0));
    let failed_acceptances = Arc::default();
    let supplier = Supplier {
        nox: match nox_base {
            None => nox.client().unwrap(),
            Some(base) => nox_auth::Client::builder()
                .base_url(base)
                .api_key(nox.api_key())
                .build()
                .unwrap(),
        },
        config: NoxLoginConfig::new(&base, &nox.nox_return_url(), TERMS)
            .unwrap()
            .also_return_to(&format!("{}/app/return?by=maker", nox.base_url()))
            .unwrap(),
        ahead: ahead.clone(),
        failed_acceptances: Arc::clone(&failed_acceptances),
    };
    let router = Router::new()
        .route("/login", get(login))
        .route("/nox/authorize", get(authorize))
        .route("/nox/consent", axum::routing::post(consent))
        .route("/terms", get(terms))
        .layer(SessionManagerLayer::new(SlowStore::default()).with_secure(false))
        .with_state(supplier);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    nox.set_supplier_login_url(&format!("{base}/nox/authorize"))
        .unwrap();
    World {
        nox,
        clock,
        base,
        ahead,
        failed_acceptances,
    }
}

/// The value of the hidden input `name` in `html`.
pub fn field(html: &str, name: &str) -> String {
    let start = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&start)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + start.len();
    let value = &html[at..at + html[at..].find('"').unwrap()];
    value.replace("&quot;", "\"").replace("&amp;", "&")
}

/// The consent form's fields for `state`, with `decision`.
pub struct Consent {
    pub state: String,
    pub csrf: String,
}

impl World {
    /// NOX starts an authentication (the user chose the supplier in NOX's app); `user`
    /// logs in at the supplier in `b` and opens the login page NOX sent them to.
    pub async fn start(
        &self,
        b: &reqwest::Client,
        user: &str,
    ) -> (nox_mock::Authorization, Consent) {
        let auth = self.nox.authorize(None, None).unwrap();
        assert!(
            auth.authorize_url
                .starts_with(&format!("{}/nox/authorize?", self.base)),
            "{}",
            auth.authorize_url
        );
        b.get(format!("{}/login?user={user}", self.base))
            .send()
            .await
            .unwrap();
        let page = b.get(&auth.authorize_url).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains(&format!("terms {TERMS}")), "{html}");
        let consent = Consent {
            state: field(&html, "state"),
            csrf: field(&html, "csrf"),
        };
        assert_eq!(consent.state, auth.state, "the state is shown unchanged");
        (auth, consent)
    }

    pub async fn post(
        &self,
        b: &reqwest::Client,
        c: &Consent,
        decision: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_terms(b, c, decision, TERMS, headers).await
    }

    /// [`World::post`] with the form naming `terms` as the terms shown.
    pub async fn post_terms(
        &self,
        b: &reqwest::Client,
        c: &Consent,
        decision: &str,
        terms: &str,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("state", c.state.as_str()),
                ("csrf", c.csrf.as_str()),
                ("terms_version", terms),
                ("decision", decision),
            ])
            .finish();
        let mut req = b
            .post(format!("{}/nox/consent", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap()
    }

    /// How many `POST /post-login-redirect` reached NOX.
    pub fn nox_calls(&self) -> usize {
        self.nox
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("/post-login-redirect"))
            .count()
    }
}

pub const SAME_ORIGIN: &[(&str, &str)] = &[("sec-fetch-site", "same-origin")];

pub fn location(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
}

/// The query pairs of `url`.
pub fn pairs(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The pairs NOX's return URL gets for `state` and `error`.
pub fn back(state: &str, error: Option<&str>) -> Vec<(String, String)> {
    let mut all = vec![("state".to_owned(), state.to_owned())];
    all.extend(error.map(|e| ("error".to_owned(), e.to_owned())));
    all
}

/// The outcome NOX's return page shows.
pub async fn outcome(b: &reqwest::Client, url: &str) -> String {
    let html = b.get(url).send().await.unwrap().text().await.unwrap();
    let at = html.find("data-outcome=\"").expect("an outcome") + "data-outcome=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}
