//! Rule 4, error answers of unknown shape: see [`super`].

use serde_json::Value;

use crate::openapi::operations_mut;

/// Whether a response (inline, or the `components/responses` entry it refers to) has a
/// JSON body, the only kind progenitor types.
fn has_json_body(response: &Value, components: &Value) -> bool {
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/components/responses/")
            .and_then(|name| components.get(name))
            .unwrap_or(response),
        None => response,
    };
    response
        .get("content")
        .and_then(Value::as_object)
        .is_some_and(|content| {
            content
                .keys()
                .any(|media| media == "application/json" || media.starts_with("application/json;"))
        })
}

/// Whether a response code is on the error side only (4xx, 5xx, `4XX`, `5XX`); `default`
/// is on both sides and stays as it is.
fn is_error_code(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

/// Rule 4: see the module docs.
pub(super) fn drop_unknown_error_shapes(doc: &mut Value) {
    let components = doc
        .pointer("/components/responses")
        .cloned()
        .unwrap_or(Value::Null);
    for op in operations_mut(doc) {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        let untyped: Vec<String> = responses
            .iter()
            .filter(|(code, response)| is_error_code(code) && !has_json_body(response, &components))
            .map(|(code, _)| code.clone())
            .collect();
        for code in untyped {
            responses.shift_remove(&code);
        }
    }
}
