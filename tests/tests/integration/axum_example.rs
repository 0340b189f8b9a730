//! The example backend (`crates/nox-auth-axum/examples/axum_backend/`) as its users meet
//! it: in headless Chromium (log in, link; a stray and a forged callback refused while the
//! link is pending; choose a brand in the mock's Authenticator UI, land on the result page;
//! the same callback URL again is refused and the page says why),
//! and as two instances sharing one PostgreSQL server (start on one, finish on the other).
//!
//! The PostgreSQL test reads the server from `NOX_TEST_DATABASE_URL`; `scripts/test.sh`
//! starts one (installing Debian's postgresql when missing) and sets
//! `NOX_REQUIRE_POSTGRES=1`, which turns a missing server into a failure instead of a skip.

// Not every entry point of the example is used here (`serve` is, in the hostile tests).
use crate::axum_backend;

use std::sync::Arc;
use std::time::Duration;

use nox_e2e::webdriver::Driver;
use reqwest::StatusCode;

/// The example on 127.0.0.1 (a free port), with `nox` as NOX and the sessions in
/// `database_url`; its base URL once it answers.
async fn start_example(nox: &nox_mock::MockServer, public_url: Option<&str>, db: &str) -> String {
    start_example_sweeping(nox, public_url, db, axum_backend::SESSION_CLEANUP).await
}

/// The example, sweeping expired sessions every `cleanup`.
async fn start_example_sweeping(
    nox: &nox_mock::MockServer,
    public_url: Option<&str>,
    db: &str,
    cleanup: Duration,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let client = nox.client().unwrap();
    let public = public_url.unwrap_or(&base).to_owned();
    let db = db.to_owned();
    tokio::spawn(async move {
        if let Err(e) =
            axum_backend::serve_with_cleanup(listener, client, &public, &db, cleanup).await
        {
            panic!("the example stopped: {e}");
        }
    });
    // It answers once its store is migrated (the listener queues until then).
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = http.get(&base).send().await
            && r.status() == StatusCode::OK
        {
            return base;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the example did not answer at {base}");
}

fn temp_sqlite(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("nox-example-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("sessions.db").display());
    (dir, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_links_a_heat_pump_in_chromium_and_refuses_the_replay() {
    let Some(mut driver) = Driver::launch("axum-example").await else {
        return;
    };
    // NOX on another host than the site (127.0.0.2 vs 127.0.0.1): the browser comes back
    // cross-site, as from the real NOX, so a SameSite=Strict session cookie would be lost.
    let nox = nox_mock::MockServer::start_with(
        nox_mock::MockConfig::default().addr("127.0.0.2:0".parse().unwrap()),
    )
    .await
    .unwrap();
    let (dir, db) = temp_sqlite("chromium");
    let base = start_example(&nox, None, &db).await;

    driver.goto(&base).await;
    assert_eq!(driver.text("h1").await, "Log in");
    driver.type_into("#user", "alice").await;
    driver.click("#login").await;
    assert_eq!(
        driver.text_becomes("#who", "Logged in as alice").await,
        "Logged in as alice"
    );
    assert_eq!(driver.text("#devices").await, "No devices linked yet.");

    driver.click("#link").await;
    assert_eq!(
        driver
            .text_becomes("h1", "Connect your device to NOX")
            .await,
        "Connect your device to NOX"
    );
    let at_nox = driver.current_url().await;
    assert!(
        at_nox.starts_with(&format!("{}/ui?token=", nox.base_url())),
        "{at_nox}"
    );
    // While the link is pending: a link to the bare callback page, and a forged callback
    // naming alice (another NOX user's device, no state), opened in her browser. Both are
    // refused, and the real link still finishes.
    let forged = nox_auth::callback::CallbackPayload::new(
        "nox-mallory",
        "alice",
        "daikin",
        vec!["mallory-hp".into()],
        std::time::SystemTime::now(),
    )
    .encode();
    for (url, reason) in [
        (
            format!("{base}/nox/callback"),
            "This callback is not valid.",
        ),
        (
            format!("{base}/nox/callback?data={forged}"),
            "This callback does not belong to a link started in this browser. Start linking again.",
        ),
    ] {
        driver.goto(&url).await;
        assert_eq!(
            driver.text_becomes("h1", "Linking failed").await,
            "Linking failed"
        );
        assert_eq!(driver.text("#reason").await, reason, "{url}");
    }
    driver.goto(&at_nox).await;
    driver.click("#brand-vaillant").await;
    driver.click("#submit").await;

    assert_eq!(
        driver.text_becomes("h1", "Heat pump linked").await,
        "Heat pump linked"
    );
    let callback = driver.current_url().await;
    // The state nonce the flow put into the redirect URL comes back, `data` after it.
    assert!(
        callback.starts_with(&format!("{base}/nox/callback?nox_state=")),
        "{callback}"
    );
    assert!(callback.contains("&data="), "{callback}");
    let devices = driver.text("#devices").await;
    let token = nox_mock::link_token(&at_nox).unwrap();
    let linked = nox.session(&token).unwrap().device_ids;
    assert_eq!(linked.len(), 1);
    // Confirmed at the mock's Package API, shown with NOX's health.
    assert_eq!(
        devices,
        format!("{} (vaillant, hp): linked, steerable", linked[0])
    );

    // The same callback URL again: refused, and the page says why.
    driver.goto(&callback).await;
    assert_eq!(
        driver.text_becomes("h1", "Linking failed").await,
        "Linking failed"
    );
    assert_eq!(
        driver.text("#reason").await,
        "This link was already used or has not been started here. Start linking again."
    );
    // The home page still lists the one device, as NOX lists it.
    driver.goto(&base).await;
    assert_eq!(driver.text("#devices").await, devices);

    // NOX says the device needs re-authentication: the page offers "Link again".
    nox.mark_device(
        &linked[0],
        nox_mock::DeviceMark::default().needs_reauthentication(true),
    )
    .unwrap();
    driver.goto(&base).await;
    assert_eq!(
        driver.text(".link-again").await,
        "Link again",
        "{}",
        driver.text("#devices").await
    );
    assert!(
        driver
            .text("#devices")
            .await
            .contains("needs re-authentication")
    );

    // Alice edits a callback to claim bob's heat pump, with her own valid nonce: every
    // check of the session holds, and NOX does not list that device for her.
    let bob = nox
        .add_devices(nox_mock::DeviceBatch::new(
            nox_mock::DeviceKind::HeatPump,
            "bob",
            1,
        ))
        .unwrap()
        .device_id(0)
        .unwrap();
    driver.click(".link-again").await;
    assert_eq!(
        driver
            .text_becomes("h1", "Connect your device to NOX")
            .await,
        "Connect your device to NOX"
    );
    let token = nox_mock::link_token(&driver.current_url().await).unwrap();
    let redirect = nox.session(&token).unwrap().redirect_url;
    let claim = nox_auth::callback::CallbackPayload::new(
        "nox-alice",
        "alice",
        "nibe",
        vec![bob],
        std::time::SystemTime::now(),
    )
    .encode();
    driver.goto(&format!("{redirect}&data={claim}")).await;
    assert_eq!(
        driver.text_becomes("h1", "Linking failed").await,
        "Linking failed"
    );
    assert_eq!(
        driver.text("#reason").await,
        "NOX does not confirm this link for your account."
    );
    driver.quit().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// The PostgreSQL server of `scripts/test.sh`, or `None` (and a note) where none is given
/// and none is required.
fn postgres_or_skip() -> Option<String> {
    let url = std::env::var("NOX_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    nox_e2e::required_or_skip(
        url,
        "a PostgreSQL server (NOX_TEST_DATABASE_URL)",
        "NOX_REQUIRE_POSTGRES",
    )
}

/// A browser for the HTTP-level tests: cookies kept, redirects not followed.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_postgres_start_on_one_and_finish_on_the_other() {
    let Some(db) = postgres_or_skip() else {
        return;
    };
    let nox = nox_mock::MockServer::start().await.unwrap();
    // Both instances stand behind one public URL, as behind a load balancer.
    let public = "http://localhost"; // http is allowed to a loopback host only
    let a = start_example(&nox, Some(public), &db).await;
    let b = start_example(&nox, Some(public), &db).await;

    // The browser's cookies go to both (cookies do not depend on the port).
    let browser = browser();
    let resp = browser
        .post(format!("{a}/login"))
        .form(&[("user", "frank")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = browser.post(format!("{a}/link")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with(&format!("{}/ui?token=", nox.base_url())),
        "{to}"
    );
    let token = nox_mock::link_token(&to).unwrap();
    let callback = nox
        .complete(&token, nox_auth::Brand::Daikin, vec!["hp-77".into()])
        .unwrap();
    let path = callback.strip_prefix(public).unwrap();

    // Finished on the other instance: verified, the device listed.
    let resp = browser.get(format!("{b}{path}")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    assert!(page.contains("<h1>Heat pump linked</h1>"), "{page}");
    assert!(
        page.contains("<li>hp-77 (daikin, hp): linked, steerable</li>"),
        "{page}"
    );

    // Single use across instances: the first one refuses the same callback now.
    let resp = browser.get(format!("{a}{path}")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::GONE);
    assert!(resp.text().await.unwrap().contains("already used"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_escapes_what_it_shows_and_refuses_bad_logins() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let (dir, db) = temp_sqlite("escape");
    let base = start_example(&nox, None, &db).await;
    let browser = browser();
    // A user name that is markup is refused, not echoed.
    let resp = browser
        .post(format!("{base}/login"))
        .form(&[("user", "<script>x</script>")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(!resp.text().await.unwrap().contains("<script>"));

    // Device ids and brands come from outside: NOX's callback shows escaped.
    browser
        .post(format!("{base}/login"))
        .form(&[("user", "grace")])
        .send()
        .await
        .unwrap();
    // A cross-site POST to start linking (a form on another site; the Lax cookie would not
    // be sent by a browser, but the server refuses it too): 403, nothing asked of NOX.
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ] {
        let resp = browser
            .post(format!("{base}/link"))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{name}: {value}");
    }
    assert!(nox.sessions().is_empty());
    let resp = browser
        .post(format!("{base}/link"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", &base)
        .send()
        .await
        .unwrap();
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    let token = nox_mock::link_token(&to).unwrap();
    let callback = nox
        .complete(
            &token,
            nox_auth::Brand::Daikin,
            vec!["<img src=x onerror=alert(1)>".into()],
        )
        .unwrap();
    let page = browser
        .get(&callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt; (daikin, hp)"),
        "{page}"
    );
    assert!(!page.contains("<img"), "{page}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A session row that expired is deleted by the example's sweep; a live one stays. On
/// SQLite, and on PostgreSQL where the test script provides one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_deletes_expired_sessions() {
    use tower_sessions::SessionStore;
    use tower_sessions::cookie::time::{Duration as TimeDuration, OffsetDateTime};
    use tower_sessions::session::{Id, Record};
    use tower_sessions_sqlx_store::sqlx::{PgPool, SqlitePool};
    use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

    let (dir, sqlite) = temp_sqlite("sweep");
    let mut databases = vec![sqlite];
    databases.extend(postgres_or_skip());
    for db in databases {
        let nox = nox_mock::MockServer::start().await.unwrap();
        let base = start_example_sweeping(&nox, None, &db, Duration::from_millis(100)).await;
        // A live session: logged in and linking (the pending link is saved).
        let browser = browser();
        browser
            .post(format!("{base}/login"))
            .form(&[("user", "heidi")])
            .send()
            .await
            .unwrap();
        let resp = browser.post(format!("{base}/link")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        // An expired one, written as the store writes them.
        let expired = Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() - TimeDuration::hours(1),
        };
        // The rows of the session table, as the database counts them.
        let count = async |sql: &str| -> i64 {
            use tower_sessions_sqlx_store::sqlx::query_scalar;
            if db.starts_with("postgres") {
                let pool = PgPool::connect(&db).await.unwrap();
                query_scalar(sql).fetch_one(&pool).await.unwrap()
            } else {
                let pool = SqlitePool::connect(&db).await.unwrap();
                query_scalar(sql).fetch_one(&pool).await.unwrap()
            }
        };
        let table = if db.starts_with("postgres") {
            PostgresStore::new(PgPool::connect(&db).await.unwrap())
                .save(&expired)
                .await
                .unwrap();
            "tower_sessions.session"
        } else {
            SqliteStore::new(SqlitePool::connect(&db).await.unwrap())
                .save(&expired)
                .await
                .unwrap();
            "tower_sessions"
        };
        let all = format!("select count(*) from {table}");
        let gone = format!("select count(*) from {table} where id = '{}'", expired.id);
        let mut left = 1;
        for _ in 0..100 {
            left = count(&gone).await;
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(left, 0, "the expired session is still in {db}");
        assert!(count(&all).await >= 1, "the live session was kept in {db}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
