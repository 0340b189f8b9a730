//! Rules applied to every spec after its patch, so that a spec dropped in later gets the
//! same treatment without a patch per field (`specs/README.md`, "Rules").
//!
//! **The spelling rule** ([`effective`]) is part of the effective spec
//! (`cargo xtask spec FILE`), what every outside tool reads (linters, schemathesis, Prism,
//! `nox-contract`):
//!
//! - **Nullable enums, one spelling.** An enum that allows `null` (`nullable: true` beside
//!   it, or `null` among its values) is written `enum: [<values>…, null]`, without
//!   `nullable` and without `type`: the one form that openapi-spec-validator, redocly,
//!   schemathesis and Prism all read as "null or one of these" (Prism 5 appends a second
//!   `null` to a nullable enum that lists it, its schema no longer compiles, and it
//!   silently validates nothing; one that does not list it is "null refused" for the
//!   others). Decision 22 has the findings.
//!
//! **The generator rules** ([`client_view`]) say how a *client* should read the effective
//! spec; only progenitor sees their result (`cargo xtask spec --client FILE`):
//!
//! 1. **Open enums in responses.** Every `enum` reachable from a response body
//!    becomes a plain string whose description lists the known values: a value NOX adds
//!    later is kept as text instead of failing the whole answer. Requests stay strict.
//!    A schema used by requests *and* responses is left as it is for requests; the
//!    response side gets an open copy (inlined for a plain enum, or a component named
//!    `<Name>InResponse` for an object that contains enums).
//! 2. **Nullable enums.** A component enum that lists `null` (as the spelling rule writes
//!    it) is read as the enum without `null`, its `type` given back from its values, and
//!    every schema that references it as an optional, nullable use of it: progenitor then
//!    generates `Option<Brand>` instead of a `NullableBrand(Option<…>)` wrapper. An inline
//!    one becomes `type` + `nullable: true` + the values without `null`.
//! 3. **Any 2xx is a success.** When every documented 2xx code of an operation has the
//!    same typed body, they are replaced by the range `2XX`, so that a 200 where a 201
//!    was documented still decodes as the success body.
//! 4. **Error answers of unknown shape.** Error codes whose body is not described (the
//!    Package API's 401 and 403, `/post-login-redirect`'s 400 and 401: NOX documents no
//!    shape for them) are left out of the client's view: progenitor would answer them as an
//!    empty `Error::ErrorResponse` that drops the body (NOX's message with it), and beside a
//!    typed error body it panics (one error type per operation, and "no body" is a type of
//!    its own). Left out, they arrive as `Error::UnexpectedResponse`, the raw response with
//!    its status and body, which is what an answer of unknown shape is. The effective spec
//!    keeps them for every other tool.
//!
//! One file per rule under `rules/`; the document walking they share (methods, component
//! references) is in `openapi.rs`, which `spec` uses too: `spec` → `rules` → `openapi`.

mod errors;
mod nullable;
mod open_enums;
mod success;
#[cfg(test)]
mod tests;

use serde_json::Value;

/// Applies the spelling rule to a patched spec, in place: the result is the effective
/// spec (`cargo xtask spec FILE`, `crates/nox-contract/specs/`).
pub fn effective(doc: &mut Value) {
    nullable::spell_nullable_enums(doc);
}

/// Applies every rule to an effective spec and returns what the generator reads.
pub fn client_view(effective: &Value) -> Value {
    let mut doc = effective.clone();
    nullable::nullable_enums(&mut doc);
    open_enums::open_response_enums(&mut doc);
    success::widen_success_codes(&mut doc);
    errors::drop_unknown_error_shapes(&mut doc);
    doc
}
