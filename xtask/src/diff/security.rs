//! Comparing what credential two revisions of an operation ask for: its `security`, or the
//! document's when it has none of its own, each requirement read through the scheme it
//! names (`apiKey x-api-key in header`), so that a scheme renamed but the same is no change
//! and a scheme that kept its name but reads another header is one.

use serde_json::{Map, Value};

use crate::diff::model::{Facts, Found, Side};
use crate::kind::FindingKind as K;

/// The alternatives an operation accepts, each the schemes it needs together, in words;
/// `None` when a request without any credential is accepted (no requirement, an empty
/// list, or an empty alternative `{}`).
fn requirement(doc: &Value, op: &Value) -> Option<Vec<String>> {
    let list = op.get("security").or_else(|| doc.get("security"))?;
    let alternatives = list.as_array()?;
    let mut out = Vec::new();
    for alternative in alternatives {
        let schemes = alternative.as_object().filter(|m| !m.is_empty())?;
        let mut words: Vec<String> = schemes
            .iter()
            .map(|(name, scopes)| scheme(doc, name, scopes))
            .collect();
        words.sort();
        out.push(words.join(" and "));
    }
    out.sort();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

/// One scheme of a requirement as what a request must carry: `apiKey x-api-key in header`,
/// `http bearer`, `oauth2 [read, write]`.
fn scheme(doc: &Value, name: &str, scopes: &Value) -> String {
    let empty = Map::new();
    let def = doc
        .pointer(&format!("/components/securitySchemes/{}", escape(name)))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let text = |k: &str| def.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut words = match text("type") {
        "apiKey" => format!("apiKey {} in {}", text("name"), text("in")),
        "http" => format!("http {}", text("scheme").to_ascii_lowercase()),
        "openIdConnect" => format!("openIdConnect {}", text("openIdConnectUrl")),
        "" => format!("`{name}` (not defined)"),
        other => other.to_owned(),
    };
    let scopes: Vec<&str> = scopes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !scopes.is_empty() {
        words.push_str(&format!(" [{}]", scopes.join(", ")));
    }
    words
}

/// A JSON Pointer token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// What changed in the credential the operation objects `o` (old) and `n` (new) ask for.
pub(crate) fn compare(old_doc: &Value, new_doc: &Value, o: &Value, n: &Value) -> Vec<Found> {
    let (a, b) = (requirement(old_doc, o), requirement(new_doc, n));
    let show = |r: &Option<Vec<String>>| match r {
        None => "none".to_owned(),
        Some(alternatives) => alternatives.join(" or "),
    };
    let kind = match (&a, &b) {
        (x, y) if x == y => return Vec::new(),
        (None, Some(_)) => K::SecurityAdded,
        (Some(_), None) => K::SecurityRemoved,
        _ => K::SecurityChanged,
    };
    let still_accepted = match (&a, &b) {
        (Some(x), Some(y)) => x.iter().all(|alt| y.contains(alt)),
        _ => false,
    };
    let facts = Facts {
        still_accepted,
        ..Facts::default()
    };
    vec![
        Found::new(kind, Side::Request, "security")
            .was(show(&a), show(&b))
            .facts(facts),
    ]
}
