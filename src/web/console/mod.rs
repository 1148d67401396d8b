//! The staff console under `/console/`: never framed, never cached, every state-changing
//! request CSRF-checked against the staff member's session (or, before login, a nonce cookie).
//!
//! - `session`: signing in and out, the signed-in staff member of a request, the language switch;
//! - `applications`: the list with its filters, and its export;
//! - `application`: one application, its files and the decisions on it;
//! - `figures`: the questions staff should answer, the forms' funnel and the Q&A figures;
//! - `audit`: the audit log (admins only).

mod application;
mod applications;
mod audit;
mod charts;
mod figures;
mod session;
mod words;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub use session::Signed;
pub use words::Ui;

use super::cookies::{self, CookieOptions, SameSite};
use super::security::{Frames, Policy};
use super::{Web, csrf, security};
use crate::staff::accounts::Accounts;

/// The cookie holding a staff member's session id.
pub const SESSION_COOKIE: &str = "console_session";
/// The cookie holding a visitor's nonce before login, which the login form's token is bound to.
pub const NONCE_COOKIE: &str = "console_nonce";
/// The cookie holding the chosen language.
pub const LANG_COOKIE: &str = "console_lang";

/// The console's routes, with its headers and CSRF check.
pub fn router(web: Arc<Web>) -> Router<Arc<Web>> {
    let policy = Policy { frames: Frames::Deny, personal: true, https: web.config.https };
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/applications") }))
        .route("/console/", get(|| async { Redirect::to("/console/applications") }))
        .route("/console/login", get(session::login_page).post(session::login))
        .route("/console/logout", post(session::logout))
        .route("/console/lang/{code}", get(session::switch_lang))
        .route("/console/applications", get(applications::list))
        .route("/console/applications/export", get(applications::export))
        .route("/console/applications/{reference}", get(application::show))
        .route("/console/applications/{reference}/decision", post(application::decide))
        .route("/console/applications/{reference}/files/{id}", get(application::file))
        .route("/console/questions", get(figures::questions))
        .route("/console/figures", get(figures::figures))
        .route("/console/audit", get(audit::log))
        .layer(from_fn_with_state(csrf::Guard::new(web.keys.clone(), subject), csrf::protect))
        .layer(from_fn_with_state(Arc::new(policy), security::headers))
}

/// What a console request's CSRF token is bound to: the session, or before login the nonce.
fn subject(parts: &Parts) -> Option<String> {
    cookies::get(&parts.headers, SESSION_COOKIE)
        .or_else(|| cookies::get(&parts.headers, NONCE_COOKIE))
        .map(str::to_owned)
}

/// How the console's cookies are set: never sent by another site's requests.
fn cookie_options(web: &Web) -> CookieOptions {
    CookieOptions { same_site: SameSite::Strict, secure: web.config.https, max_age: None }
}

/// The console's accounts and sessions over the bot's store.
fn accounts(web: &Web) -> Accounts {
    Accounts::new(web.bot.store().clone(), web.bot.clock())
}

/// What every console page shows besides its own content.
#[derive(Debug, Clone)]
pub struct Page {
    /// The language.
    pub ui: Ui,
    /// The CSRF token for the page's forms.
    pub csrf: String,
    /// The signed-in staff member's name and whether they are an admin, for the menu.
    pub who: Option<(String, bool)>,
    /// The menu item of the page (`applications`, `questions`…).
    pub at: &'static str,
    /// The page's own path and query, for the language switch to come back to.
    pub here: String,
}

impl Page {
    /// The word `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        self.ui.t(key)
    }

    /// The URL of a static file.
    pub fn asset(&self, path: &str) -> String {
        super::asset_url(path)
    }

    /// `aria-current="page"` for the menu item `item` of this page.
    pub fn current(&self, item: &str) -> &'static str {
        if self.at == item { "page" } else { "false" }
    }

    /// The link switching to the other language and back here.
    pub fn switch_lang(&self) -> String {
        let back: String = url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/console/lang/{}?back={back}", self.ui.other().code())
    }
}

/// A plain page saying what went wrong, with its status.
fn problem(status: StatusCode, ui: Ui, key: &str) -> Response {
    (status, [("content-type", "text/plain; charset=utf-8")], ui.t(key)).into_response()
}

/// A failure of the core as a 500 page, logged with its cause.
fn failure(ui: Ui, error: &(dyn std::error::Error + 'static)) -> Response {
    tracing::error!(error = %crate::errors::chain(error), "a console page failed");
    problem(StatusCode::INTERNAL_SERVER_ERROR, ui, "failed")
}
