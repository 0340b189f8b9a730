//! The Authenticator UI: `GET /ui?token=…&language=…` shows the brands for the session,
//! `POST /ui/connect` completes it and redirects (303) to the integrator's callback.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use nox_auth::{AssetType, Brand, Language};
use serde::Deserialize;

use crate::app::App;
use crate::session::{CompleteError, Session};
use crate::store::random_token;

/// The UI's texts in one language.
struct Labels {
    title: &'static str,
    choose_hp: &'static str,
    choose_pv: &'static str,
    supplier: &'static str,
    device: &'static str,
    connect: &'static str,
    error_title: &'static str,
    unknown: &'static str,
    expired: &'static str,
    used: &'static str,
}

fn labels(language: Language) -> &'static Labels {
    match language {
        Language::Nl => &Labels {
            title: "Koppel je apparaat met NOX",
            choose_hp: "Kies het merk van je warmtepomp",
            choose_pv: "Kies het merk van je omvormer",
            supplier: "Koppel met je energieleverancier",
            device: "Apparaat-ID",
            connect: "Koppelen",
            error_title: "Koppelen is niet gelukt",
            unknown: "Deze koppellink is onbekend.",
            expired: "Deze koppellink is verlopen. Vraag een nieuwe aan.",
            used: "Deze koppellink is al gebruikt.",
        },
        Language::En => &Labels {
            title: "Connect your device to NOX",
            choose_hp: "Choose the brand of your heat pump",
            choose_pv: "Choose the brand of your inverter",
            supplier: "Connect with your energy supplier",
            device: "Device ID",
            connect: "Connect",
            error_title: "Connecting failed",
            unknown: "This link is unknown.",
            expired: "This link has expired. Please request a new one.",
            used: "This link has already been used.",
        },
        Language::Fr => &Labels {
            title: "Connectez votre appareil à NOX",
            choose_hp: "Choisissez la marque de votre pompe à chaleur",
            choose_pv: "Choisissez la marque de votre onduleur",
            supplier: "Connectez-vous à votre fournisseur d'énergie",
            device: "Identifiant de l'appareil",
            connect: "Connecter",
            error_title: "La connexion a échoué",
            unknown: "Ce lien est inconnu.",
            expired: "Ce lien a expiré. Veuillez en demander un nouveau.",
            used: "Ce lien a déjà été utilisé.",
        },
        Language::Es => &Labels {
            title: "Conecta tu dispositivo a NOX",
            choose_hp: "Elige la marca de tu bomba de calor",
            choose_pv: "Elige la marca de tu inversor",
            supplier: "Conéctate con tu proveedor de energía",
            device: "ID del dispositivo",
            connect: "Conectar",
            error_title: "La conexión ha fallado",
            unknown: "Este enlace es desconocido.",
            expired: "Este enlace ha caducado. Solicita uno nuevo.",
            used: "Este enlace ya se ha utilizado.",
        },
        // A language the SDK adds later: Dutch, NOX's default.
        _ => labels(Language::Nl),
    }
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn page(language: Language, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}\
         label{{display:block;padding:.25rem 0}}button{{margin-top:1rem;padding:.5rem 1.5rem}}</style>\
         </head>\n<body>\n<h1>{title}</h1>\n{body}\n</body>\n</html>\n",
        lang = language.as_str(),
        title = escape(title),
    )
}

fn error_page(status: StatusCode, language: Language, message: &str) -> Response {
    let l = labels(language);
    let body = format!("<p id=\"error\" role=\"alert\">{}</p>", escape(message));
    (status, Html(page(language, l.error_title, &body))).into_response()
}

/// `GET /ui` query.
#[derive(Debug, Deserialize)]
pub(crate) struct UiQuery {
    token: Option<String>,
    language: Option<String>,
}

fn pick_language(query: Option<&str>, session: Option<&Session>) -> Language {
    query
        .and_then(|l| l.parse().ok())
        .or(session.map(|s| s.language))
        .unwrap_or_default()
}

/// Checks that a session can still be completed; the error page otherwise.
fn usable(
    app: &App,
    token: Option<&str>,
    language: Option<&str>,
) -> Result<Session, Box<Response>> {
    let session = token.and_then(|t| app.store.session(t));
    let lang = pick_language(language, session.as_ref());
    let l = labels(lang);
    let Some(session) = session else {
        return Err(Box::new(error_page(StatusCode::NOT_FOUND, lang, l.unknown)));
    };
    if session.completed_at.is_some() {
        return Err(Box::new(error_page(StatusCode::CONFLICT, lang, l.used)));
    }
    if app.store.now() >= session.expires_at {
        return Err(Box::new(error_page(StatusCode::GONE, lang, l.expired)));
    }
    Ok(session)
}

/// `GET /ui?token=…&language=…`
pub(crate) async fn show(State(app): State<App>, Query(q): Query<UiQuery>) -> Response {
    let session = match usable(&app, q.token.as_deref(), q.language.as_deref()) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let lang = pick_language(q.language.as_deref(), Some(&session));
    let l = labels(lang);
    let mut body = String::new();
    body.push_str("<form id=\"connect\" method=\"post\" action=\"/ui/connect\">\n");
    body.push_str(&format!(
        "<input type=\"hidden\" name=\"token\" value=\"{}\">\n<input type=\"hidden\" name=\"language\" value=\"{}\">\n",
        escape(&session.token),
        lang
    ));
    match session.asset_type() {
        Some(asset_type) => {
            let heading = match asset_type {
                AssetType::Pv => l.choose_pv,
                // Heat pumps, and any asset type the SDK adds later.
                _ => l.choose_hp,
            };
            body.push_str(&format!(
                "<fieldset id=\"brands\"><legend>{}</legend>\n",
                escape(heading)
            ));
            // A pre-selected brand is the only choice, as NOX skips the brand screen.
            let brands: Vec<Brand> = match session.brand() {
                Some(b) => vec![b],
                None => asset_type.brands(),
            };
            for b in &brands {
                let checked = if Some(*b) == session.brand() {
                    " checked"
                } else {
                    ""
                };
                body.push_str(&format!(
                    "<label><input type=\"radio\" name=\"brand\" value=\"{slug}\" id=\"brand-{slug}\" required{checked}> {slug}</label>\n",
                    slug = b.slug(),
                ));
            }
            body.push_str("</fieldset>\n");
        }
        None => {
            body.push_str(&format!(
                "<p>{}</p>\n<input type=\"hidden\" name=\"brand\" value=\"{}\">\n",
                escape(l.supplier),
                escape(&app.manufacturer_name)
            ));
        }
    }
    body.push_str(&format!(
        "<label>{} <input type=\"text\" name=\"device_id\" id=\"device_id\" value=\"dev-{}\" required></label>\n",
        escape(l.device),
        random_token(6)
    ));
    body.push_str(&format!(
        "<button type=\"submit\" id=\"submit\">{}</button>\n</form>",
        escape(l.connect)
    ));
    Html(page(lang, l.title, &body)).into_response()
}

/// `POST /ui/connect` form.
#[derive(Debug, Deserialize)]
pub(crate) struct ConnectForm {
    token: Option<String>,
    brand: Option<String>,
    device_id: Option<String>,
    language: Option<String>,
}

/// `POST /ui/connect`: completes the session and redirects (303) to the callback.
pub(crate) async fn connect(
    State(app): State<App>,
    form: Result<Form<ConnectForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return error_page(StatusCode::BAD_REQUEST, Language::default(), "invalid form");
    };
    let session = match usable(&app, form.token.as_deref(), form.language.as_deref()) {
        Ok(s) => s,
        Err(page) => return *page,
    };
    let lang = pick_language(form.language.as_deref(), Some(&session));
    let l = labels(lang);
    let devices: Vec<String> = form
        .device_id
        .unwrap_or_default()
        .split(',')
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .collect();
    match app
        .store
        .complete(&session.token, form.brand.as_deref().unwrap_or(""), devices)
    {
        Ok(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
        Err(CompleteError::UnknownToken) => error_page(StatusCode::NOT_FOUND, lang, l.unknown),
        Err(CompleteError::Expired) => error_page(StatusCode::GONE, lang, l.expired),
        Err(CompleteError::AlreadyCompleted) => error_page(StatusCode::CONFLICT, lang, l.used),
        Err(e) => error_page(StatusCode::BAD_REQUEST, lang, &e.to_string()),
    }
}
