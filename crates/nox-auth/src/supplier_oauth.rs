//! The NOX-initiated link (section 2 of NOX's guide): after the user NOX sent to your
//! OAuth login page has logged in and accepted your terms, your server tells NOX who
//! they are (`POST /post-login-redirect`).
//!
//! NOX documents this endpoint in one sentence only; `specs/v2/openapi-supplier-oauth.json`
//! and decisions 33–40 of `specs/README.md` say what is guessed, and `nox contract check`
//! asks the live NOX. `nox_auth_axum::nox_login` builds the login page around this call.

use nox_auth_runtime::Operation;

use crate::client::Client;
use crate::error::{Error, ValidationError};
use crate::send::refused;
use crate::validate::non_empty;

/// The longest `state` sent back to NOX, in bytes: NOX's value is opaque, but a state
/// longer than this came from somewhere else (OAuth states are tens of bytes).
pub const MAX_STATE_LEN: usize = 512;

/// The longest supplier user id sent, in bytes (the mock's and the link sessions' bound).
pub const MAX_SUPPLIER_USER_ID_LEN: usize = 256;

/// The most of an answer to [`Client::post_login_redirect`] that is read: NOX documents
/// none, and what we take from it (two ids) is small.
pub const MAX_SHARE_ANSWER_BYTES: usize = 64 * 1024;

/// What NOX answered to [`Client::post_login_redirect`]. NOX shows no answer in its docs,
/// so every field is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginShared {
    /// The supplier user id NOX says it recorded, if it says.
    pub supplier_user_id: Option<String>,
    /// NOX's id of the user, if NOX tells it: NOX's claim, not something we verified.
    pub nox_user_id: Option<String>,
}

impl LoginShared {
    /// NOX answered with a 2xx whose body says nothing we can read.
    fn unread() -> Self {
        LoginShared {
            supplier_user_id: None,
            nox_user_id: None,
        }
    }
}

impl Client {
    /// Tells NOX which of your users logged in on your OAuth login page
    /// (`POST /post-login-redirect`, the NOX-initiated link): `state` is the value NOX
    /// passed to the login page, unchanged; `supplier_user_id` is *your* id of the user
    /// your own login established, never one taken from the request.
    ///
    /// Sent from your server with the API key (the key never reaches the browser). Not
    /// retried after an answer that may come after NOX acted (502, 504): NOX's `state` is
    /// single use, so a second call would hide the first one's success behind "already
    /// used". An authentication session at NOX lasts 15 minutes; after that NOX refuses
    /// the state ([`Error::Api`], 400, with NOX's message).
    ///
    /// Any 2xx is a success, whatever its body: NOX documents no answer, and telling a user
    /// "failed" after NOX linked them would be worse than an empty [`LoginShared`].
    ///
    /// ```no_run
    /// # async fn run(state: &str) -> Result<(), nox_auth::Error> {
    /// let client = nox_auth::Client::from_env()?;
    /// client.post_login_redirect(state, "user-42").await?;
    /// // then send the browser back to NOX's redirect URL with the same state
    /// # Ok(()) }
    /// ```
    pub async fn post_login_redirect(
        &self,
        state: &str,
        supplier_user_id: &str,
    ) -> Result<LoginShared, Error> {
        const OP: Operation = Operation::PostLoginRedirect;
        non_empty("state", state)?;
        non_empty("supplier_user_id", supplier_user_id)?;
        for (field, value, max) in [
            ("state", state, MAX_STATE_LEN),
            (
                "supplier_user_id",
                supplier_user_id,
                MAX_SUPPLIER_USER_ID_LEN,
            ),
        ] {
            if value.len() > max {
                return Err(ValidationError::TooLong {
                    field,
                    len: value.len(),
                    max,
                }
                .into());
            }
        }
        // The generated newtypes check the spec's lengths (in characters) again; the byte
        // checks above are stricter, so these conversions cannot fail in practice.
        let too_long = |field: &'static str, value: &str, max: usize| ValidationError::TooLong {
            field,
            len: value.len(),
            max,
        };
        let body = nox_auth_v2::supplier_oauth::types::PostLoginRedirectRequest {
            state: state
                .try_into()
                .map_err(|_| too_long("state", state, MAX_STATE_LEN))?,
            supplier_user_id: supplier_user_id.try_into().map_err(|_| {
                too_long(
                    "supplier_user_id",
                    supplier_user_id,
                    MAX_SUPPLIER_USER_ID_LEN,
                )
            })?,
        };
        let call = self.v2_supplier_oauth.post_login_redirect().body(body);
        match call.send().await {
            Ok(answer) => {
                let answer = answer.into_inner();
                Ok(LoginShared {
                    supplier_user_id: answer.supplier_user_id,
                    nox_user_id: answer.nox_user_id,
                })
            }
            // No NOX page shows the answer (decision 39): a 2xx means NOX acted, whatever
            // its body. Only the success side has a typed body (every 2xx, by the rule
            // "any 2xx is a success"; the errors have none, by the rule "error answers of
            // unknown shape"), so a body that is not the JSON we guessed (empty, text,
            // another type) is a 2xx's.
            Err(progenitor_client::Error::InvalidResponsePayload(..)) => Ok(LoginShared::unread()),
            // The status was a 2xx (error answers are not read here, they arrive raw as
            // unexpected ones), and then its body broke off, ran past the time left or past
            // MAX_SHARE_ANSWER_BYTES: NOX acted all the same.
            Err(progenitor_client::Error::ResponseBodyError(_)) => Ok(LoginShared::unread()),
            Err(progenitor_client::Error::UnexpectedResponse(resp))
                if resp.status().is_success() =>
            {
                Ok(LoginShared::unread())
            }
            Err(e) => Err(match refused(&self.scrubber, OP, e).await {
                // A refusal of the request (400 as documented: a missing field, or a state
                // unknown, used or expired; or its kin 409, 410, 422) keeps NOX's message, as
                // for every other operation. 401/403 stay `Unauthorized`, 429 and the rest
                // `UnexpectedStatus` (with `Retry-After`).
                Error::UnexpectedStatus {
                    operation,
                    status,
                    body_excerpt,
                    ..
                } if matches!(status.as_u16(), 400 | 409 | 410 | 422) => Error::Api {
                    operation,
                    status,
                    message: body_excerpt,
                    code: None,
                },
                e => e,
            }),
        }
    }
}
