//! NOX's request to your login page, read strictly and kept pending in the session, and
//! your user's id, checked before anything is consumed.

use std::time::SystemTime;

use tower_sessions::Session;

use super::answer::{BrowserStep, PendingNoxLogin};
use super::config::NoxLoginConfig;
use super::error::NoxLoginError;
use super::kept::{Kept, Step, Stored, unix_ms};
use crate::pending::random_hex;

/// NOX's `state` and `redirect_uri` from the login page's query (each at most once; the
/// rest ignored).
fn parse_request(query: Option<&str>) -> Result<(String, Option<String>), NoxLoginError> {
    let invalid = |detail: &str| NoxLoginError::InvalidRequest {
        detail: detail.to_owned(),
    };
    let (mut state, mut redirect_uri) = (None, None);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let slot = match &*key {
            "state" => &mut state,
            "redirect_uri" => &mut redirect_uri,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(invalid(&format!("`{key}` is given twice")));
        }
    }
    let state = state.ok_or_else(|| invalid("no `state`"))?;
    if state.is_empty() || state.len() > nox_auth::MAX_STATE_LEN {
        return Err(invalid(&format!(
            "`state` is {} bytes (1 to {} allowed)",
            state.len(),
            nox_auth::MAX_STATE_LEN
        )));
    }
    if !state.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(invalid("`state` has a character outside printable ASCII"));
    }
    Ok((state, redirect_uri))
}

/// Checks NOX's request to your login page (`query`: the request's query string, e.g.
/// `uri.query()`) without keeping anything: an unusable `state` or a return URL that is
/// not a configured one is refused (400, never a redirect). For your login page before
/// your login check, so a request that is not NOX's is refused before your login is
/// shown; [`receive_nox_login`] checks the same.
pub fn check_nox_request(
    config: &NoxLoginConfig,
    query: Option<&str>,
) -> Result<(), NoxLoginError> {
    checked_request(config, query).map(drop)
}

/// NOX's `state` and the return URL it named (or the configured default).
pub(super) fn checked_request(
    config: &NoxLoginConfig,
    query: Option<&str>,
) -> Result<(String, String), NoxLoginError> {
    let (state, redirect_uri) = parse_request(query)?;
    match redirect_uri {
        None => Ok((state, config.nox_return_url().to_owned())),
        Some(given) if config.is_return_url(&given) => Ok((state, given)),
        Some(given) => Err(NoxLoginError::ForeignReturnUrl {
            given: nox_auth::nox_auth_runtime::text::excerpt(&given, 200),
        }),
    }
}

/// Your user's id as NOX takes it: not blank, at most
/// [`nox_auth::MAX_SUPPLIER_USER_ID_LEN`] bytes.
pub(super) fn check_user_id(supplier_user_id: &str) -> Result<(), NoxLoginError> {
    if supplier_user_id.trim().is_empty()
        || supplier_user_id.len() > nox_auth::MAX_SUPPLIER_USER_ID_LEN
    {
        return Err(NoxLoginError::InvalidUserId {
            detail: format!(
                "{} bytes (1 to {}, not blank)",
                supplier_user_id.len(),
                nox_auth::MAX_SUPPLIER_USER_ID_LEN
            ),
        });
    }
    Ok(())
}

/// Receives NOX's request to your login page (`query`: the request's query string, e.g.
/// `uri.query()`) and keeps the login pending in `session` (a second call with the same
/// `state` finds it again). **Call it after your login check**: it writes to the session
/// (a row in your session store), which an anonymous visitor should not cause; use
/// [`check_nox_request`] before the check. Refuses a return URL other than the configured
/// ones and an unusable `state` (400, never a redirect); a login past the window
/// ([`NoxLoginError::Expired`]) or already answered ([`NoxLoginError::Answered`]) sends
/// the browser back to NOX ([`NoxLoginError::back_to_nox`]). See the [module docs](super)
/// for the handler around it.
pub async fn receive_nox_login(
    config: &NoxLoginConfig,
    session: &Session,
    query: Option<&str>,
) -> Result<PendingNoxLogin, NoxLoginError> {
    receive_nox_login_at(config, session, query, SystemTime::now()).await
}

/// [`receive_nox_login`] at `now` (your clock; for tests).
pub async fn receive_nox_login_at(
    config: &NoxLoginConfig,
    session: &Session,
    query: Option<&str>,
    now: SystemTime,
) -> Result<PendingNoxLogin, NoxLoginError> {
    let (state, return_url) = checked_request(config, query)?;
    let window = config.login_window();
    let mut kept = Kept::take(session).await?;
    if let Some(known) = kept.find(&state) {
        let back = |error: &str| {
            config.return_with(&known.return_url, &[("state", &state), ("error", error)])
        };
        if let Some(step) = &known.answered {
            if *step == Step::InProgress {
                return Err(NoxLoginError::Interrupted {
                    back_to_nox: back("server_error"),
                });
            }
            // The browser mode's form names the user who answered: never replayed here.
            let back_to_nox = match step.browser(known, config) {
                Some(BrowserStep::Redirect { url }) => Some(url),
                _ => None,
            };
            return Err(NoxLoginError::Answered { back_to_nox });
        }
        let age = known.age(now);
        if age >= window {
            // Kept as it is: a reload stays expired (the window does not restart).
            return Err(NoxLoginError::Expired {
                age,
                back_to_nox: back("access_denied"),
            });
        }
        return Ok(known.public(config));
    }
    let new = Stored {
        state,
        csrf: random_hex("the NOX login's CSRF token")?,
        received_at_ms: unix_ms(now),
        return_url,
        answered: None,
        answered_by: None,
    };
    let login = new.public(config);
    kept.all.push(new);
    kept.save(session, now, window).await?;
    Ok(login)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nox_requests_are_read_strictly() {
        let ok = parse_request(Some(
            "client_id=x&state=a%20b~%21&response_type=code&scope=s&redirect_uri=https%3A%2F%2Fn%2Fr",
        ))
        .unwrap();
        assert_eq!(ok, ("a b~!".to_owned(), Some("https://n/r".to_owned())));
        assert_eq!(parse_request(Some("state=s")).unwrap().1, None);
        for bad in [
            None,
            Some("redirect_uri=x"),
            Some("state="),
            Some("state=a&state=b"),
            Some("state=a&redirect_uri=x&redirect_uri=y"),
            Some("state=%0a"),
            Some("state=%C3%A9"),
        ] {
            assert!(parse_request(bad).is_err(), "{bad:?}");
        }
        let long = format!("state={}", "a".repeat(nox_auth::MAX_STATE_LEN + 1));
        assert!(parse_request(Some(&long)).is_err());
    }
}
