//! Create a v2 supplier link session and print where to send the user.
//!
//! ```sh
//! NOX_API_KEY=… cargo run -p nox-auth --example supplier_link -- user-42 hp https://example.com/cb [brand] [language]
//! # against a local mock: NOX_BASE_URL=http://127.0.0.1:8080 NOX_API_KEY=… cargo run …
//! ```

use std::process::ExitCode;
use std::time::SystemTime;

use nox_auth::{AssetType, Brand, Client, Error, Language, SupplierLinkRequest};

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
    let [user_id, asset_type, redirect_url, rest @ ..] = args.as_slice() else {
        eprintln!("usage: supplier_link <user-id> <hp|pv> <redirect-url> [brand] [language]");
        std::process::exit(2);
    };
    let asset_type: AssetType = asset_type.parse()?;
    let mut request = SupplierLinkRequest::new(user_id, asset_type, redirect_url);
    if let Some(brand) = rest.first() {
        request = request.brand(brand.parse::<Brand>()?);
    }
    if let Some(language) = rest.get(1) {
        request = request.language(language.parse::<Language>()?);
    }

    let client = Client::from_env()?;
    let session = client.create_supplier_link_session(request).await?;
    println!(
        "link session {} for user {}",
        session.link_token, session.user_id
    );
    println!("send the user to: {}", session.link_url);
    println!(
        "expires in {} s",
        session.times.remaining(SystemTime::now()).as_secs()
    );
    Ok(())
}
