//! The public API of the hand-written crates users depend on (`nox-auth`,
//! `nox-auth-runtime`, `nox-mock`, `nox-contract`), as an insta snapshot: a change to
//! it shows up in review and fails CI (where insta never writes snapshots) until the
//! snapshot is accepted with `cargo insta review`. See CHANGELOG.md for what a change
//! means for the version.
//!
//! Read from the sources with syn (stable toolchain; rustdoc's JSON needs nightly): every
//! `pub` item with its signature, the fields and variants of public types, the methods
//! of their impls, and the `cfg`/`non_exhaustive` attributes that shape them.

use std::path::Path;

/// The snapshot of one crate (the same function `cargo xtask spec update` compares with).
fn api(krate: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    xtask::snapshot::api::public_api(root, krate, &Default::default()).unwrap()
}

#[test]
fn public_api_of_the_hand_written_crates() {
    for krate in xtask::snapshot::HAND_WRITTEN {
        insta::assert_snapshot!(format!("public_api__{krate}"), api(krate));
    }
}
