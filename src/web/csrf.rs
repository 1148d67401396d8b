//! Cross-site request forgery protection, for both areas. Every request that may change
//! something (any method but GET, HEAD and OPTIONS) must carry a token: the HMAC of the area's
//! *subject* for the request (the console's session id, the chat's visitor id) under the web's
//! key. Pages put it in a hidden form field [`FIELD`]; scripts send it in the [`HEADER`] header.
//! A request without a valid token, or sent from another site, gets 403 before any handler runs,
//! so nothing changes.
//!
//! ```ignore
//! let guard = csrf::Guard::new(keys.clone(), |parts| cookies::get(&parts.headers, "sid").map(str::to_owned));
//! let router = router.layer(axum::middleware::from_fn_with_state(guard, csrf::protect));
//! // in a page: <input type="hidden" name="csrf_token" value="{{ keys.csrf_token(subject) }}">
//! ```

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::keys::Keys;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// The header that carries the token (for scripts).
pub const HEADER: &str = "x-csrf-token";
/// The largest form body read to find the token; a form post is a few kilobytes.
const FORM_LIMIT: usize = 1024 * 1024;
/// The purpose tokens are signed under.
const PURPOSE: &str = "csrf";

/// Finds the subject a request's token is bound to; `None` when the request has none (no
/// session yet), which fails every unsafe request.
pub type Subject = fn(&Parts) -> Option<String>;

/// The CSRF check of an area: the key and where its subject comes from.
#[derive(Clone)]
pub struct Guard {
    keys: Keys,
    subject: Subject,
}

impl Guard {
    /// A guard checking tokens of `keys` bound to `subject`.
    pub fn new(keys: Keys, subject: Subject) -> Self {
        Self { keys, subject }
    }
}

impl Keys {
    /// The CSRF token for pages of `subject`.
    pub fn csrf_token(&self, subject: &str) -> String {
        self.sign(PURPOSE, subject)
    }
}

/// Middleware refusing unsafe requests without a valid token, or from another site.
pub async fn protect(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    if cross_site(&parts.headers) {
        tracing::info!(path = %parts.uri.path(), "a request from another site was refused");
        return forbidden();
    }
    let subject = (guard.subject)(&parts);
    let header = parts.headers.get(HEADER).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let (token, body) = match header {
        Some(token) => (Some(token), body),
        None if is_form(&parts.headers) => match to_bytes(body, FORM_LIMIT).await {
            Ok(bytes) => (field(&bytes), Body::from(bytes)),
            Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response(),
        },
        None => (None, body),
    };
    match (subject, token) {
        (Some(subject), Some(token)) if guard.keys.verify(PURPOSE, &subject, &token) => {
            next.run(Request::from_parts(parts, body)).await
        }
        _ => {
            tracing::info!(path = %parts.uri.path(), "a request without a valid CSRF token was refused");
            forbidden()
        }
    }
}

/// Whether the browser says the request comes from another site: `Sec-Fetch-Site` other than
/// `same-origin` (or `none`: typed by the user), or without it an `Origin` whose host is neither
/// this one nor the one a reverse proxy forwarded for.
fn cross_site(headers: &HeaderMap) -> bool {
    let header = |name| headers.get(name).and_then(|value: &axum::http::HeaderValue| value.to_str().ok());
    // A browser that says where a request comes from is believed (scripts cannot set
    // `Sec-Fetch-*`): under `Referrer-Policy: no-referrer` Chromium sends `Origin: null` even for
    // a form of the page's own origin.
    match header("sec-fetch-site") {
        Some("same-origin" | "none") => return false,
        Some(_) => return true,
        None => {}
    }
    match header(ORIGIN.as_str()) {
        None => false,
        Some(origin) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            origin_host.is_none() || ![header(HOST.as_str()), header("x-forwarded-host")].contains(&origin_host)
        }
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

/// The token in an URL-encoded form body.
fn field(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(name, _)| name == FIELD).map(|(_, value)| value.into_owned())
}

fn forbidden() -> Response {
    let page = "<!doctype html><meta charset=\"utf-8\"><title>403</title>\
                <p>请求已过期或并非来自本站，请刷新页面后重试。</p>\
                <p>This form has expired or did not come from this site: reload the page and try again.</p>";
    (StatusCode::FORBIDDEN, Html(page)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.parse().unwrap(), HeaderValue::from_static(value))).collect()
    }

    #[test]
    fn requests_from_other_sites_are_recognised() {
        assert!(!cross_site(&headers(&[("host", "bot.example:8090"), ("origin", "http://bot.example:8090")])));
        assert!(cross_site(&headers(&[("host", "bot.example:8090"), ("origin", "https://evil.example")])));
        assert!(cross_site(&headers(&[("origin", "null")])));
        assert!(!cross_site(&headers(&[
            ("host", "127.0.0.1:8090"),
            ("x-forwarded-host", "bot.example"),
            ("origin", "https://bot.example")
        ])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(
            !cross_site(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")])),
            "Chromium, no-referrer"
        );
        assert!(cross_site(&headers(&[("sec-fetch-site", "same-site"), ("origin", "https://other.bot.example")])));
        assert!(!cross_site(&HeaderMap::new()), "a client that sends neither (curl, tests) is judged by its token");
    }

    #[test]
    fn the_token_is_read_from_a_form_body() {
        assert_eq!(field(b"note=a%26b&csrf_token=abc-_1&x=2").as_deref(), Some("abc-_1"));
        assert_eq!(field(b"note=x"), None);
    }
}
