//! The control API's listings, page by page: `GET /_mock/sessions` and
//! `GET /_mock/requests` (and the query of `GET /_mock/devices`).
//!
//! Each answers a JSON array, oldest first, of at most `limit` items (1 to
//! [`MAX_LISTED`], default [`MAX_LISTED`]) and about
//! [`MAX_PAGE_BYTES`](crate::MAX_PAGE_BYTES) of JSON. When
//! more follow, the answer says where: `x-next-cursor: <cursor>` and
//! `Link: </_mock/…?limit=…&cursor=…>; rel="next"`; ask again with `cursor`.
//! `x-total-count` says how many items the listing holds now. A cursor stays valid
//! while items are evicted (the listing goes on from the oldest kept after it).

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::control_error::error;
use crate::page::{MAX_LISTED, Page};

/// `limit` and `cursor` of a listing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageQuery {
    pub(crate) limit: usize,
    pub(crate) cursor: u64,
}

impl PageQuery {
    /// Reads the query; a 400 names what is refused (an unknown parameter too: a
    /// misspelled `limt` must not silently list the default).
    pub(crate) fn parse(raw: Option<&str>) -> Result<PageQuery, Box<Response>> {
        let mut q = PageQuery {
            limit: MAX_LISTED,
            cursor: 0,
        };
        let refuse = |m: String| Box::new(error(StatusCode::BAD_REQUEST, m));
        for (name, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match &*name {
                "limit" => {
                    q.limit = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_LISTED).contains(n))
                        .ok_or_else(|| {
                            refuse(format!("limit must be 1 to {MAX_LISTED}, not `{value}`"))
                        })?;
                }
                "cursor" => {
                    q.cursor = value.parse().map_err(|_| {
                        refuse(format!(
                            "cursor `{value}` is not one this mock issued (x-next-cursor)"
                        ))
                    })?;
                }
                "control_token" => {}
                other => {
                    return Err(refuse(format!(
                        "unknown parameter `{other}`: a listing takes limit and cursor"
                    )));
                }
            }
        }
        Ok(q)
    }
}

/// The headers that say where a listing goes on, and how long it is.
pub(crate) fn paging_headers(response: &mut Response, path: &str, query: PageQuery, page: &Page) {
    let headers = response.headers_mut();
    if let Ok(total) = HeaderValue::from_str(&page.total.to_string()) {
        headers.insert("x-total-count", total);
    }
    if let Some(next) = page.next {
        let link = format!("<{path}?limit={}&cursor={next}>; rel=\"next\"", query.limit);
        if let (Ok(cursor), Ok(link)) = (
            HeaderValue::from_str(&next.to_string()),
            HeaderValue::from_str(&link),
        ) {
            headers.insert("x-next-cursor", cursor);
            headers.insert(header::LINK, link);
        }
    }
}

/// A page as the answer: the JSON array and the paging headers.
fn answer(path: &str, query: PageQuery, mut page: Page) -> Response {
    let json = std::mem::take(&mut page.json);
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json,
    )
        .into_response();
    paging_headers(&mut response, path, query, &page);
    response
}

/// `GET /_mock/sessions`: token, kind, user, asset type, brand, state, expiry…
pub(crate) async fn sessions(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    match PageQuery::parse(raw.as_deref()) {
        Ok(q) => answer(
            "/_mock/sessions",
            q,
            app.store.sessions_page(q.cursor, q.limit),
        ),
        Err(refused) => *refused,
    }
}

/// `GET /_mock/requests`: the answered requests kept, as [`crate::MockServer::requests`].
pub(crate) async fn requests(State(app): State<App>, RawQuery(raw): RawQuery) -> Response {
    match PageQuery::parse(raw.as_deref()) {
        Ok(q) => answer("/_mock/requests", q, app.store.log.page(q.cursor, q.limit)),
        Err(refused) => *refused,
    }
}
