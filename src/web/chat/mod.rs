//! The citizens' web chat under `/chat/` (issue 15 builds it on this): framable by the sites the
//! deployment names, never cached, every state-changing request CSRF-checked against the
//! visitor's id cookie.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::get;

use super::cookies;
use super::security::{Frames, Policy};
use super::{Web, csrf, security};

/// The cookie holding a visitor's id.
pub const VISITOR_COOKIE: &str = "chat_visitor";

/// The chat's routes, with its headers and CSRF check.
pub fn router(web: Arc<Web>) -> Router<Arc<Web>> {
    let frames = Frames::Ancestors(web.config.chat_frame_ancestors.clone());
    let policy = Policy { frames, personal: true, https: web.config.https };
    Router::new()
        .route("/chat/", get(chat_page))
        .layer(from_fn_with_state(csrf::Guard::new(web.keys.clone(), subject), csrf::protect))
        .layer(from_fn_with_state(Arc::new(policy), security::headers))
}

/// What a chat request's CSRF token is bound to: the visitor's id cookie.
fn subject(parts: &Parts) -> Option<String> {
    cookies::get(&parts.headers, VISITOR_COOKIE).map(str::to_owned)
}

#[derive(Template)]
#[template(path = "chat/placeholder.html")]
struct Placeholder;

/// `GET /chat/`: the chat page.
async fn chat_page() -> Response {
    super::page(&Placeholder)
}
