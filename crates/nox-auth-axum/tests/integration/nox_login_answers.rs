//! When the user starts at NOX, what a saved answer is worth later, over real HTTP on
//! 127.0.0.1 (nox-mock as NOX, or a NOX that never answers): the browser mode end to end
//! (its form posted to the mock's NOX, which links the device), its form
//! only for the user who answered, a call to NOX cut off (a reload is told the outcome
//! is not known, never "linked"), a save that fails after NOX answered, a return URL
//! removed from the config since.

use crate::common;
use crate::nox_login_world;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::IntoResponse;
use common::browser;
use nox_auth::Operation;
use nox_auth_axum::nox_login::{
    self, BrowserStep, ConsentForm, NoxLoginConfig, NoxLoginError, ShareMode,
};
use nox_login_world::{SAME_ORIGIN, TERMS, back, location, pairs, world_calling};
use nox_mock::{Fault, MockServer};
use reqwest::StatusCode;
use tower_sessions::session::{Id, Record};
use tower_sessions::{MemoryStore, Session, SessionStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_modes_form_is_replayed_only_to_the_user_who_answered() {
    let nox = MockServer::start().await.unwrap();
    let action = format!("{}/post-login-redirect", nox.base_url());
    let config = NoxLoginConfig::new("https://shop.example", &nox.nox_return_url(), TERMS)
        .unwrap()
        .share(ShareMode::BrowserFormPost {
            action: action.clone(),
        });
    let session = Session::new(None, Arc::new(MemoryStore::default()), None);
    let login = nox_login::receive_nox_login(&config, &session, Some("state=s1"))
        .await
        .unwrap();
    let client = nox.client().unwrap();
    let headers = HeaderMap::new();
    let answer = |user: &'static str, decision: &'static str, terms: &'static str| {
        let form = ConsentForm::new("s1", login.csrf_token(), terms, decision);
        let (client, config, session, headers) = (&client, &config, &session, &headers);
        async move { nox_login::answer_nox_login(client, config, session, headers, user, &form).await }
    };
    let first = answer("bob", "accept", TERMS).await.unwrap();
    for (decision, terms) in [("accept", TERMS), ("decline", "bogus")] {
        let e = answer("mallory", decision, terms).await.unwrap_err();
        assert!(matches!(e, NoxLoginError::AnsweredForAnotherUser), "{e:?}");
        assert_eq!(e.back_to_nox(), None);
        let resp = e.into_response();
        assert_eq!(resp.status(), StatusCode::GONE);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(!text.contains("bob") && !text.contains("form"), "{text}");
    }
    let again = answer("bob", "decline", "bogus").await.unwrap();
    assert!(again.repeated);
    assert_eq!(again.browser, first.browser);
    let BrowserStep::PostToNox {
        supplier_user_id, ..
    } = again.browser
    else {
        panic!("{again:?}");
    };
    assert_eq!(supplier_user_id, "bob");
}

/// A NOX that accepts connections and never answers; counts them.
async fn silent_nox() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (base, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_to_nox_cut_off_leaves_no_success_behind() {
    let (silent, accepted) = silent_nox().await;
    let w = Arc::new(world_calling(Some(&silent)).await);
    let b = browser();
    let (auth, consent) = w.start(&b, "alice").await;
    let post = {
        let (w, b) = (Arc::clone(&w), b.clone());
        tokio::spawn(async move { w.post(&b, &consent, "accept", SAME_ORIGIN).await })
    };
    // NOX has the call; the user gives up (the browser's request is dropped).
    while accepted.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    post.abort();
    let _ = post.await;
    // A reload: back to NOX with `error=server_error`, not as if linked.
    let unknown = back(&auth.state, Some("server_error"));
    let reload = tokio::time::timeout(Duration::from_secs(5), b.get(&auth.authorize_url).send())
        .await
        .expect("the lock was released")
        .unwrap();
    assert_eq!(reload.status(), StatusCode::SEE_OTHER);
    assert_eq!(pairs(&location(&reload).unwrap()), unknown);
}

/// A memory store whose saves fail once `saves` are used up.
#[derive(Debug, Clone)]
struct FailingStore(MemoryStore, Arc<AtomicUsize>);

type Boxed<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type StoreResult<T> = tower_sessions::session_store::Result<T>;

impl SessionStore for FailingStore {
    fn save<'a, 'b, 'c>(&'a self, record: &'b Record) -> Boxed<'c, StoreResult<()>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        let left = self
            .1
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        match left {
            Ok(_) => self.0.save(record),
            Err(_) => Box::pin(async {
                Err(tower_sessions::session_store::Error::Backend("down".into()))
            }),
        }
    }

    fn load<'a, 'b, 'c>(&'a self, id: &'b Id) -> Boxed<'c, StoreResult<Option<Record>>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.0.load(id)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_failing_after_nox_answered_hides_neither_the_answer_nor_the_acceptance() {
    let nox = mock().await;
    let config = NoxLoginConfig::new("https://shop.example", &nox.nox_return_url(), TERMS).unwrap();
    let client = nox.client().unwrap();
    let headers = HeaderMap::new();
    for fails in [false, true] {
        if fails {
            let fault = Fault::status(500).on(Operation::PostLoginRedirect);
            nox.inject(fault.times(1)).unwrap();
        }
        let auth = nox.authorize(None, None).unwrap();
        let store = FailingStore(MemoryStore::default(), Arc::new(AtomicUsize::new(2)));
        let session = Session::new(None, Arc::new(store.clone()), None);
        let query = format!("state={}", auth.state);
        // The first two saves work (the login received, marked in progress), the last fails.
        let login = nox_login::receive_nox_login(&config, &session, Some(&query))
            .await
            .unwrap();
        let form = ConsentForm::new(&auth.state, login.csrf_token(), TERMS, "accept");
        let answered =
            nox_login::answer_nox_login(&client, &config, &session, &headers, "alice", &form).await;
        let accepted = match &answered {
            Ok(answer) if !fails => {
                assert_eq!(
                    pairs(&location_of(&answer.browser)),
                    back(&auth.state, None)
                );
                answer.accepted.clone()
            }
            Err(e @ NoxLoginError::Nox { .. }) if fails => {
                let to = e.back_to_nox().unwrap();
                assert_eq!(pairs(to), back(&auth.state, Some("server_error")));
                e.acceptance().cloned()
            }
            other => panic!("fails {fails}: {other:?}"),
        };
        assert_eq!(accepted.unwrap().supplier_user_id, "alice");
        // What the store kept: in progress. A reload is told the outcome is not known.
        let reloaded = Session::new(session.id(), Arc::new(store), None);
        let e = nox_login::receive_nox_login(&config, &reloaded, Some(&query))
            .await
            .unwrap_err();
        let NoxLoginError::Interrupted { back_to_nox } = &e else {
            panic!("{e:?}");
        };
        let unknown = back(&auth.state, Some("server_error"));
        assert_eq!(pairs(back_to_nox.as_deref().unwrap()), unknown);
    }
}

/// NOX (the mock), its app sending users to a login page at the supplier.
async fn mock() -> MockServer {
    let nox = MockServer::start().await.unwrap();
    nox.set_supplier_login_url("https://shop.example/nox/authorize")
        .unwrap();
    nox
}

fn location_of(step: &BrowserStep) -> String {
    match step {
        BrowserStep::Redirect { url } => url.clone(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_url_removed_from_the_config_is_not_redirected_to_again() {
    let nox = mock().await;
    let maker = format!("{}/app/return?by=maker", nox.base_url());
    let only_nox =
        NoxLoginConfig::new("https://shop.example", &nox.nox_return_url(), TERMS).unwrap();
    let both = only_nox.clone().also_return_to(&maker).unwrap();
    let client = nox.client().unwrap();
    let headers = HeaderMap::new();
    let auth = nox.authorize(None, None).unwrap();
    let session = Session::new(None, Arc::new(MemoryStore::default()), None);
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("state", auth.state.as_str()), ("redirect_uri", &maker)])
        .finish();
    let login = nox_login::receive_nox_login(&both, &session, Some(&query))
        .await
        .unwrap();
    let form = ConsentForm::new(&auth.state, login.csrf_token(), TERMS, "accept");
    let answer = nox_login::answer_nox_login(&client, &both, &session, &headers, "alice", &form)
        .await
        .unwrap();
    assert!(location_of(&answer.browser).starts_with(&format!("{maker}&")));
    // The maker's URL is removed from the config: a reload (NOX's request without
    // `redirect_uri`) and the form again get a 410 page, no redirect.
    let reload = format!("state={}", auth.state);
    let e = nox_login::receive_nox_login(&only_nox, &session, Some(&reload))
        .await
        .unwrap_err();
    assert!(matches!(e, NoxLoginError::Answered { .. }), "{e:?}");
    assert_eq!((e.back_to_nox(), e.status()), (None, StatusCode::GONE));
    let e = nox_login::answer_nox_login(&client, &only_nox, &session, &headers, "alice", &form)
        .await
        .unwrap_err();
    assert_eq!((e.back_to_nox(), e.status()), (None, StatusCode::GONE));
}

/// `ShareMode::BrowserFormPost` end to end against the mock's NOX: NOX starts an
/// authentication, the consent answers with the self-submitting form, the browser posts it
/// to NOX (no key), NOX maps the user, sends the browser to its app ("linked"), and lists
/// the device for the user; the same form posted again is refused (the state is used).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_mode_links_the_device_when_the_browser_posts_the_form_to_nox() {
    let nox = MockServer::start().await.unwrap();
    let action = format!("{}/post-login-redirect", nox.base_url());
    let config = NoxLoginConfig::new("https://shop.example", &nox.nox_return_url(), TERMS)
        .unwrap()
        .share(ShareMode::BrowserFormPost { action });
    nox.set_supplier_login_url("https://shop.example/nox/authorize")
        .unwrap();
    let auth = nox.authorize(Some("hp-form-1"), None).unwrap();
    let session = Session::new(None, Arc::new(MemoryStore::default()), None);
    let query = url::Url::parse(&auth.authorize_url)
        .unwrap()
        .query()
        .unwrap()
        .to_owned();
    let login = nox_login::receive_nox_login(&config, &session, Some(&query))
        .await
        .unwrap();
    let form = ConsentForm::new(&login.state, login.csrf_token(), TERMS, "accept");
    let client = nox.client().unwrap();
    let answer = nox_login::answer_nox_login(
        &client,
        &config,
        &session,
        &HeaderMap::new(),
        "alice",
        &form,
    )
    .await
    .unwrap();
    let BrowserStep::PostToNox {
        action,
        state,
        supplier_user_id,
    } = answer.browser.clone()
    else {
        panic!("{:?}", answer.browser)
    };
    // What the page's form makes the browser send: a cross-site form post, no key. A fault
    // armed for the operation answers it too (once), and nothing is mapped.
    let b = browser();
    let fields = [
        ("state", state.as_str()),
        ("supplier_user_id", supplier_user_id.as_str()),
    ];
    nox.inject(Fault::status(503).on(Operation::PostLoginRedirect))
        .unwrap();
    let failed = b.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        nox.authorization(&auth.state)
            .unwrap()
            .supplier_user_id
            .is_none()
    );
    let resp = b.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = location(&resp).unwrap();
    assert_eq!(pairs(&to), back(&auth.state, None));
    assert_eq!(nox_login_world::outcome(&b, &to).await, "linked");
    assert_eq!(
        nox.authorization(&auth.state)
            .unwrap()
            .supplier_user_id
            .as_deref(),
        Some("alice")
    );
    let listed = client
        .link_health("alice", nox_auth::Listing::HeatPumps)
        .await
        .unwrap();
    assert!(
        listed.iter().any(|d| d.device_id == "hp-form-1"),
        "{listed:?}"
    );
    // Posted again: NOX's state is single use.
    let again = b.post(&action).form(&fields).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}
