//! The one validator: a request or an answer against the effective spec of its operation,
//! with objects closed, each difference a [`Finding`] with its kind, JSON path, observed
//! value and whether it breaks the generated client.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::specs::{EMBEDDED, EmbeddedSpec};

/// How long an observed value may be in a finding before it is cut.
pub const OBSERVED_LIMIT: usize = 80;

/// What kind of difference a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// The status is not documented for the operation.
    UndocumentedStatus,
    /// The content type is not the documented one (or the body is not JSON).
    ContentType,
    /// A required field is missing.
    MissingRequiredField,
    /// A value has another type than documented (`null` where it is not nullable too).
    TypeDiffers,
    /// A field the spec does not name.
    NewField,
    /// An enum value the spec does not list.
    NewEnumValue,
    /// An error answer whose body is not the documented error body.
    ErrorBodyShape,
    /// No operation of the specs has this method and path.
    UnknownOperation,
    /// A question the docs leave open, answered by what the server did.
    Question,
    /// A call of the contract check came out otherwise than the specs lead to expect
    /// (a valid request refused, an invalid one accepted).
    UnexpectedOutcome,
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&text.replace('_', " "))
    }
}

/// One difference between what was seen and what the spec says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of difference.
    pub kind: FindingKind,
    /// The operation's one name ([`nox_auth::Operation::name`]:
    /// `create_supplier_link_session`), or `METHOD /path` when unknown.
    pub operation: String,
    /// The JSON path in the body (`$.brand`, `$` for the whole body), or `status`.
    pub path: String,
    /// What was seen, cut at [`OBSERVED_LIMIT`] characters.
    pub observed: String,
    /// What the spec says, in a few words.
    pub expected: String,
    /// Whether it breaks the generated client (a call that should succeed fails, or a
    /// documented error arrives as an undecodable answer); informational otherwise.
    pub breaking: bool,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {} {}: {}: observed {}, expected {}",
            if self.breaking { "BREAKING" } else { "info" },
            self.operation,
            self.path,
            self.kind,
            self.observed,
            self.expected
        )
    }
}

/// `text` as a finding shows it: at most [`OBSERVED_LIMIT`] characters, `…` appended when
/// cut, control and bidirectional-control characters escaped (it is shown on terminals
/// and in logs). The workspace's one rule, [`nox_auth::nox_auth_runtime::text::excerpt`].
pub fn observed(text: &str) -> String {
    nox_auth::nox_auth_runtime::text::excerpt(text, OBSERVED_LIMIT)
}

fn value_text(v: &Value) -> String {
    observed(&v.to_string())
}

/// An operation of one of the specs.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The spec it is in.
    pub spec: &'static EmbeddedSpec,
    /// The document.
    pub doc: &'a Value,
    /// Its one name ([`nox_auth::Operation::name`]), or the spec's operationId for an
    /// operation the table does not know.
    pub id: &'a str,
    /// Its path template (`/users/{userId}/link`), without the version prefix.
    pub template: &'a str,
    /// The operation object.
    pub op: &'a Value,
}

/// Validates against the effective specs this crate embeds.
#[derive(Debug)]
pub struct Validator {
    /// Each spec, the path prefix of its server URL (`/v2`, or empty), its document.
    docs: Vec<(&'static EmbeddedSpec, String, Value)>,
}

impl Default for Validator {
    fn default() -> Self {
        Self::embedded()
    }
}

impl Validator {
    /// The validator of the four effective specs (v1 and v2, supplier and manufacturer).
    pub fn embedded() -> Self {
        let docs = EMBEDDED
            .iter()
            .map(|spec| {
                let doc: Value = serde_json::from_str(spec.json).expect("an embedded spec is JSON");
                (spec, server_prefix(&doc), doc)
            })
            .collect();
        Validator { docs }
    }

    /// The operation for `method` and a concrete `path` (`/v2/supplier/link-sessions`).
    pub fn operation(&self, method: &str, path: &str) -> Option<Operation<'_>> {
        let method = method.to_ascii_lowercase();
        // Longest prefix first, so that `/v2/…` never matches a spec served at the root.
        let mut docs: Vec<_> = self.docs.iter().collect();
        docs.sort_by_key(|(_, prefix, _)| std::cmp::Reverse(prefix.len()));
        for (spec, prefix, doc) in docs {
            let Some(rest) = path.strip_prefix(prefix.as_str()) else {
                continue;
            };
            let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
                continue;
            };
            for (template, item) in paths {
                if let Some(op) = item.get(&method)
                    && matches_template(template, rest)
                {
                    return Some(Operation {
                        spec,
                        doc,
                        id: op
                            .get("operationId")
                            .and_then(Value::as_str)
                            .map(|id| nox_auth::Operation::from_name(id).map_or(id, |o| o.name()))
                            .unwrap_or(template),
                        template,
                        op,
                    });
                }
            }
        }
        None
    }

    /// Checks an answer to `method path`: status documented, content type, and the body
    /// against the schema of that status (objects closed).
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<Finding> {
        let Some(op) = self.operation(method, path) else {
            return vec![unknown(method, path)];
        };
        let mut out = Vec::new();
        let responses = op.op.get("responses").and_then(Value::as_object);
        let documented = responses.and_then(|r| {
            r.get(&status.to_string())
                .or_else(|| r.get(&format!("{}XX", status / 100)))
                .or_else(|| r.get("default"))
        });
        let documented = documented.map(|r| resolve(op.doc, r));
        let is_error = status >= 400;
        let response = match documented {
            Some(r) => r,
            None => {
                let mut codes: Vec<&str> = responses
                    .map(|r| r.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                codes.sort_unstable();
                out.push(Finding {
                    kind: FindingKind::UndocumentedStatus,
                    operation: op.id.to_owned(),
                    path: "status".into(),
                    observed: status.to_string(),
                    expected: format!("one of {}", codes.join(", ")),
                    // Any 2xx is a success and 4xx/5xx a typed error for the generated
                    // client; a redirect (or anything else) is not.
                    breaking: !matches!(status, 200..=299 | 400..=599),
                });
                // An undocumented error status should still carry the error body.
                if !is_error {
                    return out;
                }
                match error_schema(op) {
                    Some(r) => r,
                    None => return out,
                }
            }
        };
        let Some(schema) = json_schema(response) else {
            return out;
        };
        let ct_ok = content_type.is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
        let value: Option<Value> = serde_json::from_slice(body).ok();
        if !ct_ok || value.is_none() {
            out.push(Finding {
                kind: if is_error {
                    FindingKind::ErrorBodyShape
                } else {
                    FindingKind::ContentType
                },
                operation: op.id.to_owned(),
                path: "$".into(),
                observed: format!(
                    "{} {}",
                    content_type.unwrap_or("(no content type)"),
                    observed(&String::from_utf8_lossy(body))
                ),
                expected: "application/json matching the documented body".into(),
                breaking: documented.is_some(),
            });
            return out;
        }
        let value = value.expect("checked above");
        let mut issues = Vec::new();
        check_value(op.doc, schema, &value, "$", &mut issues);
        for (kind, path, seen, expected) in issues {
            let (kind, breaking) = if is_error {
                // The generated client decodes error bodies whose fields are all optional;
                // only a body that is not an object, or a documented field of another
                // type, fails to decode.
                let breaks = documented.is_some()
                    && matches!(
                        kind,
                        FindingKind::TypeDiffers | FindingKind::MissingRequiredField
                    );
                (FindingKind::ErrorBodyShape, breaks)
            } else {
                let breaks = matches!(
                    kind,
                    FindingKind::TypeDiffers | FindingKind::MissingRequiredField
                );
                (kind, breaks)
            };
            out.push(Finding {
                kind,
                operation: op.id.to_owned(),
                path,
                observed: seen,
                expected,
                breaking,
            });
        }
        out
    }

    /// Checks a request to `method path`: a known operation and, when it takes a JSON
    /// body, the body against its schema (objects closed). Every finding of a request is
    /// `breaking`: NOX may refuse it (a new field excepted).
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Vec<Finding> {
        let Some(op) = self.operation(method, path) else {
            return vec![unknown(method, path)];
        };
        let Some(schema) = op
            .op
            .get("requestBody")
            .map(|b| resolve(op.doc, b))
            .and_then(json_schema)
        else {
            return Vec::new();
        };
        let ct_ok = content_type.is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
        let value: Option<Value> = serde_json::from_slice(body).ok();
        let (true, Some(value)) = (ct_ok, value) else {
            return vec![Finding {
                kind: FindingKind::ContentType,
                operation: op.id.to_owned(),
                path: "$".into(),
                observed: format!(
                    "{} {}",
                    content_type.unwrap_or("(no content type)"),
                    observed(&String::from_utf8_lossy(body))
                ),
                expected: "a JSON body (application/json)".into(),
                breaking: true,
            }];
        };
        let mut issues = Vec::new();
        check_value(op.doc, schema, &value, "$", &mut issues);
        issues
            .into_iter()
            .map(|(kind, path, seen, expected)| Finding {
                breaking: kind != FindingKind::NewField,
                kind,
                operation: op.id.to_owned(),
                path,
                observed: seen,
                expected,
            })
            .collect()
    }
}

/// The path of a spec's first server URL (`https://auth.nox.energy/v2` → `/v2`).
fn server_prefix(doc: &Value) -> String {
    doc.pointer("/servers/0/url")
        .and_then(Value::as_str)
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}

fn unknown(method: &str, path: &str) -> Finding {
    Finding {
        kind: FindingKind::UnknownOperation,
        operation: format!("{method} {}", observed(path)),
        path: "$".into(),
        observed: format!("{method} {}", observed(path)),
        expected: "an operation of the specs".into(),
        breaking: false,
    }
}

/// The error body schema of an operation: that of its first documented 4xx/5xx.
fn error_schema<'a>(op: Operation<'a>) -> Option<&'a Value> {
    let responses = op.op.get("responses")?.as_object()?;
    let mut codes: Vec<&String> = responses
        .keys()
        .filter(|c| c.starts_with('4') || c.starts_with('5'))
        .collect();
    codes.sort();
    codes.first().map(|c| resolve(op.doc, &responses[*c]))
}

/// The JSON schema of a response or request body object.
fn json_schema(body: &Value) -> Option<&Value> {
    body.get("content")?
        .as_object()?
        .iter()
        .find(|(media, _)| media.starts_with("application/json"))
        .and_then(|(_, m)| m.get("schema"))
}

/// Does a concrete `path` match an OpenAPI template (`/users/{userId}/link`)?
fn matches_template(template: &str, path: &str) -> bool {
    let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && a.ends_with('}') && !b.is_empty()) || a == b)
}

/// Follows a local `$ref`.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut v = v;
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => match doc.pointer(&r[1..]) {
                Some(target) => v = target,
                None => return v,
            },
            _ => return v,
        }
    }
    v
}

/// One schema with its `allOf` members folded in (the specs use `allOf` to attach a
/// description or `nullable` to a shared schema).
fn flatten<'a>(doc: &'a Value, schema: &'a Value) -> Map<String, Value> {
    let schema = resolve(doc, schema);
    let mut out = schema.as_object().cloned().unwrap_or_default();
    if let Some(Value::Array(members)) = out.remove("allOf") {
        for member in &members {
            for (k, v) in flatten(doc, member) {
                match (k.as_str(), out.get_mut(&k)) {
                    ("properties", Some(Value::Object(own))) => {
                        if let Value::Object(more) = v {
                            own.extend(more);
                        }
                    }
                    ("required", Some(Value::Array(own))) => {
                        if let Value::Array(more) = v {
                            own.extend(more);
                        }
                    }
                    (_, Some(_)) => {}
                    (_, None) => {
                        out.insert(k, v);
                    }
                }
            }
        }
    }
    out
}

type Issue = (FindingKind, String, String, String);

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `value` against an OpenAPI 3.0 schema, objects closed.
fn check_value(doc: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<Issue>) {
    let s = flatten(doc, schema);
    let enum_values = s.get("enum").and_then(Value::as_array);
    let nullable = s.get("nullable") == Some(&Value::Bool(true))
        || enum_values.is_some_and(|e| e.iter().any(Value::is_null));
    if value.is_null() {
        if !nullable && (s.contains_key("type") || enum_values.is_some()) {
            out.push((
                FindingKind::TypeDiffers,
                path.to_owned(),
                "null".into(),
                s.get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("a value")
                    .to_owned(),
            ));
        }
        return;
    }
    if let Some(expected) = s.get("type").and_then(Value::as_str) {
        let seen = type_name(value);
        let fits = seen == expected || (expected == "number" && seen == "integer");
        if !fits {
            out.push((
                FindingKind::TypeDiffers,
                path.to_owned(),
                format!("{seen} {}", value_text(value)),
                expected.to_owned(),
            ));
            return;
        }
    }
    if let Some(values) = enum_values
        && !values.contains(value)
    {
        let known: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .take(8)
            .map(|v| v.to_string())
            .collect();
        let more = if values.len() > 8 { ", …" } else { "" };
        out.push((
            FindingKind::NewEnumValue,
            path.to_owned(),
            value_text(value),
            format!("one of {}{more}", known.join(", ")),
        ));
    }
    match value {
        Value::Object(fields) => {
            let props = s.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = s.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    if !fields.contains_key(name) {
                        out.push((
                            FindingKind::MissingRequiredField,
                            format!("{path}.{name}"),
                            "(absent)".into(),
                            "a required field".into(),
                        ));
                    }
                }
            }
            for (name, v) in fields {
                let child = format!("{path}.{name}");
                match props.and_then(|p| p.get(name)) {
                    Some(sub) => check_value(doc, sub, v, &child, out),
                    // Objects are closed unless the schema says otherwise.
                    None if props.is_some()
                        && s.get("additionalProperties") != Some(&Value::Bool(true)) =>
                    {
                        out.push((
                            FindingKind::NewField,
                            child,
                            value_text(v),
                            "no such field".into(),
                        ));
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = s.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check_value(doc, item_schema, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session() -> Value {
        json!({
            "link_url": "https://auth.nox.energy/ui?token=t", "link_token": "t", "language": "nl",
            "asset_type": "hp", "redirect_url": "https://e.com/cb", "supplier": "Acme",
            "supplier_user_id": "u1", "created_at": 1, "expires_at": 601, "brand": null,
            "completed_at": null
        })
    }

    fn check(status: u16, body: &Value) -> Vec<Finding> {
        Validator::embedded().check_response(
            "POST",
            "/v2/supplier/link-sessions",
            status,
            Some("application/json; charset=utf-8"),
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn a_documented_answer_has_no_findings() {
        assert_eq!(check(201, &session()), vec![]);
        assert_eq!(check(400, &json!({"error": "user_id is required"})), vec![]);
    }

    #[test]
    fn each_kind_of_drift() {
        let mut s = session();
        s["surprise"] = json!(1);
        let f = check(201, &s);
        assert_eq!(
            (f[0].kind, f[0].path.as_str(), f[0].breaking),
            (FindingKind::NewField, "$.surprise", false)
        );
        let mut s = session();
        s["brand"] = json!("wolf");
        let f = check(201, &s);
        assert_eq!(
            (f[0].kind, f[0].breaking),
            (FindingKind::NewEnumValue, false)
        );
        let mut s = session();
        s.as_object_mut().unwrap().remove("link_token");
        let f = check(201, &s);
        assert_eq!(
            (f[0].kind, f[0].path.as_str(), f[0].breaking),
            (FindingKind::MissingRequiredField, "$.link_token", true)
        );
        let mut s = session();
        s["created_at"] = json!("yesterday");
        let f = check(201, &s);
        assert_eq!((f[0].kind, f[0].breaking), (FindingKind::TypeDiffers, true));
        let f = check(415, &json!({"error": "x"}));
        assert_eq!(
            (f[0].kind, f[0].breaking),
            (FindingKind::UndocumentedStatus, false)
        );
        let f = check(302, &json!({}));
        assert_eq!(
            (f[0].kind, f[0].breaking),
            (FindingKind::UndocumentedStatus, true)
        );
        let f = check(400, &json!(["not", "an", "object"]));
        assert_eq!(
            (f[0].kind, f[0].breaking),
            (FindingKind::ErrorBodyShape, true)
        );
        let f = check(400, &json!({"message": "other shape"}));
        assert_eq!(
            (f[0].kind, f[0].breaking),
            (FindingKind::ErrorBodyShape, false)
        );
        let f = Validator::embedded().check_response(
            "POST",
            "/v2/supplier/link-sessions",
            201,
            Some("text/html"),
            b"<html>",
        );
        assert_eq!((f[0].kind, f[0].breaking), (FindingKind::ContentType, true));
    }

    #[test]
    fn requests_and_unknown_operations() {
        let v = Validator::embedded();
        let ok = json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb", "brand": null});
        assert_eq!(
            v.check_request(
                "POST",
                "/v2/supplier/link-sessions",
                Some("application/json"),
                ok.to_string().as_bytes()
            ),
            vec![]
        );
        let bad = json!({"user_id": 5, "asset_type": "wind"});
        let kinds: Vec<FindingKind> = v
            .check_request(
                "POST",
                "/v2/supplier/link-sessions",
                Some("application/json"),
                bad.to_string().as_bytes(),
            )
            .into_iter()
            .map(|f| f.kind)
            .collect();
        assert!(kinds.contains(&FindingKind::MissingRequiredField));
        assert!(kinds.contains(&FindingKind::TypeDiffers));
        assert!(kinds.contains(&FindingKind::NewEnumValue));
        assert!(v.operation("POST", "/users/u1/link").is_some());
        assert_eq!(
            v.check_request("GET", "/nothing", None, b"")[0].kind,
            FindingKind::UnknownOperation
        );
        assert!(observed(&"x".repeat(500)).chars().count() <= OBSERVED_LIMIT + 1);
    }
}
