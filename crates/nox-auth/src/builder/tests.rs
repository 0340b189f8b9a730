//! The builder's checks: what it refuses, and the defaults it derives.

use super::*;

#[test]
fn env_lookup() {
    let b = ClientBuilder::from_lookup(|k| match k {
        ENV_API_KEY => Some("k-from-env".into()),
        ENV_BASE_URL => Some("http://127.0.0.1:9".into()),
        _ => None,
    });
    let c = b.build().unwrap();
    assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9/");
    let e = ClientBuilder::from_lookup(|_| None).build().unwrap_err();
    assert!(matches!(e, Error::Config(ConfigError::MissingApiKey)));
    let e = ClientBuilder::from_lookup(|k| (k == ENV_API_KEY).then(|| "   ".into()))
        .build()
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(ConfigError::MissingApiKey)),
        "blank counts as unset"
    );
}

#[test]
fn the_package_api_is_beside_the_authenticator_configured() {
    let package = |base: &str| {
        Client::builder()
            .api_key("k")
            .base_url(base)
            .build()
            .unwrap()
            .package_base_url()
            .to_string()
    };
    assert_eq!(
        package("https://auth.nox.energy"),
        "https://api.nox.energy/"
    );
    assert_eq!(
        package("https://auth.sandbox.nox.energy/"),
        "https://api.sandbox.nox.energy/"
    );
    // A local mock or a proxy serves both: the same origin.
    assert_eq!(package("http://127.0.0.1:8080/"), "http://127.0.0.1:8080/");
    assert_eq!(
        package("http://127.0.0.1:8080/nox-proxy/"),
        "http://127.0.0.1:8080/nox-proxy/",
        "the path kept"
    );
    assert_eq!(
        package("https://auth.nox.energy./"),
        "https://api.nox.energy/"
    );
    let e = Client::builder()
        .api_key("k")
        .package_base_url("http://api.example")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("plain http"), "{e}");
    let e = Client::builder()
        .api_key("k")
        .package_api_key("bad key\n")
        .build()
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(ConfigError::InvalidApiKey)),
        "{e}"
    );
    let b = ClientBuilder::from_lookup(|k| match k {
        ENV_API_KEY => Some("k1".into()),
        ENV_PACKAGE_API_KEY => Some("k2-secret".into()),
        ENV_PACKAGE_BASE_URL => Some("http://127.0.0.1:7".into()),
        _ => None,
    });
    assert!(!format!("{b:?}").contains("k2-secret"));
    assert_eq!(
        b.build().unwrap().package_base_url().as_str(),
        "http://127.0.0.1:7/"
    );
}

#[test]
fn build_validates() {
    let ok = || Client::builder().api_key("k");
    assert!(ok().build().is_ok());
    let e = |b: ClientBuilder| b.build().unwrap_err().to_string();
    assert!(e(ok().timeout(Duration::ZERO)).contains("`timeout` must be greater than zero"));
    assert!(e(ok().connect_timeout(Duration::ZERO)).contains("connect_timeout"));
    assert!(e(Client::builder().api_key("bad key\n")).contains("API key"));
    assert!(e(Client::builder().api_key("")).contains("API key"));
    assert!(e(ok().application("x\ny")).contains("user agent"));
    assert!(
        e(ok()
            .http_client(reqwest::Client::new())
            .connect_timeout(Duration::from_secs(1)))
        .contains("caller-supplied")
    );
    assert!(e(ok().deadline(Duration::ZERO)).contains("`deadline` must be greater than zero"));
    // Per-request timeouts apply to a caller-supplied client too.
    assert!(
        ok().http_client(reqwest::Client::new())
            .timeout(Duration::from_secs(1))
            .deadline(Duration::from_secs(2))
            .build()
            .is_ok()
    );
    assert!(ok().http_client(reqwest::Client::new()).build().is_ok());
}
