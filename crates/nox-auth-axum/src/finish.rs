//! The callback handlers' half of the flow: decode, check the user and the nonce, consume
//! the pending link, verify against it, and (by default) confirm at NOX's Package API.

use std::time::SystemTime;

use nox_auth::callback::{self, VerifiedConnection, VerifyOptions};
use nox_auth::{
    Client, ConfirmOptions, ConfirmedConnection, ManufacturerLinkSession, SupplierLinkSession,
};
use tower_sessions::Session;

use crate::error::LinkError;
use crate::pending::{PENDING_MANUFACTURER_KEY, PENDING_SUPPLIER_KEY, consume};

/// Finishes a supplier link and confirms it at NOX: [`finish_supplier_link_unconfirmed`],
/// then [`Client::confirm`] with the default [`ConfirmOptions`] (every device of the
/// callback listed by the Package API for `logged_in_user`, the user the link was started
/// for). A link NOX does not confirm is [`LinkError::NotConfirmed`], which keeps the
/// verified connection (the pending link is consumed: confirm it again later with
/// `Client::confirm` if NOX only lagged).
pub async fn finish_supplier_link(
    client: &Client,
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
) -> Result<ConfirmedConnection, LinkError> {
    finish_supplier_link_with(
        client,
        session,
        logged_in_user,
        callback_url,
        &ConfirmOptions::default(),
    )
    .await
}

/// [`finish_supplier_link`] with explicit [`ConfirmOptions`] (how long to wait for NOX to
/// list the devices; whose `user_id` to ask for).
pub async fn finish_supplier_link_with(
    client: &Client,
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
    options: &ConfirmOptions,
) -> Result<ConfirmedConnection, LinkError> {
    let verified = finish_supplier_link_unconfirmed(session, logged_in_user, callback_url).await?;
    confirm(client, verified, options).await
}

/// Finishes a supplier link *without asking NOX*: [`finish_supplier_link_at`] with the
/// current time and the default [`VerifyOptions`].
///
/// **The risk:** the result is the unsigned payload's claim, consistent with the link you
/// stored (and, with the state nonce, bound to this browser). Its `device_ids` and
/// `nox_user_id` are not checked against NOX: a user who edits the callback can claim a
/// device NOX never linked to them. Use it where NOX cannot be asked at that moment, and
/// confirm later (`Client::confirm`) before you act on the devices.
pub async fn finish_supplier_link_unconfirmed(
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
) -> Result<VerifiedConnection, LinkError> {
    finish_supplier_link_at(
        session,
        logged_in_user,
        callback_url,
        SystemTime::now(),
        &VerifyOptions::default(),
    )
    .await
}

/// Finishes the link from the callback URL NOX sent the browser to, without asking NOX:
/// decodes `?data=`, checks it names `logged_in_user` and carries one of this browser's
/// state nonces (a stray or forged request leaves the pending links in place), takes that
/// pending link session out of `session` (single use), and verifies the payload against
/// it at `now`.
pub async fn finish_supplier_link_at(
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
    now: SystemTime,
    options: &VerifyOptions,
) -> Result<VerifiedConnection, LinkError> {
    let payload = callback::decode(callback_url)?;
    let pending: SupplierLinkSession = consume(
        session,
        PENDING_SUPPLIER_KEY,
        logged_in_user,
        &payload.supplier_user_id,
        callback_url,
    )
    .await?;
    Ok(payload.verify_supplier_with(&pending, now, options)?)
}

/// The manufacturer flow's finish, confirmed at NOX as far as NOX can: the manufacturer
/// listing names no user in NOX's docs, so this confirms with
/// [`ConfirmOptions::accept_device_only`]: the devices are listed for your manufacturer
/// account (not invented), but *whose* they are rests on the callback (the state nonce binds
/// it to this browser; a user who edits their own callback to name another user's device
/// of your brand is not caught). `ConfirmedConnection::user_bound` is `false`.
pub async fn finish_manufacturer_link(
    client: &Client,
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
) -> Result<ConfirmedConnection, LinkError> {
    finish_manufacturer_link_with(
        client,
        session,
        logged_in_user,
        callback_url,
        &ConfirmOptions::default().accept_device_only(true),
    )
    .await
}

/// [`finish_manufacturer_link`] with explicit [`ConfirmOptions`] (without
/// `accept_device_only`, every manufacturer link is `NotConfirmed`).
pub async fn finish_manufacturer_link_with(
    client: &Client,
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
    options: &ConfirmOptions,
) -> Result<ConfirmedConnection, LinkError> {
    let verified =
        finish_manufacturer_link_unconfirmed(session, logged_in_user, callback_url).await?;
    confirm(client, verified, options).await
}

/// The manufacturer flow's finish without asking NOX, with the risk of
/// [`finish_supplier_link_unconfirmed`].
pub async fn finish_manufacturer_link_unconfirmed(
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
) -> Result<VerifiedConnection, LinkError> {
    finish_manufacturer_link_at(
        session,
        logged_in_user,
        callback_url,
        SystemTime::now(),
        &VerifyOptions::default(),
    )
    .await
}

/// The manufacturer flow's finish without asking NOX: as [`finish_supplier_link_at`],
/// verified with `CallbackPayload::verify_manufacturer_with`.
pub async fn finish_manufacturer_link_at(
    session: &Session,
    logged_in_user: &str,
    callback_url: &str,
    now: SystemTime,
    options: &VerifyOptions,
) -> Result<VerifiedConnection, LinkError> {
    let payload = callback::decode(callback_url)?;
    let pending: ManufacturerLinkSession = consume(
        session,
        PENDING_MANUFACTURER_KEY,
        logged_in_user,
        &payload.supplier_user_id,
        callback_url,
    )
    .await?;
    Ok(payload.verify_manufacturer_with(&pending, now, options)?)
}

/// The verified link, confirmed at NOX, or [`LinkError::NotConfirmed`] keeping it.
async fn confirm(
    client: &Client,
    verified: VerifiedConnection,
    options: &ConfirmOptions,
) -> Result<ConfirmedConnection, LinkError> {
    match client.confirm_with(&verified, options).await {
        Ok(confirmed) => Ok(confirmed),
        Err(error) => Err(LinkError::NotConfirmed {
            connection: Box::new(verified),
            error,
        }),
    }
}
