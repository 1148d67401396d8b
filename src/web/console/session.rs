//! Signing in and out of the console, the signed-in staff member of each request ([`Signed`]:
//! anonymous visitors are sent to the sign-in page), and the language switch.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{LANG_COOKIE, NONCE_COOKIE, Page, SESSION_COOKIE, Ui, accounts, cookie_options, failure};
use crate::staff::accounts::{LoginError, Viewer};
use crate::web::{ClientAddr, Web, cookies, keys};

/// The staff member a request comes from, signed in with a live session.
#[derive(Debug, Clone)]
pub struct Signed {
    /// Who.
    pub viewer: Viewer,
    /// What their page shows besides its content (its token bound to their session).
    pub page: Page,
}

impl Signed {
    /// The page at menu item `at`.
    pub fn page(&self, at: &'static str) -> Page {
        Page { at, ..self.page.clone() }
    }
}

impl FromRequestParts<Arc<Web>> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Arc<Web>) -> Result<Self, Response> {
        let ui = ui(&parts.headers);
        let Some(id) = cookies::get(&parts.headers, SESSION_COOKIE) else { return Err(to_login()) };
        let viewer = match accounts(web).viewer(id).await {
            Ok(Some(viewer)) => viewer,
            Ok(None) => {
                let mut response = to_login();
                cookies::remove(response.headers_mut(), SESSION_COOKIE, cookie_options(web));
                return Err(response);
            }
            Err(error) => return Err(failure(ui, &error)),
        };
        let here = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
        let who = Some((viewer.display_name.clone(), viewer.is_admin()));
        let page = Page { ui, csrf: web.keys.csrf_token(id), who, at: "", here };
        Ok(Self { viewer, page })
    }
}

/// A redirect to the sign-in page.
fn to_login() -> Response {
    Redirect::to("/console/login").into_response()
}

/// The language a request asks for.
pub(super) fn ui(headers: &HeaderMap) -> Ui {
    Ui::from_code(cookies::get(headers, LANG_COOKIE))
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct Login {
    page: Page,
    error: Option<String>,
}

/// The sign-in page for a visitor with `nonce` (new when `fresh`), with an error perhaps.
fn login_form(
    web: &Web,
    headers: &HeaderMap,
    nonce: &str,
    fresh: bool,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let ui = ui(headers);
    let page = Page { ui, csrf: web.keys.csrf_token(nonce), who: None, at: "login", here: "/console/login".to_owned() };
    let mut response = (status, crate::web::page(&Login { page, error })).into_response();
    if fresh {
        cookies::set(response.headers_mut(), NONCE_COOKIE, nonce, cookie_options(web));
    }
    response
}

/// `GET /console/login`: the sign-in form. A visitor without a nonce gets one, so that the form
/// carries a token.
pub(super) async fn login_page(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let existing = cookies::get(&headers, NONCE_COOKIE).map(str::to_owned);
    let nonce = existing.clone().unwrap_or_else(keys::random_id);
    login_form(&web, &headers, &nonce, existing.is_none(), StatusCode::OK, None)
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct Credentials {
    username: String,
    password: String,
}

/// `POST /console/login`: a new session under a new id when the password is right; the form
/// again with a message otherwise (the same for an unknown name, a wrong password and a disabled
/// account).
pub(super) async fn login(
    State(web): State<Arc<Web>>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    Form(credentials): Form<Credentials>,
) -> Response {
    let ui = ui(&headers);
    let nonce = cookies::get(&headers, NONCE_COOKIE).map(str::to_owned).unwrap_or_else(keys::random_id);
    let address = address.to_string();
    match accounts(&web).login(&credentials.username, &credentials.password, &address).await {
        Ok(id) => {
            let mut response = Redirect::to("/console/applications").into_response();
            // A session id a visitor had before signing in is never reused: the old one ends.
            if let Some(old) = cookies::get(&headers, SESSION_COOKIE)
                && let Err(error) = accounts(&web).logout(old).await
            {
                return failure(ui, &error);
            }
            cookies::set(response.headers_mut(), SESSION_COOKIE, &id, cookie_options(&web));
            cookies::remove(response.headers_mut(), NONCE_COOKIE, cookie_options(&web));
            response
        }
        Err(LoginError::Refused) => {
            login_form(&web, &headers, &nonce, false, StatusCode::UNAUTHORIZED, Some(ui.t("login_refused").to_owned()))
        }
        Err(LoginError::Throttled(seconds)) => {
            let message = ui.t("login_throttled").replace("{seconds}", &seconds.to_string());
            let mut response = login_form(&web, &headers, &nonce, false, StatusCode::TOO_MANY_REQUESTS, Some(message));
            response.headers_mut().insert("retry-after", seconds.into());
            response
        }
        Err(LoginError::Store(error)) => failure(ui, &error),
    }
}

/// `POST /console/logout`: ends the session.
pub(super) async fn logout(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    if let Some(id) = cookies::get(&headers, SESSION_COOKIE)
        && let Err(error) = accounts(&web).logout(id).await
    {
        return failure(ui(&headers), &error);
    }
    let mut response = Redirect::to("/console/login").into_response();
    cookies::remove(response.headers_mut(), SESSION_COOKIE, cookie_options(&web));
    response
}

/// `GET /console/lang/{code}?back=PATH`: remembers the language and goes back (only ever to a
/// console page, so that the link cannot send anyone elsewhere).
pub(super) async fn switch_lang(
    State(web): State<Arc<Web>>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let back = query.get("back").filter(|back| back.starts_with("/console/") && !back.contains("//"));
    let mut response = Redirect::to(back.map_or("/console/applications", String::as_str)).into_response();
    cookies::set(response.headers_mut(), LANG_COOKIE, Ui::from_code(Some(&code)).code(), cookie_options(&web));
    response
}
