//! The devices as NOX lists them, as the example's pages show them.

use nox_auth::{DeviceHealth, Health};

use super::esc;

/// A device's health in words, and a "Link again" button where NOX needs it.
fn health_text(health: &Health) -> String {
    match health {
        Health::Steerable => "linked, steerable".into(),
        Health::NeedsReauthentication => "needs re-authentication \
             <form method=\"post\" action=\"/link\" class=\"again\"><button class=\"link-again\">Link again</button></form>"
            .into(),
        Health::NotSteerable { reason: Some(reason) } => {
            format!("linked, not steerable: {}", esc(reason))
        }
        Health::NotSteerable { reason: None } => "linked, not steerable".into(),
        _ => "linked".into(),
    }
}

/// The devices as NOX lists them (brand, asset type, health).
pub(crate) fn device_list(devices: &[DeviceHealth]) -> String {
    if devices.is_empty() {
        return "<p id=\"devices\">No devices linked yet.</p>".into();
    }
    let items: String = devices
        .iter()
        .map(|d| {
            format!(
                "<li>{} ({}, hp): {}</li>",
                esc(&d.device_id),
                esc(d.brand.as_deref().unwrap_or("?")),
                health_text(&d.health)
            )
        })
        .collect();
    format!("<ul id=\"devices\">{items}</ul>")
}
