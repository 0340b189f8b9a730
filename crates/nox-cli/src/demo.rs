//! `nox demo`: the whole link flow on 127.0.0.1, step by step.
//!
//! 1. start the NOX mock in-process;
//! 2. start a callback listener (the integrator's `redirect_url`);
//! 3. create a v2 supplier link session through the `nox-auth` facade;
//! 4. open the Authenticator UI (`link_url`) as a browser would;
//! 5. choose the brand and submit the form; follow NOX's redirect to the listener;
//! 6. decode the `?data=` callback and verify it against the link session.

use std::fmt::Display;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Html;
use axum::routing::get;
use clap::Args;
use nox_auth::{AssetType, Brand, Client, Language, SupplierLinkRequest, callback};
use tokio::sync::mpsc;

use crate::{EXIT_API, EXIT_INPUT, EXIT_OK};

const STEPS: usize = 6;

/// Arguments of `nox demo`.
#[derive(Args)]
pub(crate) struct DemoArgs {
    /// The brand to pre-select and connect (must be valid for the asset type).
    #[arg(long, default_value = "daikin")]
    brand: String,
    /// hp or pv.
    #[arg(long, value_enum, default_value = "hp")]
    asset_type: crate::AssetTypeArg,
    /// UI language: nl, en, fr, es.
    #[arg(long, default_value = "en")]
    language: String,
    /// Your user id in the demo.
    #[arg(long, default_value = "demo-user-1")]
    user_id: String,
}

/// A failed step: which one, and why.
struct StepError {
    step: usize,
    what: &'static str,
    why: String,
}

fn fail(step: usize, what: &'static str) -> impl FnOnce(&dyn Display) -> StepError {
    move |e| StepError {
        step,
        what,
        why: e.to_string(),
    }
}

fn say(step: usize, text: impl Display) {
    println!("[{step}/{STEPS}] {text}");
}

/// Runs the demo; 0 on success, 1 when a step fails, 2 for bad arguments.
pub(crate) async fn run(args: DemoArgs) -> u8 {
    let brand: Brand = match args.brand.parse() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let language: Language = match args.language.parse() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let asset_type: AssetType = args.asset_type.into();
    if let Err(e) = brand.check_asset_type(asset_type) {
        eprintln!("error: {e}");
        return EXIT_INPUT;
    }
    println!("NOX link flow demo: everything runs locally on 127.0.0.1.\n");
    match flow(&args.user_id, asset_type, brand, language).await {
        Ok(()) => {
            println!(
                "\nDone: the device is linked, and the callback was verified against its link session."
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!(
                "\nerror: step {}/{STEPS} failed ({}): {}",
                e.step, e.what, e.why
            );
            EXIT_API
        }
    }
}

async fn flow(
    user_id: &str,
    asset_type: AssetType,
    brand: Brand,
    language: Language,
) -> Result<(), StepError> {
    // 1. The mock.
    let mock = nox_mock::MockServer::start()
        .await
        .map_err(|e| fail(1, "start the NOX mock")(&e))?;
    say(
        1,
        format_args!(
            "Started the local NOX Authenticator mock at {}",
            mock.base_url()
        ),
    );

    // 2. The integrator's callback endpoint.
    let (callback_base, mut received) = callback_listener()
        .await
        .map_err(|e| fail(2, "start the callback listener")(&e))?;
    let redirect_url = format!("{callback_base}/nox/callback");
    say(
        2,
        format_args!("Listening for NOX's redirect at {redirect_url}"),
    );

    // 3. The link session, through the facade.
    let client = Client::builder()
        .api_key(mock.api_key())
        .base_url(mock.base_url())
        .build()
        .map_err(|e| fail(3, "create the link session")(&e))?;
    let session = client
        .create_supplier_link_session(
            SupplierLinkRequest::new(user_id, asset_type, &redirect_url)
                .brand(brand)
                .language(language),
        )
        .await
        .map_err(|e| fail(3, "create the link session")(&e))?;
    say(
        3,
        format_args!(
            "Created a v2 supplier link session for user {user_id} ({asset_type}, brand {brand}): token {}…, expires in {} s",
            &session.link_token[..12.min(session.link_token.len())],
            session.remaining(SystemTime::now()).as_secs()
        ),
    );
    println!("      link_url: {}", session.link_url);

    // 4. The Authenticator UI, as a browser would load it.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| fail(4, "open the Authenticator UI")(&e))?;
    let page = http
        .get(&session.link_url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| fail(4, "open the Authenticator UI")(&e))?
        .text()
        .await
        .map_err(|e| fail(4, "open the Authenticator UI")(&e))?;
    let title = between(&page, "<h1>", "</h1>").unwrap_or_default();
    let offered = attribute_values(&page, "name=\"brand\" value=\"");
    let token = attribute_values(&page, "name=\"token\" value=\"")
        .into_iter()
        .next();
    let device_id = attribute_values(&page, "name=\"device_id\" id=\"device_id\" value=\"")
        .into_iter()
        .next();
    let (Some(token), Some(device_id)) = (token, device_id) else {
        return Err(fail(4, "open the Authenticator UI")(
            &"the page has no connect form",
        ));
    };
    if !offered.contains(&brand.slug().to_owned()) {
        return Err(fail(4, "open the Authenticator UI")(&format_args!(
            "brand {brand} is not offered (offered: {})",
            offered.join(", ")
        )));
    }
    say(
        4,
        format_args!(
            "Opened the Authenticator UI: \"{title}\"; brands offered: {}",
            offered.join(", ")
        ),
    );

    // 5. Choose the brand, submit, follow NOX's redirect to our listener.
    let resp = http
        .post(format!("{}/ui/connect", mock.base_url()))
        .form(&[
            ("token", token.as_str()),
            ("brand", brand.slug()),
            ("device_id", device_id.as_str()),
            ("language", language.as_str()),
        ])
        .send()
        .await
        .map_err(|e| fail(5, "submit the connect form")(&e))?;
    let location = match (
        resp.status().as_u16(),
        resp.headers().get(reqwest::header::LOCATION),
    ) {
        (303, Some(l)) => l.to_str().unwrap_or_default().to_owned(),
        (status, _) => {
            let text = resp.text().await.unwrap_or_default();
            let reason = between(&text, "role=\"alert\">", "</p>")
                .unwrap_or(&text)
                .to_owned();
            return Err(fail(5, "submit the connect form")(&format_args!(
                "status {status}: {reason}"
            )));
        }
    };
    http.get(&location)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| fail(5, "follow the redirect to the callback")(&e))?;
    say(
        5,
        format_args!(
            "Chose {brand} and connected device {device_id}; NOX redirected (303) to the callback URL"
        ),
    );

    // 6. The callback, as the integrator's handler sees it.
    let target = tokio::time::timeout(Duration::from_secs(5), received.recv())
        .await
        .ok()
        .flatten()
        .ok_or_else(|| {
            fail(6, "receive the callback")(&"no request reached the callback listener")
        })?;
    let payload = callback::decode(&target).map_err(|e| fail(6, "decode the callback")(&e))?;
    let verified = payload
        .verify(&session)
        .map_err(|e| fail(6, "verify the callback")(&e))?;
    say(
        6,
        format_args!(
            "Callback received and verified: NOX user {} linked to your user {}, brand {}, devices [{}]",
            verified.nox_user_id,
            verified.user_id,
            verified.brand,
            verified.device_ids.join(", ")
        ),
    );
    mock.stop().await;
    Ok(())
}

/// An HTTP listener on 127.0.0.1 that reports the target of each `/nox/callback` request.
async fn callback_listener() -> std::io::Result<(String, mpsc::UnboundedReceiver<String>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    async fn handle(
        State(tx): State<mpsc::UnboundedSender<String>>,
        uri: Uri,
    ) -> Html<&'static str> {
        let _ = tx.send(uri.to_string());
        Html("<!doctype html><title>Linked</title><p>Your device is linked.</p>")
    }
    let app = Router::new()
        .route("/nox/callback", get(handle))
        .with_state(tx);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((base, rx))
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// Every attribute value that follows `prefix` (which ends with the opening quote).
fn attribute_values(text: &str, prefix: &str) -> Vec<String> {
    text.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}
