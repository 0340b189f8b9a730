//! Rule 3, any 2xx is a success: see [`super`].

use std::collections::BTreeSet;

use serde_json::Value;

use crate::openapi::operations_mut;

/// Rule 3: see the module docs.
pub(super) fn widen_success_codes(doc: &mut Value) {
    for op in operations_mut(doc) {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            continue;
        };
        let success: Vec<String> = responses
            .keys()
            .filter(|code| code.len() == 3 && code.starts_with('2') && code != &"2XX")
            .cloned()
            .collect();
        if success.is_empty() || responses.contains_key("2XX") {
            continue;
        }
        let bodies: BTreeSet<String> = success
            .iter()
            .map(|code| {
                responses[code]
                    .get("content")
                    .map(|c| c.to_string())
                    .unwrap_or_default()
            })
            .collect();
        // Only one typed body, and no code without a body beside it (a 204 stays a 204).
        if bodies.len() != 1 || bodies.contains("") {
            continue;
        }
        let mut first = None;
        for code in &success {
            let response = responses.remove(code);
            first = first.or(response);
        }
        if let Some(mut response) = first {
            if let Some(Value::String(d)) = response.get_mut("description") {
                *d = format!(
                    "{d} (documented as {}; any 2xx is read as this answer)",
                    success.join(", ")
                );
            }
            responses.insert("2XX".into(), response);
        }
    }
}
