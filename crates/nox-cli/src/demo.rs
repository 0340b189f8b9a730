//! `nox demo`: the whole link flow on 127.0.0.1, step by step.
//!
//! 1. start the NOX mock in-process;
//! 2. start a callback listener (the integrator's `redirect_url`);
//! 3. create a v2 supplier link session through the `nox-auth` facade;
//! 4. open the Authenticator UI (`link_url`) as a browser would;
//! 5. choose the brand and submit the form; follow NOX's redirect to the listener;
//! 6. decode the `?data=` callback and verify it against the link session;
//! 7. confirm the link at the mock's Package API (the device listed for the user) and
//!    print each device's health.

use std::fmt::Display;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Html;
use axum::routing::get;
use clap::Args;
use nox_auth::{AssetType, Brand, ConfirmOptions, Language, SupplierLinkRequest, callback};
use tokio::sync::mpsc;

use crate::arg::parse_arg;
use crate::commands::confirm::device_line;
use crate::out::{EXIT_API, EXIT_INPUT, EXIT_OK, Failure, outln, report, safe};

const STEPS: usize = 7;

/// Arguments of `nox demo`.
#[derive(Args)]
pub(crate) struct DemoArgs {
    /// The brand to pre-select and connect (must be valid for the asset type).
    #[arg(long, default_value = "daikin", value_parser = parse_arg::<Brand>)]
    brand: Brand,
    /// hp or pv.
    #[arg(long, default_value = "hp", value_parser = parse_arg::<AssetType>)]
    asset_type: AssetType,
    /// UI language: nl, en, fr, es.
    #[arg(long, default_value = "en", value_parser = parse_arg::<Language>)]
    language: Language,
    /// Your user id in the demo.
    #[arg(long, default_value = "demo-user-1")]
    user_id: String,
}

/// One step of the demo: its number and what it does, for the progress line and for
/// the error that names the step that failed.
#[derive(Clone, Copy)]
struct Step {
    n: usize,
    what: &'static str,
}

impl Step {
    /// The next step after this one.
    fn next(self, what: &'static str) -> Step {
        Step {
            n: self.n + 1,
            what,
        }
    }

    /// The error for this step, with its cause.
    fn fail(self, why: impl Display) -> StepError {
        StepError {
            step: self,
            why: why.to_string(),
            exit: EXIT_API,
        }
    }

    /// Prints the step's progress line.
    fn say(self, text: impl Display) {
        outln!("[{}/{STEPS}] {text}", self.n);
    }
}

/// A failed step: which one, why, and the exit status.
struct StepError {
    step: Step,
    why: String,
    exit: u8,
}

/// Runs the demo; 0 on success, 1 when a step fails, 2 for bad arguments.
pub(crate) async fn run(args: DemoArgs) -> u8 {
    outln!("NOX link flow demo: everything runs locally on 127.0.0.1.\n");
    match flow(&args.user_id, args.asset_type, args.brand, args.language).await {
        Ok(()) => {
            outln!(
                "\nDone: the device is linked, the callback was verified against its link session, \
                 and NOX confirmed the link."
            );
            EXIT_OK
        }
        // The facade refused the arguments (e.g. a brand not valid for the asset type):
        // bad input, not a failed flow.
        Err(e) if e.exit == EXIT_INPUT => report(false, &Failure::input("validation", e.why)),
        Err(e) => report(
            false,
            &Failure {
                kind: "demo",
                message: format!(
                    "step {}/{STEPS} failed ({}): {}",
                    e.step.n, e.step.what, e.why
                ),
                exit: e.exit,
            },
        ),
    }
}

async fn flow(
    user_id: &str,
    asset_type: AssetType,
    brand: Brand,
    language: Language,
) -> Result<(), StepError> {
    // 1. The mock.
    let step = Step {
        n: 1,
        what: "start the NOX mock",
    };
    let mock = nox_mock::MockServer::start()
        .await
        .map_err(|e| step.fail(e))?;
    step.say(format_args!(
        "Started the local NOX Authenticator mock at {}",
        mock.base_url()
    ));

    // 2. The integrator's callback endpoint.
    let step = step.next("start the callback listener");
    let (callback_base, mut received) = callback_listener().await.map_err(|e| step.fail(e))?;
    let redirect_url = format!("{callback_base}/nox/callback");
    step.say(format_args!(
        "Listening for NOX's redirect at {redirect_url}"
    ));

    // 3. The link session, through the facade (which checks the arguments first).
    let step = step.next("create the link session");
    let client = mock.client().map_err(|e| step.fail(e))?;
    let session = client
        .create_supplier_link_session(
            SupplierLinkRequest::new(user_id, asset_type, &redirect_url)
                .brand(brand)
                .language(language),
        )
        .await
        .map_err(|e| StepError {
            exit: if matches!(e, nox_auth::Error::Validation(_)) {
                EXIT_INPUT
            } else {
                EXIT_API
            },
            ..step.fail(&e)
        })?;
    step.say(format_args!(
        "Created a v2 supplier link session for user {} ({asset_type}, brand {brand}): token {}…, expires in {} s",
        safe(user_id),
        safe(&session.link_token[..12.min(session.link_token.len())]),
        session.times.remaining(SystemTime::now()).as_secs()
    ));
    outln!("      link_url: {}", safe(&session.link_url));

    // 4. The Authenticator UI, as a browser would load it.
    let step = step.next("open the Authenticator UI");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| step.fail(e))?;
    let page = http
        .get(&session.link_url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| step.fail(e))?
        .text()
        .await
        .map_err(|e| step.fail(e))?;
    let title = between(&page, "<h1>", "</h1>").unwrap_or_default();
    let offered = attribute_values(&page, "name=\"brand\" value=\"");
    let token = attribute_values(&page, "name=\"token\" value=\"")
        .into_iter()
        .next();
    let device_id = attribute_values(&page, "name=\"device_id\" id=\"device_id\" value=\"")
        .into_iter()
        .next();
    let (Some(token), Some(device_id)) = (token, device_id) else {
        return Err(step.fail("the page has no connect form"));
    };
    if !offered.contains(&brand.slug().to_owned()) {
        return Err(step.fail(format_args!(
            "brand {brand} is not offered (offered: {})",
            offered.join(", ")
        )));
    }
    step.say(format_args!(
        "Opened the Authenticator UI: \"{}\"; brands offered: {}",
        safe(title),
        safe(&offered.join(", "))
    ));

    // 5. Choose the brand, submit, follow NOX's redirect to our listener.
    let step = step.next("submit the connect form and follow the redirect");
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
        .map_err(|e| step.fail(e))?;
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
            return Err(step.fail(format_args!("status {status}: {reason}")));
        }
    };
    http.get(&location)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| step.fail(e))?;
    step.say(format_args!(
        "Chose {brand} and connected device {}; NOX redirected (303) to the callback URL",
        safe(&device_id)
    ));

    // 6. The callback, as the integrator's handler sees it.
    let step = step.next("receive, decode and verify the callback");
    let target = tokio::time::timeout(Duration::from_secs(5), received.recv())
        .await
        .ok()
        .flatten()
        .ok_or_else(|| step.fail("no request reached the callback listener"))?;
    let payload = callback::decode(&target).map_err(|e| step.fail(e))?;
    let verified = payload
        .verify_supplier(&session)
        .map_err(|e| step.fail(e))?;
    step.say(format_args!(
        "Callback received and verified: NOX user {} linked to your user {}, brand {}, devices [{}]",
        safe(&verified.nox_user_id),
        safe(&verified.user_id),
        safe(&verified.brand),
        safe(&verified.device_ids.join(", "))
    ));

    // 7. The callback is unsigned: NOX's Package API listing the device for our user is
    // what makes the link a fact. The mock lists it at once; a short wait covers a slow
    // machine.
    let step = step.next("confirm the link at NOX's Package API");
    let options = ConfirmOptions::default()
        .max_wait(Duration::from_secs(5))
        .initial_backoff(Duration::from_millis(100));
    let confirmed = client
        .confirm_with(&verified, &options)
        .await
        .map_err(|e| step.fail(e))?;
    step.say(format_args!(
        "Confirmed at NOX's Package API ({}): {} device(s) listed for user {}",
        safe(client.package_base_url().as_str().trim_end_matches('/')),
        confirmed.devices.len(),
        safe(&verified.user_id)
    ));
    for device in &confirmed.devices {
        outln!("      {}", device_line(device));
    }
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
