//! Rules the generator applies to every spec, after its patch and before progenitor.
//!
//! The effective spec (`cargo xtask spec FILE`) says what NOX documents; these rules
//! say how a *client* should read it, so that a spec dropped in later gets the same
//! treatment without a patch per field (`specs/README.md`, "Generator rules"):
//!
//! 1. **Open enums in responses.** Every `enum` reachable from a response body
//!    becomes a plain string whose description lists the known values: a value NOX adds
//!    later is kept as text instead of failing the whole answer. Requests stay strict.
//!    A schema used by requests *and* responses is left as it is for requests; the
//!    response side gets an open copy (inlined for a plain enum, or a component named
//!    `<Name>InResponse` for an object that contains enums).
//! 2. **Nullable enums.** A component enum that lists `null` (the OpenAPI 3.0.3 way to
//!    say `enum<string> | null`) is read as the enum without `null`, and every schema
//!    that references it as an optional, nullable use of it: progenitor then generates
//!    `Option<Brand>` instead of a `NullableBrand(Option<…>)` wrapper.
//! 3. **Any 2xx is a success.** When every documented 2xx code of an operation has the
//!    same typed body, they are replaced by the range `2XX`, so that a 200 where a 201
//!    was documented still decodes as the success body.
//!
//! One file per rule under `rules/`; the document walking they share (methods, component
//! references) is in `openapi.rs`, which `spec` uses too: `spec` → `rules` → `openapi`.

mod nullable;
mod open_enums;
mod success;
#[cfg(test)]
mod tests;

use serde_json::Value;

/// Applies every rule to an effective spec and returns what the generator reads.
pub fn client_view(effective: &Value) -> Value {
    let mut doc = effective.clone();
    nullable::nullable_enums(&mut doc);
    open_enums::open_response_enums(&mut doc);
    success::widen_success_codes(&mut doc);
    doc
}
