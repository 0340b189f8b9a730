//! The effective specs (patched, as `cargo xtask spec` prints them), embedded so that the
//! checks run anywhere `nox` runs. `cargo xtask codegen` writes `crates/nox-contract/specs/`
//! and `--check` keeps them current.

/// One embedded spec.
#[derive(Debug)]
#[non_exhaustive]
pub struct EmbeddedSpec {
    /// The file name NOX publishes it under, without extension.
    pub name: &'static str,
    /// The effective document, JSON.
    pub json: &'static str,
}

/// The specs: the Authenticator's v1 and v2, supplier and manufacturer, the Package
/// API's device endpoints, and the NOX-initiated link's `/post-login-redirect` (reconstructed). A slice: another spec does not change its type.
pub static EMBEDDED: &[EmbeddedSpec] = &[
    EmbeddedSpec {
        name: "openapi-supplier-auth",
        json: include_str!("../specs/openapi-supplier-auth.json"),
    },
    EmbeddedSpec {
        name: "openapi-manufacturer-auth",
        json: include_str!("../specs/openapi-manufacturer-auth.json"),
    },
    EmbeddedSpec {
        name: "openapi-supplier-auth-v2",
        json: include_str!("../specs/openapi-supplier-auth-v2.json"),
    },
    EmbeddedSpec {
        name: "openapi-manufacturer-auth-v2",
        json: include_str!("../specs/openapi-manufacturer-auth-v2.json"),
    },
    EmbeddedSpec {
        name: "openapi-package-devices",
        json: include_str!("../specs/openapi-package-devices.json"),
    },
    EmbeddedSpec {
        name: "openapi-supplier-oauth",
        json: include_str!("../specs/openapi-supplier-oauth.json"),
    },
];

#[cfg(test)]
mod tests {
    /// Every effective spec `cargo xtask codegen` writes is embedded: a new spec in
    /// `specs/codegen.toml` must be added to [`super::EMBEDDED`], or the check and the proxy
    /// would report its operations as unknown.
    #[test]
    fn every_effective_spec_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let name = e.unwrap().file_name().into_string().unwrap();
                name.strip_suffix(".json").map(str::to_owned)
            })
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = super::EMBEDDED.iter().map(|s| s.name.to_owned()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }
}
