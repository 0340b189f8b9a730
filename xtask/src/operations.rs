//! The operation table: every operation of every spec, one `Operation` enum.
//!
//! `cargo xtask codegen` writes it where `specs/codegen.toml` says (`operations = …`):
//! into `nox-auth-runtime`, which every generated crate depends on, so that the facade,
//! the mock, the contract check and the CLI name an operation one way. The one spelling
//! is progenitor's: the snake_case method name of the generated client
//! (`create_supplier_link_session`); the spec's `operationId` stays readable beside it.

use std::fmt::Write as _;

use crate::CodegenError;
use crate::spec::LoadedSpec;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRow {
    /// The Rust variant (`CreateSupplierLinkSession`).
    pub variant: String,
    /// The one name (`create_supplier_link_session`): the generated method's name.
    pub name: String,
    /// The spec's `operationId` (`createSupplierLinkSession`).
    pub operation_id: String,
    /// `POST`.
    pub method: String,
    /// The full path template, the server's path prefix included (`/v2/supplier/link-sessions`).
    pub path: String,
    /// The API (`authenticator`, `package`).
    pub api: String,
    /// The API version (`v2`).
    pub version: String,
    /// The client module that holds it (`supplier`; `devices` for the Package API).
    pub role: String,
    /// The effective spec's file stem (`openapi-supplier-auth-v2`).
    pub spec: String,
    /// The operation's summary, for the variant's docs.
    pub summary: String,
}

/// The rows of one loaded spec, in the spec's order (paths, then methods).
///
/// Fails when an operationId does not become the name of a method of the generated
/// module (`generated`): the table and the client would then disagree.
pub fn rows(
    spec: &LoadedSpec,
    api: &str,
    version: &str,
    role: &str,
    generated: &str,
) -> Result<Vec<OperationRow>, CodegenError> {
    let prefix = server_prefix(spec);
    let stem = spec
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rows = Vec::new();
    for (template, item) in spec.openapi.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (method, op) in item.iter() {
            let Some(operation_id) = op.operation_id.clone() else {
                continue; // spec::load refused the spec already
            };
            let name = snake_case(&operation_id);
            if !generated.contains(&format!("pub fn {name}(")) {
                return Err(CodegenError::Generate {
                    path: spec.path.clone(),
                    message: format!(
                        "operation `{operation_id}` gives the table name `{name}`, but the \
                         generated client has no method of that name"
                    ),
                });
            }
            rows.push(OperationRow {
                variant: pascal_case(&name),
                name,
                operation_id,
                method: method.to_ascii_uppercase(),
                path: format!("{prefix}{template}"),
                api: api.to_owned(),
                version: version.to_owned(),
                role: role.to_owned(),
                spec: stem.clone(),
                summary: op.summary.clone().unwrap_or_default(),
            });
        }
    }
    Ok(rows)
}

/// The path of the first server URL (`https://auth.nox.energy/v2` → `/v2`), without a
/// trailing slash; empty for a server at the root.
fn server_prefix(spec: &LoadedSpec) -> String {
    let Some(server) = spec.openapi.servers.first() else {
        return String::new();
    };
    let url = server.url.as_str();
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].trim_end_matches('/').to_owned(),
        None => String::new(),
    }
}

/// `createSupplierLinkSession` → `create_supplier_link_session`, the way progenitor
/// names methods (heck's snake case: `getDevicesPV` → `get_devices_pv`).
pub fn snake_case(id: &str) -> String {
    heck::ToSnakeCase::to_snake_case(id)
}

fn pascal_case(snake: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(snake)
}

/// One `const fn` of the table: its name, its doc, and the column it returns.
type Accessor = (&'static str, &'static str, fn(&OperationRow) -> &str);

/// The Rust source of the table.
pub fn render(rows: &[OperationRow], header: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{header}\n");
    out.push_str(
        "//! The operation table: every operation of every spec in `specs/codegen.toml`.\n\n",
    );
    out.push_str(
        "/// An operation of NOX's APIs, one variant per operation of the specs in `specs/`.\n\
         ///\n\
         /// Its one name is [`Operation::name`], the generated client's method name\n\
         /// (`create_supplier_link_session`); [`Operation::operation_id`] is the spec's\n\
         /// spelling, which `FromStr` accepts too. New specs add variants, hence\n\
         /// `#[non_exhaustive]`.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         #[non_exhaustive]\n\
         pub enum Operation {\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "    /// `{} {}`: {} ({} {}, {}).",
            r.method,
            r.path,
            doc_text(&r.summary),
            r.api,
            r.version,
            r.role
        );
        let _ = writeln!(out, "    {},", r.variant);
    }
    out.push_str("}\n\nimpl Operation {\n");
    // A slice, not an array: a new operation must not change the constant's type.
    out.push_str(
        "    /// Every operation, in the order of `specs/codegen.toml`.\n    \
         pub const ALL: &'static [Operation] = &[\n",
    );
    for r in rows {
        let _ = writeln!(out, "        Operation::{},", r.variant);
    }
    out.push_str("    ];\n");
    let accessors: [Accessor; 8] = [
        (
            "name",
            "The one name the workspace uses: the generated client's method name\n    /// (`create_supplier_link_session`), also in errors, tracing and faults.",
            |r| &r.name,
        ),
        (
            "operation_id",
            "The spec's `operationId` (`createSupplierLinkSession`).",
            |r| &r.operation_id,
        ),
        ("method", "The HTTP method (`POST`).", |r| &r.method),
        (
            "path",
            "The path template, with the server's prefix (`/v2/supplier/link-sessions`,\n    /// `/users/{userId}/link`, `/v1/devices`).",
            |r| &r.path,
        ),
        ("api", "The API (`authenticator`, `package`).", |r| &r.api),
        ("version", "The API version (`v1`, `v2`).", |r| &r.version),
        (
            "role",
            "The generated module that holds it: whose call it is for the Authenticator\n    /// (`supplier`, `manufacturer`), the group of endpoints for the Package API (`devices`).",
            |r| &r.role,
        ),
        (
            "spec",
            "The effective spec's file stem (`openapi-supplier-auth-v2`).",
            |r| &r.spec,
        ),
    ];
    for (fn_name, doc, get) in accessors {
        let _ = write!(
            out,
            "\n    /// {doc}\n    pub const fn {fn_name}(self) -> &'static str {{\n        match self {{\n"
        );
        for r in rows {
            let _ = writeln!(out, "            Operation::{} => {:?},", r.variant, get(r));
        }
        out.push_str("        }\n    }\n");
    }
    out.push_str("}\n");
    out
}

/// A summary as one line of doc text.
fn doc_text(s: &str) -> String {
    let line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        "no summary".to_owned()
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_progenitor() {
        assert_eq!(
            snake_case("createSupplierLinkSession"),
            "create_supplier_link_session"
        );
        assert_eq!(snake_case("getDevicesPV"), "get_devices_pv");
        assert_eq!(
            pascal_case("create_supplier_link_session"),
            "CreateSupplierLinkSession"
        );
    }
}
