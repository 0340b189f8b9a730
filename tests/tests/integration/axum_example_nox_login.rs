//! The example backend's login page for NOX (when the user starts at NOX), over HTTP: a
//! foreign return URL refused, anonymous visits writing no session, the login's `next`
//! never another site, the consent refused from another site, linked once from this one,
//! the same form again answered the same without asking NOX twice, and a decline sent back
//! to NOX with `access_denied`.

use crate::axum_backend;
use crate::axum_example_hostile::{browser, login};

use std::time::Duration;

use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_for_nox_and_the_login_send_nowhere_else() {
    let nox = nox_mock::MockServer::start().await.unwrap();
    let (dir, db) = {
        let dir =
            std::env::temp_dir().join(format!("nox-example-{}-nox-login", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = format!("sqlite://{}?mode=rwc", dir.join("sessions.db").display());
        (dir, db)
    };
    let db_url = db.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (client, public, back) = (nox.client().unwrap(), base.clone(), nox.nox_return_url());
    let cleanup = axum_backend::SESSION_CLEANUP;
    tokio::spawn(async move {
        let _ =
            axum_backend::serve_site(listener, client, &public, &db, cleanup, Some(&back)).await;
    });
    let (b, _jar) = browser();
    let authorize = |redirect_uri: &str| {
        let mut url = reqwest::Url::parse(&format!("{base}/nox/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("state", "nox-state-1")
            .append_pair("redirect_uri", redirect_uri);
        url
    };
    // A foreign return URL: a 400 page, no redirect (the page answers once migrated).
    let mut resp = None;
    for _ in 0..200 {
        if let Ok(r) = b.get(authorize("https://evil.example/return")).send().await {
            resp = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resp = resp.expect("the example answers");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("does not come from NOX")
    );

    // NOX's own request, logged out: this site's login, which comes back here after;
    // nothing written to the session store (no cookie, no row), however many visits.
    for _ in 0..20 {
        let page = b
            .get(authorize(&nox.nox_return_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.headers().get("set-cookie").is_none());
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        assert!(
            page.text().await.unwrap().contains(
                "name=\"next\" value=\"/nox/authorize?state=nox-state-1&amp;redirect_uri="
            )
        );
    }
    let pool = tower_sessions_sqlx_store::sqlx::SqlitePool::connect(&db_url)
        .await
        .unwrap();
    let rows: (i64,) =
        tower_sessions_sqlx_store::sqlx::query_as("select count(*) from tower_sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(rows.0, 0, "an anonymous visit writes no session row");
    // The login's `next` is a path of this site, or `/`: never another site.
    for (next, to) in [
        ("/nox/authorize?state=s", "/nox/authorize?state=s"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("", "/"),
    ] {
        let resp = b
            .post(format!("{base}/login"))
            .form(&[("user", "alice"), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(resp.headers()["location"], to, "{next}");
    }
    // Logged in, NOX's real request: the terms (not framed), with a way back to NOX.
    nox.set_supplier_login_url(&format!("{base}/nox/authorize"))
        .unwrap();
    let auth = nox.authorize(None, None).unwrap();
    login(&b, &base, "alice").await;
    let page = b.get(&auth.authorize_url).send().await.unwrap();
    assert_eq!(
        page.headers()["content-security-policy"],
        "frame-ancestors 'none'"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Cancel and go back to NOX"));
    let field = |name: &str| {
        let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let form = [
        ("state", auth.state.clone()),
        ("csrf", field("csrf")),
        (
            "terms_version",
            axum_backend::nox_pages::TERMS_VERSION.to_owned(),
        ),
        ("decision", "accept".to_owned()),
    ];
    // Posted from another site with the *real* token: refused by the origin check alone.
    let resp = b
        .post(format!("{base}/nox/consent"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get("location").is_none());
    let calls = || {
        nox.requests()
            .iter()
            .filter(|r| r.path.ends_with("/post-login-redirect"))
            .count()
    };
    assert_eq!(calls(), 0);
    // The same form from this site: linked (the refusal consumed nothing).
    let resp = b
        .post(format!("{base}/nox/consent"))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(calls(), 1);
    let at_nox = nox.authorization(&auth.state).unwrap();
    assert_eq!(at_nox.supplier_user_id.as_deref(), Some("alice"));
    let linked_to = resp.headers()["location"].to_str().unwrap().to_owned();
    // The same form again (a double click, a reload): the same answer, NOX not asked again.
    let again = b
        .post(format!("{base}/nox/consent"))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(again.headers()["location"], linked_to.as_str());
    assert_eq!(calls(), 1);
    // A user who declines: back to NOX with `error=access_denied`, nothing shared.
    let declined = nox.authorize(None, None).unwrap();
    let html = b
        .get(&declined.authorize_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = html[at..at + html[at..].find('"').unwrap()].to_owned();
    let resp = b
        .post(format!("{base}/nox/consent"))
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("state", declined.state.as_str()),
            ("csrf", csrf.as_str()),
            ("terms_version", axum_backend::nox_pages::TERMS_VERSION),
            ("decision", "decline"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let back = reqwest::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert!(back.as_str().starts_with(&nox.nox_return_url()), "{back}");
    assert!(
        back.query_pairs()
            .any(|(k, v)| k == "error" && v == "access_denied"),
        "{back}"
    );
    assert_eq!(calls(), 1, "a decline tells NOX nothing");
    assert!(
        nox.authorization(&declined.state)
            .unwrap()
            .supplier_user_id
            .is_none()
    );
    let _ = std::fs::remove_dir_all(dir);
}
