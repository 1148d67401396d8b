//! The staff console under `/console/`: never framed, never cached, every state-changing
//! request CSRF-checked against the staff member's session (or, before login, a nonce cookie).

mod words;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub use words::Ui;

use super::cookies::{self, CookieOptions, SameSite};
use super::security::{Frames, Policy};
use super::{Web, csrf, keys, security};

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
        .route("/console", get(|| async { Redirect::to("/console/login") }))
        .route("/console/", get(|| async { Redirect::to("/console/login") }))
        .route("/console/login", get(login_page))
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

/// What every console page shows besides its own content.
#[derive(Debug, Clone)]
pub struct Page {
    /// The language.
    pub ui: Ui,
    /// The CSRF token for the page's forms.
    pub csrf: String,
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
}

/// The language a request asks for.
fn ui(headers: &HeaderMap) -> Ui {
    Ui::from_code(cookies::get(headers, LANG_COOKIE))
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct Login {
    page: Page,
    error: Option<&'static str>,
}

/// `GET /console/login`: the sign-in form. A visitor without a nonce gets one, so that the form
/// carries a token.
async fn login_page(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let existing = cookies::get(&headers, NONCE_COOKIE).map(str::to_owned);
    let nonce = existing.clone().unwrap_or_else(keys::random_id);
    let page = Page { ui: ui(&headers), csrf: web.keys.csrf_token(&nonce) };
    let mut response = super::page(&Login { page, error: None });
    if existing.is_none() {
        cookies::set(response.headers_mut(), NONCE_COOKIE, &nonce, cookie_options(&web));
    }
    response.into_response()
}
