//! The redirect NOX sends the browser back with: the `?data=` value and the query it goes in.

/// The `?data=` value NOX sends: compact JSON of the five callback fields, base64url
/// without padding. Written here with serde_json and base64 on purpose, not with
/// `nox_auth`'s encoder, so that tests against the mock check the SDK's decoder against
/// an independent encoder.
pub(crate) fn callback_data(
    nox_user_id: &str,
    supplier_user_id: &str,
    brand: &str,
    device_ids: &[String],
    connected_at: u64,
) -> String {
    use base64::Engine as _;
    let json = serde_json::json!({
        "nox_user_id": nox_user_id,
        "supplier_user_id": supplier_user_id,
        "brand": brand,
        "device_ids": device_ids,
        "connected_at": connected_at,
    });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
}

/// Sets one query parameter, replacing any earlier ones of that name and keeping the rest.
pub(crate) fn set_query_param(url: &mut url::Url, name: &str, value: &str) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut pairs = url.query_pairs_mut();
    pairs.clear();
    for (k, v) in &kept {
        pairs.append_pair(k, v);
    }
    pairs.append_pair(name, value);
}
