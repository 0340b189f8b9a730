//! The one validator: a request or an answer against the effective spec of its operation,
//! with objects closed, each difference a [`Finding`] with its kind, JSON path, observed
//! value and whether it breaks the generated client.

use serde_json::Value;
use serde_json::value::RawValue;

use crate::finding::{Finding, FindingKind, MAX_FINDINGS, observed};
use crate::schema::resolve;
use crate::specs::{EMBEDDED, EmbeddedSpec};
use crate::walk::check_json;

/// An operation of one of the specs.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SpecOperation<'a> {
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
    /// The validator of every embedded effective spec (the Authenticator's v1 and v2,
    /// supplier and manufacturer; the Package API's device endpoints).
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
    pub fn operation(&self, method: &str, path: &str) -> Option<SpecOperation<'_>> {
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
                    && nox_auth::nox_auth_runtime::matches_template(template, rest)
                {
                    return Some(SpecOperation {
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
    /// against the schema of that status (objects closed). At most [`MAX_FINDINGS`].
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
        // Read as JSON text, not parsed into a tree: see `walk`.
        let value: Option<&RawValue> = serde_json::from_slice(body).ok();
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
        check_json(op.doc, schema, value.get(), "$", &mut issues, MAX_FINDINGS);
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
        out.truncate(MAX_FINDINGS);
        out
    }

    /// Checks a request to `method path`: a known operation and, when it takes a JSON
    /// body, the body against its schema (objects closed). Every finding of a request is
    /// `breaking`: NOX may refuse it (a new field excepted). At most [`MAX_FINDINGS`].
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
        let value: Option<&RawValue> = serde_json::from_slice(body).ok();
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
        check_json(op.doc, schema, value.get(), "$", &mut issues, MAX_FINDINGS);
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
fn error_schema<'a>(op: SpecOperation<'a>) -> Option<&'a Value> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::OBSERVED_LIMIT;
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
        // A nullable enum has no `type` in the effective spec (decision 22): a value of
        // another type still breaks the client; null is fine.
        let mut s = session();
        s["brand"] = json!(42);
        let f = check(201, &s);
        assert_eq!(
            (f[0].kind, f[0].path.as_str(), f[0].breaking),
            (FindingKind::TypeDiffers, "$.brand", true)
        );
        assert_eq!(f[0].expected, "string");
        let mut s = session();
        s["brand"] = json!(null);
        assert_eq!(check(201, &s), vec![]);
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
