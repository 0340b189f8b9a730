//! What the Package API's answers say about the questions NOX's docs leave open: a first
//! page (pagination, `user_id`), and whose `user_id` a device you linked is listed for.

use serde_json::Value;

use nox_auth::nox_auth_runtime::text;

use crate::finding::{Finding, FindingKind, value_text};
use crate::plan::{Call, LinkedDevice};

/// What a first page of devices says about the open questions of pagination (is the
/// token null on a last page shorter than the limit?) and of whose `user_id` it lists.
pub(crate) fn first_page(call: &Call, body: &[u8]) -> Option<Finding> {
    let page: Value = serde_json::from_slice(body).ok()?;
    let items = page.get("data")?.as_array()?;
    let token = match page.pointer("/meta/next_token") {
        None => "absent",
        Some(Value::Null) => "null",
        Some(_) => "a token",
    };
    let user_id = match items.first().and_then(|d| d.get("user_id")) {
        Some(Value::String(_)) => "a `user_id` (whose id: compare with your users)",
        _ => "no `user_id`",
    };
    Some(Finding {
        kind: FindingKind::Question,
        operation: call.op.name().to_owned(),
        path: "data, meta.next_token".into(),
        observed: format!(
            "{} device(s), next_token {token}, first device with {user_id}",
            items.len()
        ),
        expected: "the docs do not say (specs/README.md, open questions 1 and 9)".into(),
        breaking: false,
    })
}

/// Whose `user_id` the Package API lists the device you linked for (open question 1), as
/// compared with your user id and NOX's, where given. What `Client::confirm` binds to
/// depends on it.
pub(crate) fn owner(call: &Call, device: &LinkedDevice, body: &[u8]) -> Finding {
    let finding = |observed: String, expected: &str| Finding {
        kind: FindingKind::Question,
        operation: call.op.name().to_owned(),
        path: "$.data[].user_id".into(),
        observed,
        expected: expected.to_owned(),
        breaking: false,
    };
    let page: Option<Value> = serde_json::from_slice(body).ok();
    let Some(items) = page.as_ref().and_then(|p| p.get("data")?.as_array()) else {
        return finding(
            "no page of devices".into(),
            "a page with the device you linked",
        );
    };
    let listed = items
        .iter()
        .find(|d| d.get("device_id").and_then(Value::as_str) == Some(&device.device_id));
    let user = match listed.map(|d| d.get("user_id")) {
        None if items.is_empty() => {
            return finding(
                "the device is not listed (an empty page)".into(),
                "the device you linked: is it NOX's device id, linked in this environment (production or sandbox)?",
            );
        }
        None => {
            return finding(
                format!("{} device(s), none of them yours", items.len()),
                "the device you linked: does NOX apply the device_id filter?",
            );
        }
        Some(Some(Value::String(u))) => u,
        Some(None | Some(Value::Null)) => {
            return finding(
                "listed without a user_id".into(),
                "a user_id: Client::confirm cannot tell whose the device is",
            );
        }
        Some(Some(other)) => {
            return finding(
                format!("user_id {}", value_text(other)),
                "a string: yours or NOX's",
            );
        }
    };
    let shown = format!("user_id `{}`", text::excerpt(user, 40));
    let (yours, nox) = (device.user_id.as_deref(), device.nox_user_id.as_deref());
    if yours == Some(user.as_str()) {
        finding(
            format!("{shown}: your user id"),
            "either: your ids are what Client::confirm binds to by default (BindTo::SupplierUserId)",
        )
    } else if nox == Some(user.as_str()) {
        finding(
            format!("{shown}: NOX's user id"),
            "either: with NOX's ids Client::confirm needs BindTo::PayloadNoxUserId, which proves less (see its docs)",
        )
    } else if yours.is_none() && nox.is_none() {
        finding(
            shown,
            "either: compare with your user id (--user-id) and NOX's (--nox-user-id)",
        )
    } else {
        finding(
            format!("{shown}: neither the user id nor the NOX user id given"),
            "your user id or NOX's: was the device linked for that user?",
        )
    }
}
