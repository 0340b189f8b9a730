//! `spec diff`'s verdicts that rest on what the generator makes, each with the premise checked
//! on generated code: bounds in requests and responses (typify's checking newtypes, integer
//! types, `deny_unknown_fields`), security requirements, widened request enums (typify's
//! enums are exhaustive), and the changes a stale patch operation's fix makes.

use crate::common;

use std::process::Command;

use common::{V2_SUPPLIER, revision, workspace};
use serde_json::{Value, json};
use xtask::diff::{Change, Verdict, diff};
use xtask::kind::FindingKind as K;

use Verdict::{BreakingForCallers as Callers, BreakingForClient as Client, Safe};

/// A one-operation document: `POST /x` sends `request` and answers `response`, under
/// `security` (the operation's, when given) with the schemes `schemes`.
fn doc(request: Value, response: Value, security: Option<Value>, schemes: Value) -> Value {
    let mut op = json!({
        "operationId": "postX",
        "requestBody": {"required": true, "content": {"application/json": {"schema": request}}},
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": response}}}}
    });
    if let Some(s) = security {
        op["security"] = s;
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"post": op}},
        "components": {"securitySchemes": schemes}
    })
}

fn object(field: Value) -> Value {
    json!({"type": "object", "properties": {"f": field}})
}

fn only(changes: &[Change]) -> (K, Verdict) {
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert!(!changes[0].reason.is_empty());
    (changes[0].kind, changes[0].verdict)
}

#[test]
fn bounds_break_callers_in_requests_and_what_the_generated_type_checks_in_responses() {
    let s = |extra: Value| {
        let mut m = json!({"type": "string"});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        m
    };
    let i = |extra: Value| {
        let mut m = json!({"type": "integer"});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        m
    };
    let a = |extra: Value| {
        let mut m = json!({"type": "array", "items": {"type": "string"}});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        m
    };
    use K::{ConstraintLoosened as Loose, ConstraintTightened as Tight};
    let cases = [
        // Requests: a request that was valid is refused.
        (s(json!({})), s(json!({"maxLength": 64})), Tight, Callers),
        (
            s(json!({"maxLength": 64})),
            s(json!({"maxLength": 32})),
            Tight,
            Callers,
        ),
        (s(json!({})), s(json!({"minLength": 1})), Tight, Callers),
        (s(json!({})), s(json!({"pattern": "^a"})), Tight, Callers),
        (
            i(json!({"minimum": 1})),
            i(json!({"minimum": 5})),
            Tight,
            Callers,
        ),
        (
            i(json!({"maximum": 10})),
            i(json!({"maximum": 5})),
            Tight,
            Callers,
        ),
        (a(json!({})), a(json!({"maxItems": 3})), Tight, Callers),
        (
            a(json!({})),
            a(json!({"uniqueItems": true})),
            Tight,
            Callers,
        ),
        // Loosened: safe, unless the generated type changes (a newtype becomes a String).
        (
            s(json!({"maxLength": 32})),
            s(json!({"maxLength": 64})),
            Loose,
            Safe,
        ),
        (
            i(json!({"minimum": 1, "maximum": 10})),
            i(json!({"minimum": 1, "maximum": 20})),
            Loose,
            Safe,
        ),
        (s(json!({"maxLength": 32})), s(json!({})), Loose, Callers),
    ];
    for (old, new, kind, verdict) in cases.clone() {
        let none = json!({});
        let o = doc(object(old.clone()), none.clone(), None, none.clone());
        let n = doc(object(new.clone()), none.clone(), None, none.clone());
        assert_eq!(
            only(&diff(&o, &n)),
            (kind, verdict),
            "request {old} -> {new}"
        );
    }
    let closed = |open: bool| {
        let mut o = object(json!({"type": "string"}));
        if !open {
            o["additionalProperties"] = json!(false);
        }
        o
    };
    let none = json!({});
    let (open_req, closed_req) = (
        doc(closed(true), none.clone(), None, none.clone()),
        doc(closed(false), none.clone(), None, none.clone()),
    );
    assert_eq!(only(&diff(&open_req, &closed_req)), (Tight, Callers));
    assert_eq!(only(&diff(&closed_req, &open_req)), (Loose, Safe));

    // Responses: what the released client's generated type checks when it decodes.
    let cases = [
        (
            s(json!({"maxLength": 64})),
            s(json!({"maxLength": 32})),
            Tight,
            Safe,
        ),
        (
            s(json!({"maxLength": 32})),
            s(json!({"maxLength": 64})),
            Loose,
            Client,
        ),
        (s(json!({"pattern": "^a"})), s(json!({})), Loose, Client),
        (s(json!({})), s(json!({"maxLength": 64})), Tight, Callers),
        (
            i(json!({"minimum": 1})),
            i(json!({"minimum": 0})),
            Loose,
            Client,
        ),
        (
            i(json!({"format": "int32", "maximum": 10})),
            i(json!({"format": "int32", "maximum": 20})),
            Loose,
            Safe,
        ),
        (
            a(json!({"maxItems": 10})),
            a(json!({"maxItems": 20})),
            Loose,
            Safe,
        ),
        (
            a(json!({"minItems": 2, "maxItems": 2})),
            a(json!({"maxItems": 2})),
            Loose,
            Client,
        ),
    ];
    for (old, new, kind, verdict) in cases {
        let o = doc(json!({}), object(old.clone()), None, none.clone());
        let n = doc(json!({}), object(new.clone()), None, none.clone());
        assert_eq!(
            only(&diff(&o, &n)),
            (kind, verdict),
            "response {old} -> {new}"
        );
    }
    let (open_res, closed_res) = (
        doc(json!({}), closed(true), None, none.clone()),
        doc(json!({}), closed(false), None, none.clone()),
    );
    assert_eq!(only(&diff(&open_res, &closed_res)), (Tight, Safe));
    assert_eq!(only(&diff(&closed_res, &open_res)), (Loose, Client));
}

/// The premises of those verdicts, on code the generator writes from the v2 supplier spec
/// with bounds added: if a progenitor or typify upgrade changes them, the verdicts must change.
#[test]
fn typify_checks_string_bounds_when_decoding_and_its_enums_are_exhaustive() {
    let dir = tempfile::tempdir().unwrap();
    let path = revision(dir.path(), "bounded.json", |doc| {
        let s = &mut doc["components"]["schemas"];
        s["CreateSupplierLinkSessionRequest"]["properties"]["user_id"]["maxLength"] = json!(64);
        let response = &mut s["CreateSupplierLinkSessionResponse"];
        response["properties"]["link_url"]["pattern"] = json!("^https://");
        response["properties"]["count"] = json!({"type": "integer", "minimum": 1});
        response["additionalProperties"] = json!(false);
    });
    let spec = xtask::spec::load(&path).unwrap();
    let code = xtask::codegen::generate_module(&spec).unwrap();
    for needle in [
        "pub user_id: CreateSupplierLinkSessionRequestUserId,",
        "pub struct CreateSupplierLinkSessionRequestUserId(::std::string::String);",
        "longer than 64 characters",
        "pub link_url: CreateSupplierLinkSessionResponseLinkUrl,",
        "impl<'de> ::serde::Deserialize<'de> for CreateSupplierLinkSessionResponseLinkUrl",
        "::std::option::Option<::std::num::NonZeroU64>",
        "#[serde(deny_unknown_fields)]\n    #[cfg_attr(feature = \"schemars\", derive(schemars::JsonSchema))]\n    pub struct CreateSupplierLinkSessionResponse {",
    ] {
        assert!(
            code.contains(needle),
            "{needle:?} is not generated any more"
        );
    }
    // The request enums, as generated and as checked in: no #[non_exhaustive].
    let checked_in =
        std::fs::read_to_string(workspace().join("crates/nox-auth-v2/src/supplier.rs")).unwrap();
    for code in [&code, &checked_in] {
        let at = code.find("pub enum Language {").unwrap();
        let attrs = &code[code[..at].rfind("///").unwrap()..at];
        assert!(!attrs.contains("non_exhaustive"), "{attrs}");
    }
}

#[test]
fn a_widened_request_enum_breaks_callers_because_the_generated_enum_is_exhaustive() {
    let dir = tempfile::tempdir().unwrap();
    let new = revision(dir.path(), "new.json", |doc| {
        doc["components"]["schemas"]["Language"]["enum"]
            .as_array_mut()
            .unwrap()
            .push("de".into());
    });
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "diff", "openapi-supplier-auth-v2"])
        .arg(&new)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let request = &json["changes"][0];
    assert_eq!(
        (&request["kind"], &request["side"], &request["verdict"]),
        (
            &json!("new_enum_value"),
            &json!("request"),
            &json!("breaking_for_callers")
        )
    );
    assert!(
        request["reason"]
            .as_str()
            .unwrap()
            .contains("not #[non_exhaustive]")
    );
    assert_eq!(
        json["changes"][1]["verdict"], "safe",
        "open enums in responses"
    );
}

#[test]
fn security_requirements_added_changed_and_removed() {
    let key = |name: &str| json!({"type": "apiKey", "in": "header", "name": name});
    let schemes = json!({"Key": key("x-api-key"), "Other": key("x-api-key"), "Bearer": {"type": "http", "scheme": "bearer"}});
    let with = |security: Option<Value>| doc(json!({}), json!({}), security, schemes.clone());
    let key_only = Some(json!([{"Key": []}]));
    let cases = [
        (None, key_only.clone(), K::SecurityAdded, Callers),
        (Some(json!([])), key_only.clone(), K::SecurityAdded, Callers),
        (
            Some(json!([{}, {"Key": []}])),
            key_only.clone(),
            K::SecurityAdded,
            Callers,
        ),
        (key_only.clone(), None, K::SecurityRemoved, Safe),
        (
            key_only.clone(),
            Some(json!([{"Bearer": []}])),
            K::SecurityChanged,
            Callers,
        ),
        (
            key_only.clone(),
            Some(json!([{"Key": [], "Bearer": []}])),
            K::SecurityChanged,
            Callers,
        ),
        (
            key_only.clone(),
            Some(json!([{"Key": []}, {"Bearer": []}])),
            K::SecurityChanged,
            Safe,
        ),
    ];
    for (old, new, kind, verdict) in cases {
        let changes = diff(&with(old.clone()), &with(new.clone()));
        assert_eq!(only(&changes), (kind, verdict), "{old:?} -> {new:?}");
        assert_eq!(changes[0].location, "security");
    }
    // Another name for the same scheme is no change; the same name for another header is.
    assert!(diff(&with(key_only.clone()), &with(Some(json!([{"Other": []}])))).is_empty());
    let mut moved = with(key_only.clone());
    moved["components"]["securitySchemes"]["Key"]["name"] = json!("x-nox-key");
    let changes = diff(&with(key_only.clone()), &moved);
    assert_eq!(only(&changes), (K::SecurityChanged, Callers));
    assert_eq!(
        (changes[0].old.as_str(), changes[0].new.as_str()),
        ("apiKey x-api-key in header", "apiKey x-nox-key in header")
    );
    // The document's requirement, for an operation without its own.
    let mut top = with(None);
    top["security"] = json!([{"Key": []}]);
    assert_eq!(only(&diff(&with(None), &top)), (K::SecurityAdded, Callers));
}

#[test]
fn what_a_stale_patch_operation_made_is_named_and_a_moved_path_breaks_callers() {
    let dir = tempfile::tempdir().unwrap();
    let new = revision(dir.path(), "moved.json", |doc| {
        let paths = doc["paths"].as_object_mut().unwrap();
        let item = paths.remove("/supplier/link-sessions").unwrap();
        paths.insert("/supplier/sessions".into(), item);
        let request = &mut doc["components"]["schemas"]["CreateSupplierLinkSessionRequest"];
        request["properties"]
            .as_object_mut()
            .unwrap()
            .remove("brand");
    });
    let run = |json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(["spec", "diff", V2_SUPPLIER]).arg(&new);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(4));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(false);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].starts_with("[BREAKING for callers] create_supplier_link_session (POST /supplier/sessions): path changed"),
        "{text}"
    );
    let status = lines
        .iter()
        .position(|l| l.contains("status 401: status removed"))
        .unwrap();
    assert!(
        lines[status + 2].contains(
            "not NOX's change: the old side has it from the fix of patch operation #1, which is stale"
        ),
        "{text}"
    );
    assert!(
        text.contains("request body $.brand: field removed: was optional Brand (string)"),
        "{text}"
    );
    let json: Value = serde_json::from_str(&run(true)).unwrap();
    let changes = json["changes"].as_array().unwrap();
    let stale: Vec<(&str, &Value)> = changes
        .iter()
        .filter(|c| c.get("stale_patch").is_some())
        .map(|c| (c["location"].as_str().unwrap(), &c["stale_patch"]))
        .collect();
    // The description patch #2 fixes, and the 401 patch #1 adds: NOX changed neither.
    assert_eq!(stale, [("", &json!([2])), ("status 401", &json!([1]))]);
}
