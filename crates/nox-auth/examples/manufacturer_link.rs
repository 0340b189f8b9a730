//! Create a v2 manufacturer link session and register a device connection.
//!
//! ```sh
//! NOX_API_KEY=… cargo run -p nox-auth --example manufacturer_link -- mfr-user-7 myapp://nox/callback
//! ```

use std::process::ExitCode;

use nox_auth::{Error, ManufacturerLinkRequest};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [user_id, redirect_url] = args.as_slice() else {
        eprintln!("usage: manufacturer_link <user-id> <redirect-url>");
        std::process::exit(2);
    };
    // The app receives the callback as a deep link (`myapp://…`): its scheme is named, as
    // the client allows no app scheme by default.
    let client = nox_auth::ClientBuilder::from_env()
        .allow_app_scheme("myapp")
        .build()?;

    let session = client
        .create_manufacturer_link_session(ManufacturerLinkRequest::new(user_id, redirect_url))
        .await?;
    println!("send the user to: {}", session.link_url);

    let connection = client
        .create_manufacturer_device_connection(user_id)
        .await?;
    println!(
        "device connection: your user {} is NOX user {}",
        connection.user_id, connection.nox_user_id
    );
    Ok(())
}
