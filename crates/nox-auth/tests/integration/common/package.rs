//! A Package API on 127.0.0.1 for the listing tests (devices.rs, listing_answers.rs):
//! pages of devices, and a server that answers each request as a function of its number.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A page of heat pumps with these ids, and its next token.
pub fn page(ids: &[&str], next: Option<&str>) -> Value {
    let data: Vec<Value> = ids
        .iter()
        .map(|id| json!({"device_id": id, "user_id": "nox-u1", "brand": "nibe", "needs_reauthentication": false}))
        .collect();
    json!({"data": data, "meta": {"energy_supplier": "Acme", "next_token": next}})
}

/// Answers each request with `respond(n, request)`, counting them.
pub struct Counting<F>(Arc<AtomicUsize>, F);
impl<F: Fn(usize, &Request) -> ResponseTemplate + Send + Sync> Respond for Counting<F> {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        (self.1)(n, req)
    }
}

pub async fn serving(
    route: &str,
    respond: impl Fn(usize, &Request) -> ResponseTemplate + Send + Sync + 'static,
) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let count = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(Counting(count.clone(), respond))
        .mount(&server)
        .await;
    (server, count)
}

pub fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
